"""Markdown text the reports are made of: links, table cells, code fences, tidy blocks."""

from __future__ import annotations

import re
from typing import Any


def md_link(text: str, url: str) -> str:
    """``[text](url)`` whatever the text holds; a url with spaces or parentheses goes in <>."""
    label = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    if any(ch in url for ch in " ()<>"):
        url = "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return f"[{label}]({url})"


def lines(rows: list[str]) -> str:
    """Lines that stay lines: a paragraph with hard breaks (a trailing backslash), where
    lines written one under another would run on as one paragraph on GitHub."""
    return "\\\n".join(rows)


# The start of a Markdown block that cannot follow a label on its line: a list, a heading,
# a quote, a table, a code fence.
_BLOCK_START = re.compile(r"^\s{0,3}(?:[-*+]\s|\d{1,9}[.)]\s|#{1,6}\s|>|\||```|~~~)")


def starts_block(text: str) -> bool:
    """Whether Markdown ``text`` opens with a block (a list, say) rather than inline text."""
    return bool(_BLOCK_START.match(text.strip("\n")))


_ADDRESS = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:\S+|\.{0,2}/\S*|#\S+|[\w.-]+(?:/[\w.#%-]*)+)$")


def is_address(text: str) -> bool:
    """Whether ``text`` is a URL or a path a link can point at (``JIRA-123`` and
    ``Bug 5554823`` are names of tickets, not addresses)."""
    return bool(_ADDRESS.match(text.strip()))


def cell(value: Any) -> str:
    """Text that stays inside one Markdown table cell whatever it holds."""
    text = "" if value is None else str(value)
    text = text.replace("\\|", "|").replace("|", "\\|")
    text = " <br> ".join(part.strip() for part in text.strip().splitlines())
    return text or " "


def fence(code: str, language: str = "") -> str:
    """A fenced code block whose fence is longer than any backtick run inside."""
    longest, run = 0, 0
    for ch in code:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{code.rstrip(chr(10))}\n{ticks}"


_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$", re.M)
_BLANKS = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """At most one blank line between blocks outside code, no trailing spaces, one final
    newline: templates may stay readable without whitespace-control clutter. Code blocks
    are kept byte for byte."""
    parts: list[str] = []
    fence_open: str | None = None
    pos = 0
    for m in _FENCE_LINE.finditer(text):
        if fence_open is None:
            parts.append(_tidy_prose(text[pos:m.start()]))
            parts.append(m.group(0).rstrip())  # the opening fence line
            fence_open, pos = m.group(1), m.end()
        elif m.group(1)[0] == fence_open[0] and len(m.group(1)) >= len(fence_open) \
                and not m.group(2).strip():
            parts.append(text[pos:m.end()])
            fence_open, pos = None, m.end()
    parts.append(_tidy_prose(text[pos:]) if fence_open is None else text[pos:])
    return "".join(parts).strip("\n") + "\n"


def _tidy_prose(text: str) -> str:
    return _BLANKS.sub("\n\n", "\n".join(map(str.rstrip, text.split("\n"))))
