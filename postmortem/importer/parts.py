"""A section's blocks as the mapping functions read them: label lines (`**Verification**:`)
apart from the text around them, lists with the Markdown of each item, states read off
markers (`✅ Code: ...`, `**Data Leakage**: ✅ PROTECTED`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from postmortem.importer.document import Block, Document, Item, items
from postmortem.importer.labels import line_label
from postmortem.importer.vocabulary import Vocabulary, key, symbols

# A line that only names what follows: `**Verification**:`, `**Result:**`,
# `**Error Messages** (German, user-friendly):`.
_LABEL_LINE = re.compile(r"^\s*(?:\*\*|__)(?P<label>[^*_\n]{1,80}?)(?::(?:\*\*|__)|(?:\*\*|__)"
                         r"(?:\s*\([^()\n]*\))?\s*:)\s*$")
LISTS = ("bullet_list", "ordered_list")
CODE = ("fence", "code_block")


def label_line(line: str) -> str | None:
    """The label of a line that is only a label (``**Verification**:``), else None."""
    m = _LABEL_LINE.match(line)
    return m["label"].strip().rstrip(":").strip() if m else None


@dataclass
class Unit:
    """One block of a section, or one label line split off a block (CommonMark reads a
    `**Label**:` line under a list as part of its last item, and label lines of one
    paragraph as one block; their authors meant each to introduce what follows)."""

    kind: str  # the block's kind, or "label"
    markdown: str  # as written
    block: Block | None = None
    label: str = ""  # of a label line: its words
    entries: list[tuple[Item, str]] = field(default_factory=list)  # of a list: item, Markdown

    @property
    def code(self) -> str:
        assert self.block is not None
        return self.block.code

    @property
    def info(self) -> str:
        return self.block.info if self.block is not None else ""


def units(doc: Document, blocks: list[Block]) -> list[Unit]:
    out: list[Unit] = []
    for block in blocks:
        if block.kind == "paragraph":
            out.extend(_paragraph(doc, block))
        elif block.kind in LISTS:
            out.extend(_list(doc, block))
        else:
            out.append(Unit(block.kind, doc.markdown(block.start, block.end), block))
    return out


def _paragraph(doc: Document, block: Block) -> list[Unit]:
    lines = doc.lines[block.start:block.end]
    while lines and not lines[-1].strip():
        lines.pop()
    tail: list[Unit] = []
    while lines and (found := label_line(lines[-1])) is not None:
        tail.insert(0, Unit("label", lines.pop().strip(), label=found))
    head = [Unit("paragraph", "\n".join(lines), block)] if lines else []
    return head + tail


def _list(doc: Document, block: Block) -> list[Unit]:
    """A list, split after each item whose last line is a label line: the label belongs to
    what follows (the rest of the list, or the next block)."""
    out: list[Unit] = []
    entries: list[tuple[Item, str]] = []
    lines: list[str] = []
    start = block.start
    for item in items(block):
        text = doc.item_markdown(item)
        first = item.first
        found = label_line(text.split("\n")[-1]) if first is not None and not item.rest \
            else None
        if found is None or first is None or first.map is None:
            entries.append((item, text))
            continue
        lazy = first.map[1] - 1  # the item's last line
        entries.append((item, text.rsplit("\n", 1)[0].rstrip()))
        lines = doc.lines[start:lazy]
        out.append(_part(block, lines, entries))
        out.append(Unit("label", doc.lines[lazy].strip(), label=found))
        entries, start = [], lazy + 1
    if entries:
        out.append(_part(block, doc.lines[start:block.end], entries))
    return out


def _part(block: Block, lines: list[str], entries: list[tuple[Item, str]]) -> Unit:
    lines = list(lines)
    while lines and not lines[-1].strip():
        lines.pop()
    return Unit(block.kind, "\n".join(lines), block, entries=entries)


class Introduced(NamedTuple):
    """What ``parts[i]`` introduces: the field of a step its label names (vocab
    ``[fields]``), and the code or the list after the label (a list introduces itself)."""

    name: str | None
    code: Unit | None
    listed: Unit | None


def field_of(vocab: Vocabulary, label: str) -> str | None:
    """The field of a step a label names (vocab ``[fields]``: result, expected, ...)."""
    names = vocab.lookup("fields", label)
    return names[0] if names else None


def introduced(vocab: Vocabulary, parts: list[Unit], i: int) -> Introduced:
    u = parts[i]
    if u.kind != "label":
        return Introduced(None, None, u if u.kind in LISTS else None)
    after = parts[i + 1] if i + 1 < len(parts) else None
    return Introduced(field_of(vocab, u.label),
                      after if after is not None and after.kind in CODE else None,
                      after if after is not None and after.kind in LISTS else None)


def markdown(parts: list[Unit]) -> str:
    """Units as Markdown, each as written, blank lines between."""
    return "\n\n".join(u.markdown for u in parts if u.markdown.strip())


def stated_state(vocab: Vocabulary, table: str, text: str) -> tuple[str, str] | None:
    """(state, the text without its marker) of a point that starts or ends with a state
    marker of ``table`` (`✅ Code: ...`, `Cache hit ratio: **>80%** ✅`), or, for
    `**Label**: ✅ VALUE`, whose value starts with one."""
    body = text.strip()
    lead = ""
    while body and (symbols(body[0]) or body[0] == " "):
        lead += body[0]
        body = body[1:]
    if lead.strip():
        found = vocab.find(table, lead)
        return (found.key, body.strip()) if found is not None else None
    end = len(body)
    while end and (symbols(body[end - 1]) or body[end - 1] == " "):
        end -= 1
    if body[end:].strip():
        found = vocab.find(table, body[end:])
        return (found.key, body[:end].rstrip()) if found is not None else None
    labelled = line_label(body, 0, plain_ok=False)
    if labelled is not None and labelled.value:
        inner = stated_state(vocab, table, labelled.value)
        if inner is not None:
            prefix = body[: len(body) - len(labelled.value)].rstrip()
            return inner[0], f"{prefix} {inner[1]}".strip()
    return None


def checklist(vocab: Vocabulary, unit: Unit) -> list[dict[str, str]] | None:
    """A list whose every item is one point with a state marker, as checks."""
    if unit.kind not in LISTS or not unit.entries:
        return None
    out = []
    for item, text in unit.entries:
        if item.rest or item.first is None or item.checked is not None:
            return None
        found = stated_state(vocab, "check_state", " ".join(text.split()))
        if found is None or not key(found[1]):
            return None
        out.append({"text": found[1], "state": found[0]})
    return out
