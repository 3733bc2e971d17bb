"""`Label: value` lines, the way header blocks, footers and key/value tables state fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it.token import Token

from postmortem.importer.document import Block, Document, items, plain, table
from postmortem.importer.vocabulary import Vocabulary

_BOLD_LABEL = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)(?P<label>[^*_\n]{1,80}?)"
                         r"(?::(?:\*\*|__)|(?:\*\*|__)\s*:)\s*(?P<value>.*)$")
_PLAIN_LABEL = re.compile(r"^\s*(?P<label>[^\W\d_][\w .,/()&'+-]{0,40}?)\s*:\s+(?P<value>\S.*)$")


@dataclass(frozen=True)
class Label:
    """One `Label: value` line: the label as plain text, the value as written (Markdown)."""

    label: str
    value: str
    line: int  # source line (0-based)


def line_label(source: str, line: int, *, plain_ok: bool) -> Label | None:
    """``source`` (one line of Markdown) as a label line, or None."""
    m = _BOLD_LABEL.match(source)
    if m:
        return Label(m["label"].strip().rstrip(":").strip(), m["value"].strip(), line)
    if plain_ok:
        m = _PLAIN_LABEL.match(source)
        if m:
            return Label(m["label"].strip(), m["value"].strip(), line)
    return None


def paragraph_labels(block: Block, *, plain_ok: bool = True) -> list[Label] | None:
    """Every line of a paragraph as a label line, or None when one line is none.

    Plain labels (``Owner: Sam``, no bold) count only when every line is one, as in a
    header block, or in a paragraph of one short line.
    """
    sources = block.inline.content.split("\n")
    start = block.start
    bold = [line_label(s, start + n, plain_ok=False) for n, s in enumerate(sources)]
    if all(b is not None for b in bold):
        return [b for b in bold if b is not None]
    if not plain_ok:
        return None
    found = [line_label(s, start + n, plain_ok=True) for n, s in enumerate(sources)]
    labels = [b for b in found if b is not None]
    if len(labels) != len(found):
        return None
    return labels if len(labels) > 1 or len(labels[0].label.split()) <= 4 else None


def block_labels(doc: Document, block: Block,
                 vocab: Vocabulary | None = None) -> list[Label] | None:
    """A header-like block as label lines: a label paragraph, a list of label lines, a
    two-column key/value table, or a quote holding such blocks; None for anything else.

    A table's heading row is a label line of its own (`| **Incident** | HR-3312 |`) unless
    it only names the columns (`| Field | Value |`, `| Feld | Wert |`: the vocabulary's
    columns `label` and `value`)."""
    if block.kind == "paragraph":
        return paragraph_labels(block)
    out: list[Label] = []
    if block.kind == "bullet_list":
        for item in items(block):
            if item.first is None or item.rest or "\n" in item.first.content.strip():
                return None
            found = line_label(item.first.content, item.start, plain_ok=False)
            if found is None:
                return None
            out.append(found)
        return out
    if block.kind == "table":
        grid = table(block)
        heading = any(plain(c) for c in grid.header) and not _names_columns(vocab, grid.header)
        rows = ([grid.header] if heading else []) + grid.rows
        if not rows or any(len(r) != 2 for r in rows):
            return None
        for n, (name, value) in enumerate(rows):
            label = plain(name).rstrip(":").strip()
            if not label or not value.content.strip():
                return None
            out.append(Label(label, value.content.strip(), block.start + n))
        return out
    if block.kind == "blockquote":
        for child in block.children():
            inner = block_labels(doc, child, vocab)
            if inner is None:
                return None
            out.extend(inner)
        return out or None
    return None


def _names_columns(vocab: Vocabulary | None, header: list[Token]) -> bool:
    """Whether a two-cell heading row only names a key/value table's columns."""
    if vocab is None or len(header) != 2:
        return False
    return ("label" in vocab.lookup("columns", plain(header[0]))
            and "value" in vocab.lookup("columns", plain(header[1])))


def bold_lead(source: str) -> tuple[str, str] | None:
    """``**Title** - rest`` or ``**Title.** rest`` -> (Title, rest)."""
    m = re.match(r"^\s*(?:\*\*|__)(?P<title>[^*_\n]+?)(?:\*\*|__)\s*(?:[-–—:]\s*)?(?P<rest>.*)$",
                 source, re.S)
    if not m:
        return None
    return m["title"].strip().rstrip(":").strip(), m["rest"].strip()


def first_sentence(text: str, limit: int = 120) -> str:
    """The first sentence of plain ``text`` (for a title), cut at a word if too long."""
    one = " ".join(text.split())
    m = re.search(r"(?<=[.!?])\s+(?=[A-ZÄÖÜ0-9\"“])", one)
    sentence = one[: m.start()] if m else one
    if len(sentence) > limit:
        cut = sentence.rfind(" ", 0, limit)
        sentence = sentence[: cut if cut > limit // 2 else limit].rstrip(",;:") + " …"
    return sentence
