"""Markdown text the reports are made of: links, table cells, code fences, tidy blocks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# What a line may start with to become a block of its own: a heading, quote, list item,
# thematic break, setext underline, code fence, table row or link definition.
_BLOCK_START = re.compile(r"(?:#{1,6}(?![^ \t])|>|[-+*](?![^ \t])|[-=]+[ \t]*$|"
                          r"(?:[-*_][ \t]*){3,}$|`{3,}|~{3,}|\||\[[^\]]*\]:)")
_ORDERED_START = re.compile(r"(\d{1,9})([.)])(?![^ \t])")


_TICKS = re.compile(r"`+")
_TICK_OR_ESCAPE = re.compile(r"[`\\]")


def outside_code(text: str, change: Callable[[str], str]) -> str:
    """``text`` with ``change`` applied to what is outside its code spans. A code span shows
    its text as it is: an entity or a backslash added there would be shown."""
    if "`" not in text:  # most text: no code span to step around
        return change(text)
    out: list[str] = []
    pos = i = 0
    while (found := _TICK_OR_ESCAPE.search(text, i)) is not None:
        i = found.start()
        if text[i] == "\\":  # an escaped character, a backtick say, opens no code span
            i += 2
            continue
        opening = _TICKS.match(text, i)
        assert opening is not None
        closing = _TICKS.search(text, opening.end())
        while closing is not None and len(closing.group()) != len(opening.group()):
            closing = _TICKS.search(text, closing.end())
        if closing is None:  # backticks without their closing run are text
            i = opening.end()
            continue
        out.append(change(text[pos:i]))
        out.append(text[i:closing.end()])
        pos = i = closing.end()
    out.append(change(text[pos:]))
    return "".join(out)


def no_html(text: str) -> str:
    """``text`` with every ``<`` outside code spans written as an entity: no HTML starts."""
    return outside_code(text, lambda part: part.replace("<", "&lt;"))


def inline(text: str) -> str:
    """A one-line field as Markdown that shows its text and adds nothing: no HTML (``<`` is
    written as an entity outside code spans), and at the start no marker of a block (``# ``,
    ``- ``, ``1. ``, ``>``, ``---``, a fence): those get a backslash. Inline markup
    (``**bold**``, code spans) stays, as in the reports the format was made from."""
    text = no_html(text.strip())
    ordered = _ORDERED_START.match(text)
    if ordered:
        return f"{ordered.group(1)}\\{text[ordered.end(1):]}"
    return "\\" + text if _BLOCK_START.match(text) else text


# What would give a line of free text the report's structure: a heading (also by underlining
# the line before), a thematic break, a code fence (which would swallow the report's rest) or
# a link definition.
_STRUCTURE_LINE = re.compile(r" {0,3}(?=#{1,6}(?![^ \t])|[-=]+[ \t]*$|(?:[-*_][ \t]*){3,}$|"
                             r"`{3,}|~{3,}|\[[^\]]*\]:)")


def text_block(text: str) -> str:
    """A text field that is not Markdown prose but may run over lines (an expected result,
    a known issue's impact, a monitor's alert, a measure's step) as Markdown that shows its
    text: lists, quotes and inline markup stay, as the reports the format was made from have
    them; no HTML (``<`` is an entity) and no line starts a heading, a break, a code fence or
    a link definition (a backslash goes before it)."""
    out = []
    # Line by line: a code span may run over lines, but a line that only seems to close
    # one (in the next list item, say) must not let HTML through.
    for line in map(no_html, text.strip().split("\n")):
        m = _STRUCTURE_LINE.match(line)
        out.append(line if m is None else "\\" + line[m.end():])
    return "\n".join(out)


def code(text: str) -> str:
    """An inline code span showing ``text`` as it is, whatever backticks it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def md_link(text: str, url: str) -> str:
    """``[text](url)`` whatever the text holds; a url with spaces or parentheses goes in <>."""
    # Code spans bind more tightly than the brackets of a link: they need no escapes.
    label = outside_code(text, lambda part: part.replace("\\", "\\\\").replace("[", "\\[")
                         .replace("]", "\\]").replace("<", "&lt;"))
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
    """A fenced code block whose fence is longer than any backtick run inside; the language
    is its first word (an info string after backticks may hold no backtick or line break)."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * max(3, longest + 1)
    language = (language.split() or [""])[0].replace("`", "")
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
