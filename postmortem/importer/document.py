"""A Markdown postmortem as markdown-it-py tokens grouped into blocks and a tree of sections."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?---[ \t]*(?:\n|\Z)", re.S)
_BR = re.compile(r"^<br\s*/?>$", re.I)
_BR_IN_TEXT = re.compile(r"[ \t]*<br\s*/?>[ \t]*", re.I)
_HR_LINE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_CHECKBOX = re.compile(r"^\[([ xX])\][ \t]+")
_MARKER = re.compile(r"^([ \t]*)((?:[-*+]|\d{1,9}[.)])[ \t]+)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:")


@functools.lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """CommonMark with tables and strikethrough; raw HTML is kept as HTML blocks, so that
    comments and `<details>` are read as what they are (nothing is ever rendered to HTML)."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def plain_lines(inline: Token) -> list[str]:
    """The text of an inline token by line: emphasis and link syntax dropped, code spans
    and raw inline HTML kept (``<START OF OUTAGE>`` is text its author wrote)."""
    lines: list[str] = []
    current: list[str] = []
    for child in inline.children or []:
        kind = child.type
        if kind in ("text", "code_inline", "image"):
            current.append(child.content)
        elif kind in ("softbreak", "hardbreak") or (kind == "html_inline"
                                                     and _BR.match(child.content)):
            lines.append("".join(current))
            current = []
        elif kind == "html_inline":
            current.append(child.content)
    lines.append("".join(current))
    return lines


def plain(inline: Token) -> str:
    return " ".join(" ".join(plain_lines(inline)).split())


@dataclass
class Block:
    """One block of the document: a paragraph, list, table, code block, quote, HTML or rule.

    ``tokens`` run from its opening to its closing token; ``start``/``end`` are its source
    lines (0-based, end exclusive) in :attr:`Document.lines`.
    """

    kind: str
    tokens: list[Token]
    start: int
    end: int

    @property
    def inline(self) -> Token:
        """The inline token of a paragraph or heading."""
        return self.tokens[1]

    @property
    def code(self) -> str:
        return self.tokens[0].content

    @property
    def info(self) -> str:
        return self.tokens[0].info.strip().split(" ")[0] if self.kind == "fence" else ""

    def children(self) -> list[Block]:
        """The blocks inside a blockquote."""
        return list(blocks_of(self.tokens, 1, len(self.tokens) - 1))


@dataclass
class Item:
    """One list item: its first paragraph (with a checkbox, if any) and what follows it."""

    first: Token | None  # inline token of the first paragraph
    checked: bool | None
    rest: list[Block]
    start: int
    end: int

    @property
    def text(self) -> str:
        """The first paragraph's Markdown, without its checkbox."""
        if self.first is None:
            return ""
        return _CHECKBOX.sub("", self.first.content, count=1)


@dataclass
class Table:
    header: list[Token]
    rows: list[list[Token]]


@dataclass
class Section:
    """A heading and what belongs to it, up to the next heading of its level or above."""

    source: str  # the heading's inline Markdown
    title: str  # its plain text
    level: int
    line: int  # first line of the heading
    body: int  # first line after the heading
    end: int  # line after the section, subsections included
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)


@dataclass
class Document:
    """The parsed document: body lines (front matter removed), blocks and sections."""

    lines: list[str]
    front_matter: str | None  # the YAML between the `---` lines, as written
    offset: int  # lines taken by the front matter
    title: Section | None  # the title heading; its blocks are the header
    preamble: list[Block]  # blocks before the first heading
    sections: list[Section]
    headings: dict[int, tuple[int, int, str]]  # start line -> (end line, level, source)
    references: dict[str, Any]
    hidden: set[int] = field(default_factory=set)  # lines read elsewhere (the footer)

    def source(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start:end])

    def markdown(self, start: int, end: int, level: int = 3) -> str:
        """Lines ``start``..``end`` as Markdown for a field: headings inside become ATX
        headings one level below the section they now sit in (from ``level`` on),
        separators at either end are dropped."""
        out: list[str] = []
        base: int | None = None
        line = start
        while line < end:
            if line in self.hidden:
                line += 1
                continue
            heading = self.headings.get(line)
            if heading is not None:
                stop, depth, source = heading
                base = depth if base is None else min(base, depth)
                out.append("#" * min(6, level + depth - base) + " " + source)
                line = stop
                continue
            out.append(self.lines[line])
            line += 1
        return _trim(out)

    def blocks_markdown(self, blocks: list[Block], *, within: tuple[int, int] | None = None,
                        level: int = 3) -> str:
        """The source of ``blocks``, each as written, joined by blank lines; with
        ``within``, link reference definitions of that range come along (they are no
        blocks, and a link that uses one needs it)."""
        parts = [self.markdown(b.start, b.end, level) for b in blocks]
        if within is not None:
            covered = {n for b in blocks for n in range(b.start, b.end)}
            parts.extend(self.lines[n] for n in range(*within)
                         if n not in covered and _REFERENCE.match(self.lines[n])
                         and not any(b.start <= n < b.end for b in blocks))
        return "\n\n".join(p for p in parts if p.strip())

    def item_markdown(self, item: Item) -> str:
        """A list item's Markdown without its marker and checkbox, continuation lines
        dedented to the item's content column."""
        lines = self.lines[item.start:item.end]
        if not lines:
            return ""
        m = _MARKER.match(lines[0])
        indent = len(m.group(0)) if m else 0
        first = lines[0][indent:]
        first = _CHECKBOX.sub("", first, count=1)
        rest = [line[indent:] if line[:indent].strip() == "" else line.lstrip()
                for line in lines[1:]]
        return _trim([first, *rest])


