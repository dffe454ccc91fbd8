"""Matplotlib's HTML animation player, made to work offline (a classroom without internet).

The player draws its buttons with an icon font fetched from the internet; without a
connection the buttons come out blank. :func:`offline` swaps each icon for a plain character
and drops the font's link, so the page needs nothing from outside.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["GLYPHS", "offline"]

#: Each icon of the player, as characters that every browser's fonts have.
GLYPHS: Final = {
    "fa fa-minus": "\u2212",  # slower
    "fa fa-fast-backward": "|\u25c0",  # first frame
    "fa fa-step-backward": "\u2039",  # one frame back
    "fa fa-play fa-flip-horizontal": "\u25c0",  # play backwards
    "fa fa-pause": "||",
    "fa fa-play": "\u25b6",
    "fa fa-step-forward": "\u203a",  # one frame on
    "fa fa-fast-forward": "\u25b6|",  # last frame
    "fa fa-plus": "+",  # faster
}

_ICON = re.compile(r'<i class="([^"]+)"></i>')
_FONT_LINK = re.compile(r'<link rel="stylesheet"\s+href="https://[^"]*font-awesome[^"]*">')


def offline(html: str) -> str:
    """The player's HTML with plain characters for its icons and no link to the internet."""
    html = _FONT_LINK.sub("", html)
    return _ICON.sub(lambda m: GLYPHS.get(m.group(1), m.group(0)), html)
