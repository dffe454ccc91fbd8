"""What was observed on the real night: the figures that simulated nights are compared with.

The one place that holds them: 422 crossed of 700 expected (CTV News, July 2018; the 422 also
from Jordan's foreign minister Ayman Safadi, reported by the BBC).
"""

from __future__ import annotations

from typing import Final

__all__ = ["OBSERVED_CROSSED", "OBSERVED_EXPECTED"]

#: People who crossed on the real night (the 2018 news report).
OBSERVED_CROSSED: Final = 422
#: People expected on the real night (the same report).
OBSERVED_EXPECTED: Final = 700
