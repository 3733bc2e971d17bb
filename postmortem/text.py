"""Small text helpers shared by messages and tables."""

from __future__ import annotations

import re

# What ends a line of text or is no text at all: control characters (C0, DEL, C1) and the
# line and paragraph separators. A one-line field holds none of them.
NOT_IN_A_LINE = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
# Unicode's bidirectional embedding, override and isolate controls: they make text display
# in another order than it is written ("Trojan Source").
BIDI_CONTROLS = r"\u202a-\u202e\u2066-\u2069"
# What a terminal would act on or reorder instead of showing.
_INVISIBLE = re.compile(f"[{NOT_IN_A_LINE}{BIDI_CONTROLS}]")


def visible(text: str) -> str:
    """``text`` with those characters written as escapes (``\\n``, ``\\x1b``, ``\\u202e``)."""
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def clip(text: str, width: int = 60) -> str:
    """``text`` without outer white space, control characters shown as escapes, cut to
    ``width`` characters with an ellipsis."""
    text = visible(text.strip())
    return text if len(text) <= width else text[: width - 1] + "…"


# A URL with a scheme (`https:`, `mailto:`), told from a path relative to a file.
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")


def has_scheme(url: str) -> bool:
    return _SCHEME.match(url) is not None
