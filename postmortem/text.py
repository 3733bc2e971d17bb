"""Small text helpers shared by messages and tables."""

from __future__ import annotations


def clip(text: str, width: int = 60) -> str:
    """``text`` without outer white space, cut to ``width`` characters with an ellipsis."""
    text = text.strip()
    return text if len(text) <= width else text[: width - 1] + "…"
