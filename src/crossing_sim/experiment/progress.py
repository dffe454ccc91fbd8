"""tqdm's progress bar without its monitor thread.

tqdm starts a thread to watch every bar, even a disabled one. A process running another
thread cannot safely fork: its pools of workers must then spawn them (each importing the
whole project again) and a results folder's tables are written in this process. These bars
leave no thread behind.
"""

from __future__ import annotations

import functools
from typing import Any

__all__ = ["bar_class"]


@functools.cache
def bar_class() -> Any:
    """tqdm's class with no monitor thread (imported when first asked for)."""
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[misc]
        monitor_interval = 0  # no monitor thread (see the module)

    return Bar