def _trim(lines: list[str]) -> str:
    while lines and (not lines[0].strip() or _HR_LINE.match(lines[0])):
        lines.pop(0)
    while lines and (not lines[-1].strip() or _HR_LINE.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


def _closing(tokens: list[Token], start: int) -> int:
    """Index of the token that closes the one opened at ``start``."""
    depth, j = 0, start
    while True:
        depth += tokens[j].nesting
        if depth == 0:
            return j
        j += 1


def blocks_of(tokens: list[Token], start: int, stop: int) -> Iterator[Block]:
    """The blocks of ``tokens[start:stop]``, all at one nesting level."""
    i = start
    while i < stop:
        tok = tokens[i]
        if tok.nesting == 1:
            j = _closing(tokens, i)
            span = tokens[i:j + 1]
            i = j + 1
        else:
            span = [tok]
            i += 1
        begin, end = tok.map if tok.map else (0, 0)
        kind = tok.type.removesuffix("_open")
        yield Block(kind, span, begin, end)


def items(block: Block) -> list[Item]:
    """The items of a list block."""
    out: list[Item] = []
    tokens = block.tokens
    i = 1
    while i < len(tokens) - 1:
        tok = tokens[i]
        j = _closing(tokens, i)
        inner = list(blocks_of(tokens, i + 1, j))
        first: Token | None = None
        checked: bool | None = None
        if inner and inner[0].kind == "paragraph":
            first = inner[0].inline
            m = _CHECKBOX.match(first.content)
            if m:
                checked = m.group(1) != " "
            inner = inner[1:]
        begin, end = tok.map if tok.map else (0, 0)
        out.append(Item(first, checked, inner, begin, end))
        i = j + 1
    return out


def cell(inline: Token) -> str:
    """The Markdown of a table cell on one line: a ``<br>`` (the only way to break a line in
    a cell) becomes a space, as every field a cell fills holds one line."""
    return " ".join(_BR_IN_TEXT.sub(" ", inline.content).split())


def table(block: Block) -> Table:
    """Header cells and rows of a table block, as inline tokens."""
    header: list[Token] = []
    rows: list[list[Token]] = []
    row: list[Token] | None = None
    in_head = False
    for i, tok in enumerate(block.tokens):
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open" and not in_head:
            row = []
            rows.append(row)
        elif tok.type in ("th_open", "td_open"):
            inline = block.tokens[i + 1]
            if in_head:
                header.append(inline)
            elif row is not None:
                row.append(inline)
    return Table(header, rows)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """(front matter or None, the rest, lines the front matter took)."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return None, text, 0
    return m.group(1) or "", text[m.end():], text[:m.end()].count("\n")


def parse(text: str) -> Document:
    """Read a whole document (newlines already ``\\n``)."""
    front, body, offset = split_front_matter(text)
    env: dict[str, Any] = {}
    tokens = parser().parse(body, env)
    lines = body.split("\n")
    headings: dict[int, tuple[int, int, str]] = {}
    top = list(blocks_of(tokens, 0, len(tokens)))
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            headings[tok.map[0]] = (tok.map[1], int(tok.tag[1]), tokens[i + 1].content)
    sections: list[Section] = []
    stack: list[Section] = []
    preamble: list[Block] = []
    title: Section | None = None
    first_heading = next((b for b in top if b.kind == "heading"), None)
    levels = [int(b.tokens[0].tag[1]) for b in top if b.kind == "heading"]
    for block in top:
        if block.kind == "heading":
            level = int(block.tokens[0].tag[1])
            section = Section(block.inline.content, plain(block.inline), level, block.start,
                              block.end, len(lines))
            if block is first_heading and _is_title(block, top, levels):
                title = section
                continue
            while stack and stack[-1].level >= level:
                stack.pop()
            if stack:
                stack[-1].children.append(section)
            else:
                sections.append(section)
            stack.append(section)
        elif stack:
            stack[-1].blocks.append(block)
        elif title is not None:
            title.blocks.append(block)
        else:
            preamble.append(block)
    _close(sections, len(lines))
    if title is not None:
        title.end = sections[0].line if sections else len(lines)
    return Document(lines, front, offset, title, preamble, sections, headings,
                    env.get("references", {}))


def _is_title(block: Block, top: list[Block], levels: list[int]) -> bool:
    """A first heading is the document's title when nothing but comments comes before it
    and no heading is above its level, or when it is the only heading of the top level."""
    level = int(block.tokens[0].tag[1])
    if level > min(levels):
        return False
    first = all(b.kind == "html_block" for b in top[:top.index(block)])
    return (first and level == 1) or levels.count(level) == 1


def _close(sections: list[Section], end: int) -> None:
    """Set each section's end: where the next one of its level or above starts."""
    for i, section in enumerate(sections):
        section.end = sections[i + 1].line if i + 1 < len(sections) else end
        _close(section.children, section.end)
