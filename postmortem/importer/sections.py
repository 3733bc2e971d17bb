"""Sections of a document mapped to the incident's fields, one function per field.

A section's heading names candidate fields (vocab ``[sections]``); each field's mapping
function fills it from the section and returns False when the content has not the shape the
field needs. A section no function takes stays as a free section at its place, so nothing
is lost. A new field is one more vocabulary entry and one more function here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from postmortem.format.vocabulary import CLOSED_ITEM_STATES, ITEM_ID_PATTERN
from postmortem.importer.document import Block, Item, Section, cell, items, plain, table
from postmortem.importer.draft import loose, quote
from postmortem.importer.labels import (
    block_labels,
    bold_lead,
    first_sentence,
    line_label,
    lone_label,
)
from postmortem.importer.reader import Entry, Reading, heading_text
from postmortem.importer.stated import find_date, leading, parse_span
from postmortem.importer.vocabulary import key, split_paren, symbols

Mapper = Callable[[Reading, Section, str | None], bool]
MAPPERS: dict[str, Mapper] = {}
# Lessons groups may also be sections of their own ("## What went well").
_LESSON_GROUPS = ("went_well", "went_wrong", "lucky")
_SHELL = {"", "bash", "sh", "shell", "console", "zsh", "shell-session", "powershell", "ps1",
          "cmd", "bat"}
# "Fix 1: ...", "Cause #2: ...", "Test 5: ..."
_NUMBERED = re.compile(r"^(?P<word>[^\W\d_][\w -]*?)\s*#?\s*(?P<number>\d+)\s*[:.)–—-]\s*"
                       r"(?P<rest>.+)$")
_ITEM_ID = re.compile(ITEM_ID_PATTERN)


def mapper(*names: str) -> Callable[[Mapper], Mapper]:
    def register(fn: Mapper) -> Mapper:
        for name in names:
            MAPPERS[name] = fn
        return fn
    return register


# ---- placing sections ------------------------------------------------------------------


def place_all(r: Reading) -> None:
    for section in r.doc.sections:
        place_or_free(r, section)


def candidates(r: Reading, section: Section) -> list[tuple[str, str | None]]:
    """Fields the heading names, best first, with the heading's parenthetical."""
    found, paren = r.vocab.heading("sections", section.title)
    out = [(name, paren) for name in found]
    groups, gparen = r.vocab.heading("lessons", section.title)
    out += [(name, gparen) for name in groups]
    if not out:
        entry = _entries_key(r, section)
        if entry is not None:
            out.append((entry, None))
    return out


def _entries_key(r: Reading, section: Section) -> str | None:
    """The field of a section whose subsections are numbered entries ("Fix 1: ...")."""
    counts: dict[str, int] = {}
    for child in section.children:
        m = _NUMBERED.match(_bare(child.title))
        if m:
            for name in r.vocab.lookup("entries", m["word"]):
                counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    name, count = max(counts.items(), key=lambda kv: kv[1])
    return name if count >= 2 and count * 2 >= len(section.children) else None


def place(r: Reading, section: Section) -> bool:
    """Map ``section`` to the first field whose function takes it."""
    for name, paren in candidates(r, section):
        fn = MAPPERS.get(name)
        if fn is not None and fn(r, section, paren):
            field_name = "lessons" if name in _LESSON_GROUPS else name
            r.draft.last = field_name
            r.draft.note("mapped", f"{quote(section.title)} -> {field_name}")
            return True
    return False


def place_or_free(r: Reading, section: Section) -> None:
    if place(r, section):
        return
    free(r, section)


def free(r: Reading, section: Section) -> None:
    """Keep a section as free text at its place; subsections that map go to their fields."""
    d = r.draft
    title = section.source.strip()
    d.free(title, "")
    entry = d.data["sections"][-1]
    parts = [r.doc.blocks_markdown(section.blocks, within=(section.body, _own_end(section)))]
    for child in section.children:
        if not place(r, child):
            parts.append(_with_heading(r, child))
    entry["body"] = "\n\n".join(p for p in parts if p)


def _own_end(section: Section) -> int:
    return section.children[0].line if section.children else section.end


def _with_heading(r: Reading, section: Section, level: int = 3) -> str:
    """A section as Markdown, its heading included."""
    return r.doc.markdown(section.line, section.end, level)


def _body(r: Reading, section: Section) -> str:
    """Everything under a heading, subsections included, as Markdown."""
    return r.doc.markdown(section.body, section.end)


def _bare(title: str) -> str:
    """A heading without leading numbering and emoji: ``1. ✅ Script`` -> ``Script``."""
    text = re.sub(r"^\s*(?:\d+(?:\.\d+)*\.?|[a-z]\))\s+", "", title.strip())
    while text and (symbols(text[0]) or text[0] == " "):
        text = text[1:]
    text = re.sub(r"^\s*(?:\d+(?:\.\d+)*\.?)\s+", "", text)
    return text.strip()


def _intro_then_children(r: Reading, section: Section,
                         entry: Callable[[str, list[Block], Section | None], bool]) -> bool:
    """Entries from a section's own blocks (titled by its heading) and from each
    subsection; False when one does not fit."""
    made = []
    if section.blocks:
        made.append(entry(heading_text(section), section.blocks, None))
    for child in section.children:
        made.append(entry(heading_text(child), child.blocks, child))
    return bool(made) and all(made)


# ---- summary ---------------------------------------------------------------------------


@mapper("summary")
def _summary(r: Reading, s: Section, paren: str | None) -> bool:
    text = _body(r, s)
    if not text or "summary" in r.draft.data:
        return False
    r.draft.set("summary", text)
    # Label lines of the summary that state a header field (GitLab's `**Incident
    # severity:**`) fill that field too; the text stays where it is.
    for block in s.blocks:
        for found in block_labels(r.doc, block) or []:
            names = r.vocab.lookup("labels", found.label)
            if names and names[0] in ("severity", "status"):
                r.labels.append(("summary", found))
    r.keep_title("summary", s)
    return True


# ---- timeline --------------------------------------------------------------------------


@mapper("timeline")
def _timeline(r: Reading, s: Section, paren: str | None) -> bool:
    if "timeline" in r.draft.data or r.date is None:
        return False
    rows: list[dict[str, Any]] = []
    spans: list[tuple[Any, str]] = []
    before: list[Block] = []
    after: list[Block] = []
    blocks = s.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "hr":  # a separator, not content
            i += 1
            continue
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        found = _timeline_block(r, block, nxt)
        if found is None:
            (after if rows else before).append(block)
            i += 1
            continue
        got, used = found
        if got is None:
            return False
        if after:  # text between two timeline blocks: keep the section whole
            return False
        for row, span, event in got:
            rows.append(row)
            spans.append((span, event))
        i += used
    if not rows:
        return False
    if before:
        r.draft.free(s.source.strip(), r.doc.blocks_markdown(before))
    for index, ((span, event), row) in enumerate(zip(spans, rows, strict=True)):
        r.entries.append(Entry(span, event, index))
        if row.pop("_lossy", False):
            r.draft.comment(("timeline", index, "at"),
                            f"stated as {quote(span.text)}; kept in the event (ranges and "
                            "other zones are not part of the format yet)")
    r.draft.set("timeline", rows)
    r.keep_title("timeline", s)
    r.draft.last = "timeline"
    if after:
        r.draft.free(s.source.strip(), r.doc.blocks_markdown(after))
    for child in s.children:
        place_or_free(r, child)
    return True


Row = tuple[dict[str, Any], Any, str]


def _timeline_block(r: Reading, block: Block,
                    nxt: Block | None) -> tuple[list[Row] | None, int] | None:
    """Timeline rows read from ``block`` (and the block after it, for a timed paragraph
    followed by its list): None when the block holds none; (None, n) when it looks like a
    timeline but a row cannot be read (the section then stays text)."""
    if block.kind == "table":
        return _timeline_table(r, block)
    if block.kind == "paragraph":
        lines = block.inline.content.split("\n")
        parsed = [leading(line) for line in lines]
        if not all(parsed):
            return None
        if len(lines) == 1 and nxt is not None and nxt.kind == "bullet_list":
            span, rest = parsed[0]  # type: ignore[misc]
            event = rest + "\n" + r.doc.markdown(nxt.start, nxt.end)
            row = _row(r, span, event)
            return ([row] if row else None), 2
        out = []
        for found in parsed:
            span, rest = found  # type: ignore[misc]
            row = _row(r, span, rest)
            if row is None:
                return None, 1
            out.append(row)
        return out, 1
    if block.kind in ("bullet_list", "ordered_list"):
        entries = items(block)
        parsed_items = [leading(item.text) if item.first is not None else None
                        for item in entries]
        if not entries or not all(parsed_items):
            return None
        out = []
        for item, found in zip(entries, parsed_items, strict=True):
            span, rest = found  # type: ignore[misc]
            if any(b.kind not in ("bullet_list", "ordered_list") for b in item.rest):
                return None, 1  # code or tables cannot sit in a table cell
            event = rest
            if item.rest:
                event += "\n" + "\n".join(r.doc.markdown(b.start, b.end) for b in item.rest)
            row = _row(r, span, event)
            if row is None:
                return None, 1
            out.append(row)
        return out, 1
    return None


def _timeline_table(r: Reading, block: Block) -> tuple[list[Row] | None, int] | None:
    grid = table(block)
    names = [r.vocab.lookup("columns", plain(c)) for c in grid.header]
    time_col = next((i for i, n in enumerate(names) if "time" in n), None)
    if time_col is None:
        if grid.rows and all(row and parse_span(plain(row[0])) for row in grid.rows):
            time_col = 0
        else:
            return None
    event_col = next((i for i, n in enumerate(names) if "event" in n and i != time_col),
                     next((i for i in range(len(grid.header)) if i != time_col), None))
    outcome_col = next((i for i, n in enumerate(names)
                        if "outcome" in n and i not in (time_col, event_col)), None)
    if event_col is None:
        return None
    out = []
    for cells in grid.rows:
        if len(cells) <= max(time_col, event_col):
            return None, 1
        span = parse_span(plain(cells[time_col]))
        if span is None:
            return None, 1
        # Other columns go to the note, each with its heading ("Data Link: ...").
        extra = [f"{plain(grid.header[i])}: {cell(c)}" if i < len(grid.header)
                 and plain(grid.header[i]) else cell(c)
                 for i, c in enumerate(cells)
                 if i not in (time_col, event_col, outcome_col) and cell(c)]
        status = cell(cells[outcome_col]) if outcome_col is not None and \
            outcome_col < len(cells) else ""
        row = _row(r, span, cell(cells[event_col]), status, extra)
        if row is None:
            return None, 1
        out.append(row)
    return out, 1


def _row(r: Reading, span: Any, event: str, status: str = "",
         extra: list[str] | None = None) -> Row | None:
    at = r.time(span)
    if at is None or not event.strip():
        return None
    # A range's end, or a zone other than the incident's, is kept in the event's text.
    lossy = span.end is not None or bool(re.search(r"[+-]\d{2}:\d{2}$", at))
    text = event.strip()
    if lossy:
        text += f" ({span.text})"
    row: dict[str, Any] = {"at": at, "event": text}
    outcome = r.vocab.find("outcome", status) if status else None
    note = status
    if outcome is not None and outcome.symbol:
        row["outcome"] = outcome.key
        note = (status[:outcome.start] + status[outcome.end:]).strip()
    note = " · ".join(p for p in (note, *(extra or [])) if p)
    if note:
        row["note"] = note
    if lossy:
        row["_lossy"] = True
    return row, span, text


# ---- root causes ---------------------------------------------------------------------


def _cause_heading(r: Reading, title: str) -> tuple[str | None, str | None]:
    """(title, level) of a root cause's heading: ``Cause #1: File Ownership Mismatch
    (PRIMARY)``, ``3.1 Primäre Ursache: Cache ohne TTL``, ``Primary Root Cause``."""
    text = _bare(title)
    level = None
    bare, paren = split_paren(text)
    if paren is not None and r.vocab.lookup("level", paren):
        level, text = r.vocab.lookup("level", paren)[0], bare
    m = _NUMBERED.match(text)
    if m and r.vocab.lookup("entries", m["word"]):
        text = m["rest"].strip()
    head, sep, rest = text.partition(":")
    if sep and r.vocab.lookup("level", head):
        return rest.strip() or None, level or r.vocab.lookup("level", head)[0]
    if r.vocab.lookup("level", text):
        return None, level or r.vocab.lookup("level", text)[0]
    if m or level:
        return text, level
    return text, None


@mapper("root_causes")
def _root_causes(r: Reading, s: Section, paren: str | None) -> bool:
    d = r.draft
    causes: list[dict[str, Any]] = []
    levels = r.vocab.lookup("level", s.title) or r.vocab.lookup("level", _bare(s.title))
    heading_level = levels[0] if levels else None
    if s.children:
        by_level = any(_cause_heading(r, c.title)[1] for c in s.children)
        intro = r.doc.blocks_markdown(s.blocks, within=(s.body, _own_end(s)))
        for child in s.children:
            title, level = _cause_heading(r, child.title)
            if by_level and level is None and causes:
                causes[-1]["description"] = "\n\n".join(
                    p for p in (causes[-1].get("description"), _with_heading(r, child)) if p)
                continue
            if by_level and level is None and not causes:
                if place(r, child):
                    continue
                intro = "\n\n".join(p for p in (intro, _with_heading(r, child)) if p)
                continue
            made = _causes_from(r, title, level, child)
            causes.extend(made)
        if not causes:
            return False
        if intro:
            causes[0]["description"] = "\n\n".join(
                p for p in (intro, causes[0].get("description")) if p)
    else:
        causes = _causes_from(r, None, heading_level, s)
        if not causes:
            return False
    for cause in causes:
        index = d.append("root_causes", cause)
        if "level" not in cause:
            d.comment(("root_causes", index, "title"),
                      "the level is not stated (the format's default: contributing)")
    r.keep_title("root_causes", s)
    return True


def _causes_from(r: Reading, title: str | None, level: str | None,
                 s: Section) -> list[dict[str, Any]]:
    """Root causes of one (sub)section: a list under a contributing heading is one cause
    per item; anything else is one cause titled by the heading, the bold lead of its
    text, or its first sentence."""
    blocks = s.blocks
    lists = [b for b in blocks if b.kind in ("bullet_list", "ordered_list")]
    if title is None and level == "contributing" and len(lists) == 1 and not s.children \
            and all(b.kind == "paragraph" or b is lists[0] for b in blocks):
        causes = []
        for item in items(lists[0]):
            if item.first is None:
                return []
            cause: dict[str, Any] = {"title": " ".join(item.text.split()),
                                     "level": "contributing"}
            if item.rest:
                cause["description"] = "\n\n".join(r.doc.markdown(b.start, b.end)
                                                   for b in item.rest)
            causes.append(cause)
        intro = [b for b in blocks if b is not lists[0]]
        if intro and causes:
            causes[0]["description"] = "\n\n".join(
                p for p in (r.doc.blocks_markdown(intro), causes[0].get("description")) if p)
        return causes
    body = _body(r, s)
    if not body and title is None:
        return []
    if title is None and blocks and blocks[0].kind == "paragraph":
        lead = bold_lead(blocks[0].inline.content)
        if lead is not None and lead[1]:
            title = lead[0]  # the description keeps the paragraph whole, lead included
    if title is None:
        first = next((b for b in blocks if b.kind == "paragraph"), None)
        if first is None:
            title = heading_text(s)
        else:
            title = first_sentence(_plain_md(first.inline.content))
    cause = {"title": title}
    if level:
        cause["level"] = level
    if body:
        cause["description"] = body
    return [cause]


def _plain_md(markdown: str) -> str:
    return re.sub(r"\*\*|__|`", "", markdown)


# ---- titled parts: technical details, monitoring, appendices ---------------------------


def _parts(name: str) -> Mapper:
    def build(r: Reading, s: Section, paren: str | None) -> bool:
        parts = []
        if s.blocks:
            parts.append({"title": heading_text(s),
                          "body": r.doc.blocks_markdown(s.blocks, within=(s.body, _own_end(s)))})
        for child in s.children:
            parts.append({"title": heading_text(child), "body": _body(r, child)})
        if not parts:
            return False
        for part in parts:
            r.draft.append(name, part)
        r.keep_title(name, s)
        return True
    return build


for _name in ("technical_details", "monitoring", "appendices"):
    MAPPERS[_name] = _parts(_name)


# ---- impact -----------------------------------------------------------------------------


def _figures(r: Reading, block: Block) -> list[dict[str, str]] | None:
    """A list whose every item is `**Label**: value`, as figures."""
    if block.kind != "bullet_list":
        return None
    out = []
    for item in items(block):
        if item.first is None or item.rest or "\n" in item.text.strip():
            return None
        found = line_label(item.text, item.start, plain_ok=False)
        if found is None:
            return None
        out.append({found.label: found.value})
    return out


@mapper("impact")
def _impact(r: Reading, s: Section, paren: str | None) -> bool:
    d = r.draft
    impact: dict[str, Any] = d.data.setdefault("impact", {})
    if any(k in impact for k in ("user", "business", "technical")) and s.children:
        return False
    if s.blocks:
        text = r.doc.blocks_markdown(s.blocks, within=(s.body, _own_end(s)))
        impact["summary"] = "\n\n".join(p for p in (impact.get("summary"), text) if p)
    for child in s.children:
        kinds = r.vocab.heading("impact", _bare(child.title))[0]
        kind = next((k for k in kinds if k not in impact), None)
        if kind is None or child.children:
            if not place(r, child):
                impact["summary"] = "\n\n".join(
                    p for p in (impact.get("summary"), _with_heading(r, child)) if p)
            continue
        group: dict[str, Any] = {}
        title = heading_text(child)
        if key(title) != key(r.marks.L[f"impact_{kind}"]):
            group["title"] = title
        notes = []
        for block in child.blocks:
            figures = _figures(r, block) if "figures" not in group else None
            if figures:
                group["figures"] = figures
            else:
                notes.append(block)
        if notes:
            group["notes"] = r.doc.blocks_markdown(notes, within=(child.body, child.end))
        impact[kind] = group
    if not impact:
        del d.data["impact"]
        return False
    r.keep_title("impact", s)
    return True


# ---- fixes ----------------------------------------------------------------------------


def _field_label(r: Reading, block: Block) -> tuple[str, str] | None:
    """A paragraph that is one bold label line naming a field of a step: (field, value)."""
    if block.kind != "paragraph" or "\n" in block.inline.content:
        return None
    found = line_label(block.inline.content, block.start, plain_ok=False)
    if found is None:
        return None
    names = r.vocab.lookup("fields", found.label)
    return (names[0], found.value) if names else None


def _lone_field(r: Reading, block: Block) -> str | None:
    """The field a paragraph of only a bold label names (``**Verification**:``)."""
    names = r.vocab.lookup("fields", lone_label(block) or "")
    return names[0] if names else None


def _fix(r: Reading, title: str, blocks: list[Block], child: Section | None) -> bool:
    d = r.draft
    text, status = split_paren(title)
    m = _NUMBERED.match(text)
    if m and r.vocab.lookup("entries", m["word"]):
        text = m["rest"]
    text, marker = _trailing_status(text)
    fix: dict[str, Any] = {"title": text.strip() or title}
    state = f"{marker} ({status})" if marker and status else marker or status
    if state:
        fix["status"] = state
    description: list[Block] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        name, value = _field_label(r, block) or (_lone_field(r, block), "")
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if name == "verification" and not value and nxt is not None and nxt.kind == "fence" \
                and nxt.info in _SHELL and "verification" not in fix:
            fix["verification"] = {"commands": nxt.code}
            i += 2
            continue
        if name == "result" and value and "result" not in fix:
            fix["result"] = value
        elif block.kind in ("fence", "code_block") and "commands" not in fix:
            fix["commands"] = block.code
            fix["language"] = block.info
        else:
            description.append(block)
        i += 1
    if description:
        fix["description"] = r.doc.blocks_markdown(description)
    if child is not None and child.children:
        tail = r.doc.markdown(child.children[0].line, child.end)
        fix["description"] = "\n\n".join(p for p in (fix.get("description"), tail) if p)
    if len(fix) == 1 and not blocks:
        return False
    d.append("fixes", fix)
    return True


def _trailing_status(text: str) -> tuple[str, str | None]:
    """``Multi-Tenant Cache Isolation ✅ ACTIVE`` -> (title, ``✅ ACTIVE``)."""
    for i, ch in enumerate(text):
        if i > 0 and symbols(ch) and not symbols(text[i - 1]):
            return text[:i].rstrip(), text[i:].strip()
    return text, None


@mapper("fixes")
def _fixes(r: Reading, s: Section, paren: str | None) -> bool:
    if not _intro_then_children(r, s, lambda t, b, c: _fix(r, t, b, c)):
        return False
    r.keep_title("fixes", s)
    return True


# ---- verification ------------------------------------------------------------------------


def _step(r: Reading, title: str, blocks: list[Block], child: Section | None) -> dict[str, Any]:
    step: dict[str, Any] = {"title": title}
    phases = r.vocab.heading("phase", _bare(title))[0]
    if phases:
        step["phase"] = phases[0]
    before: list[Block] = []
    after: list[Block] = []
    for block in blocks:
        if block.kind in ("fence", "code_block") and block.info in _SHELL and block.info \
                and "commands" not in step:
            step["commands"] = block.code
        elif block.kind in ("fence", "code_block") and not block.info and "output" not in step:
            step["output"] = block.code
        elif "commands" in step or "output" in step:
            after.append(block)
        else:
            before.append(block)
    if before:
        step["description"] = r.doc.blocks_markdown(before)
    if after:
        step["result"] = r.doc.blocks_markdown(after)
    if child is not None and child.children:
        tail = r.doc.markdown(child.children[0].line, child.end)
        step["result"] = "\n\n".join(p for p in (step.get("result"), tail) if p)
    return step


@mapper("verification")
def _verification(r: Reading, s: Section, paren: str | None) -> bool:
    def add(title: str, blocks: list[Block], child: Section | None) -> bool:
        r.draft.append("verification", _step(r, title, blocks, child))
        return True
    if not _intro_then_children(r, s, add):
        return False
    r.keep_title("verification", s)
    return True


# ---- prevention ----------------------------------------------------------------------------


def _measure_title(r: Reading, title: str) -> tuple[str, str | None]:
    """(title, status) of a measure's heading: emoji and status words say the status."""
    text = re.sub(r"^\s*(?:\d+(?:\.\d+)*\.?)\s+", "", title.strip())
    marks = ""
    while text and (symbols(text[0]) or text[0] == " "):
        marks += text[0]
        text = text[1:]
    status = None
    found = r.vocab.find("measure_status", marks) if marks.strip() else None
    if found is not None:
        status = found.key
    bare, paren = split_paren(text)
    if paren is not None and r.vocab.lookup("measure_status", paren):
        status = status or r.vocab.lookup("measure_status", paren)[0]
        text = bare
    return text.strip(), status


@mapper("prevention")
def _prevention(r: Reading, s: Section, paren: str | None) -> bool:
    d = r.draft
    measures: list[dict[str, Any]] = []
    if s.children:
        if s.blocks:
            measures.append({"title": heading_text(s),
                             "body": r.doc.blocks_markdown(s.blocks,
                                                           within=(s.body, _own_end(s)))})
        for child in s.children:
            title, status = _measure_title(r, child.title)
            measure: dict[str, Any] = {"title": title or heading_text(child)}
            if status:
                measure["status"] = status
            body = _body(r, child)
            if body:
                measure["body"] = body
            measures.append(measure)
    else:
        lists = [b for b in s.blocks if b.kind in ("bullet_list", "ordered_list")]
        if [b.kind for b in s.blocks] == ["table"]:
            return False  # a table of measures is a plan of action items
        if len(lists) != 1 or len(s.blocks) != 1:
            title, status = _measure_title(r, s.title)
            if not s.blocks:
                return False
            measure = {"title": title, "body": _body(r, s)}
            if status:
                measure["status"] = status
            measures.append(measure)
        else:
            for item in items(lists[0]):
                if item.first is None:
                    return False
                measures.append(_measure_item(r, item))
    for measure in measures:
        d.append("prevention", measure)
    r.keep_title("prevention", s)
    return True


def _measure_item(r: Reading, item: Item) -> dict[str, Any]:
    text = r.doc.item_markdown(item)
    lead = bold_lead(text)
    if lead is not None and lead[1]:  # the body keeps the item whole, lead included
        measure: dict[str, Any] = {"title": lead[0].rstrip("."), "body": text}
    else:
        first, _, rest = text.partition("\n")
        measure = {"title": first.strip()}
        if rest.strip():
            measure["body"] = rest.strip()
    m = re.search(r"\(([^()]*)\)\W*$", item.text)
    if m:
        status = r.vocab.find("measure_status", m.group(1))
        if status is not None and status.start == 0:
            measure["status"] = status.key
    return measure


# ---- lessons -------------------------------------------------------------------------------


def _lesson_group(r: Reading, group: str, s: Section) -> bool:
    """Fill one lessons group from a section holding one list."""
    lessons: dict[str, Any] = r.draft.data.setdefault("lessons", {})
    lists = [b for b in s.blocks if b.kind in ("bullet_list", "ordered_list")]
    if not lists:
        return False
    title = heading_text(s)
    if key(title) != key(r.marks.L[group]):
        if group == "lucky":
            return False  # the format has no heading of its own for this group
        if f"{group}_title" in lessons:
            return False
        lessons[f"{group}_title"] = title
    entries = lessons.setdefault(group, [])
    for item in items(lists[0]):
        text = r.doc.item_markdown(item)
        while text and (symbols(text[0]) or text[0] == " "):
            text = text[1:]
        entries.append(text)
    rest = [b for b in s.blocks if b is not lists[0]]
    notes = [r.doc.blocks_markdown(rest)] if rest else []
    notes += [_with_heading(r, c) for c in s.children if not place(r, c)]
    if notes:
        lessons["notes"] = "\n\n".join(p for p in (lessons.get("notes"), *notes) if p)
    return True


@mapper(*_LESSON_GROUPS)
def _lesson_section(r: Reading, s: Section, paren: str | None) -> bool:
    groups = r.vocab.heading("lessons", s.title)[0]
    return bool(groups) and _lesson_group(r, groups[0], s)


@mapper("lessons")
def _lessons(r: Reading, s: Section, paren: str | None) -> bool:
    lessons: dict[str, Any] = r.draft.data.setdefault("lessons", {})
    notes = []
    if s.blocks:
        notes.append(r.doc.blocks_markdown(s.blocks, within=(s.body, _own_end(s))))
    for child in s.children:
        groups = r.vocab.heading("lessons", child.title)[0]
        if groups and _lesson_group(r, groups[0], child):
            continue
        if place(r, child):
            r.draft.last = "lessons"
            continue
        notes.append(_with_heading(r, child))
    if notes:
        lessons["notes"] = "\n\n".join(p for p in (lessons.get("notes"), *notes) if p)
    if not lessons:
        del r.draft.data["lessons"]
        return False
    r.keep_title("lessons", s)
    return True


# ---- action items ------------------------------------------------------------------------


_ITEM_COLUMNS = ("id", "title", "owner", "priority", "item_status", "due", "ticket", "type")


@mapper("action_items")
def _action_items(r: Reading, s: Section, paren: str | None) -> bool:
    tables = [b for b in s.blocks if b.kind == "table"]
    lists = [b for b in s.blocks if b.kind in ("bullet_list", "ordered_list")]
    made: list[dict[str, Any]] | None = None
    source: Block | None = None
    if len(tables) == 1:
        source = tables[0]
        made = _items_from_table(r, source)
    elif len(lists) == 1 and not tables:
        source = lists[0]
        made = _items_from_list(r, source)
    if not made or source is None:
        return False
    d = r.draft
    taken = {i["id"] for i in d.data.get("action_items", [])}
    for item in made:
        comments = item.pop("_comments", {})
        if item["id"] in taken:
            return False
        index = d.append("action_items", item)
        for name, text in comments.items():
            d.comment(("action_items", index, name), text)
    rest = [b for b in s.blocks if b is not source]
    r.keep_title("action_items", s)
    r.draft.last = "action_items"
    if rest:
        r.draft.free(s.source.strip(), r.doc.blocks_markdown(rest,
                                                              within=(s.body, _own_end(s))))
    for child in s.children:
        place_or_free(r, child)
    return True


def _items_from_table(r: Reading, block: Block) -> list[dict[str, Any]] | None:
    grid = table(block)
    columns: dict[str, int] = {}
    for index, heading in enumerate(grid.header):
        for name in r.vocab.lookup("columns", plain(heading)):
            if name in _ITEM_COLUMNS and name not in columns:
                columns[name] = index
                break
    if "title" not in columns:
        free_cols = [i for i in range(len(grid.header)) if i not in columns.values()]
        if not free_cols:
            return None
        columns["title"] = free_cols[0]
    out = []
    for number, cells in enumerate(grid.rows, start=1):
        values = {name: cell(cells[i]) if i < len(cells) else ""
                  for name, i in columns.items()}
        item = _item(r, number, values)
        if item is None:
            r.draft.note("waiting", f"action items of the table at line "
                                    f"{block.start + 1} kept as text: row {number} "
                                    f"({quote(values['title'], 50)}) lacks "
                                    + _missing(r, values))
            return None
        out.append(item)
    return out


def _missing(r: Reading, values: dict[str, str]) -> str:
    wanted = []
    status = r.vocab.find("item_status", values.get("item_status", ""))
    if r.vocab.find("priority", values.get("priority", "")) is None:
        wanted.append("a priority")
    if status is None:
        wanted.append("a status")
    if status is None or status.key not in CLOSED_ITEM_STATES:
        if not values.get("owner"):
            wanted.append("an owner")
        if find_date(values.get("due", ""), r.vocab, r.date.year if r.date else None) is None:
            wanted.append("a due date")
    return ", ".join(wanted) + " (unknown values need the fields of issue 11)"


def _items_from_list(r: Reading, block: Block) -> list[dict[str, Any]] | None:
    out = []
    for number, entry in enumerate(items(block), start=1):
        if entry.first is None or entry.rest:
            return None
        values = _segments(r, entry)
        item = _item(r, number, values)
        if item is None:
            r.draft.note("waiting", f"action items of the list at line {block.start + 1} kept "
                                    f"as text: item {number} lacks " + _missing(r, values))
            return None
        out.append(item)
    return out


def _segments(r: Reading, entry: Item) -> dict[str, str]:
    """An action item written as one line: ``text — @owner — Oct 15 — **P1**``."""
    values: dict[str, str] = {"item_status": "done" if entry.checked else "todo"}
    parts = re.split(r"\s+[—–-]\s+", " ".join(entry.text.split()))
    values["title"] = parts[0]
    for part in parts[1:]:
        bare = part.strip().strip("*_").strip()
        if bare.startswith("@"):
            values["owner"] = bare
        elif r.vocab.find("priority", bare) is not None and len(bare) <= 12:
            values["priority"] = bare
        elif find_date(bare, r.vocab, r.date.year if r.date else None) is not None:
            values["due"] = bare
        else:
            values["title"] += f" - {part}"
    return values


def _item(r: Reading, number: int, values: dict[str, str]) -> dict[str, Any] | None:
    """One action item, or None when the format would need a value the source lacks."""
    comments: dict[str, str] = {}
    title = values.get("title", "")
    if not title:
        return None
    status_text = values.get("item_status", "")
    ticket = values.get("ticket", "")
    status = r.vocab.find("item_status", status_text) if status_text else None
    if status is None and ticket:
        status = r.vocab.find("item_status", ticket)
    priority = r.vocab.find("priority", values.get("priority", ""))
    if status is None or priority is None:
        return None
    item: dict[str, Any] = {"id": _item_id(values.get("id", ""), number), "title": title}
    owner = values.get("owner", "")
    if owner:
        item["owner"] = owner
    item["priority"] = priority.key
    if loose(values["priority"]) not in (loose(priority.key),
                                          loose(r.marks.L[f"severity_{priority.key}"])):
        comments["priority"] = f"imported from {quote(values['priority'])}"
    item["status"] = status.key
    due_text = values.get("due", "")
    due = find_date(due_text, r.vocab, r.date.year if r.date else None) if due_text else None
    if due is not None:
        item["due"] = due[0]
        if not re.search(r"\d{4}", due[1]):
            comments["due"] = f"imported from {quote(due_text)}: the year is the incident's"
    if status.key not in CLOSED_ITEM_STATES and ("owner" not in item or "due" not in item):
        return None
    kind = r.vocab.find("item_type", values.get("type", "")) if values.get("type") else None
    if kind is not None:
        item["type"] = kind.key
    notes = []
    shown = r.marks.L[f"item_{status.key}"]
    if status_text and loose(_strip_marks(status_text)) != loose(shown) and \
            loose(_strip_marks(status_text)) != loose(status.phrase):
        notes.append(f"Status: {status_text}")
    if ticket:
        if re.match(r"^[a-z][a-z0-9+.-]*://\S+$", ticket, re.I):
            item["link"] = ticket
        else:
            notes.append(f"Ticket: {ticket}")
    if values.get("type") and kind is None:
        notes.append(f"Type: {values['type']}")
    if notes:
        item["note"] = " · ".join(notes)
    item["_comments"] = comments
    return item


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in text if not symbols(ch)).strip()


def _item_id(stated: str, number: int) -> str:
    text = _plain_md(stated).strip()
    if text and _ITEM_ID.match(text) and len(text) <= 40:
        return text
    return f"AI-{number}"


# ---- next steps ---------------------------------------------------------------------------


def _checklist(r: Reading, blocks: list[Block]) -> list[Any] | None:
    out: list[Any] = []
    for block in blocks:
        if block.kind in ("bullet_list", "ordered_list"):
            for item in items(block):
                if item.first is None or item.rest:
                    return None
                text = " ".join(item.text.split())
                out.append({"text": text, "done": True} if item.checked else text)
        elif block.kind == "paragraph":
            lines = block.inline.content.split("\n")
            for line in lines:
                m = re.match(r"^\[([ xX])\]\s+(.*)$", line.strip())
                if not m:
                    return None
                text = " ".join(m.group(2).split())
                out.append({"text": text, "done": True} if m.group(1) != " " else text)
        else:
            return None
    return out or None


@mapper("next_steps")
def _next_steps(r: Reading, s: Section, paren: str | None) -> bool:
    groups: list[dict[str, Any]] = []
    sources = ([(None, s.blocks)] if s.blocks else []) + [(c, c.blocks) for c in s.children]
    for child, blocks in sources:
        if child is not None and child.children:
            return False
        found = _checklist(r, blocks)
        if found is None:
            return False
        group: dict[str, Any] = {}
        if child is not None:
            title = heading_text(child)
            horizons = r.vocab.heading("horizon", _bare(title))[0]
            if horizons:
                group["horizon"] = horizons[0]
            if not horizons or key(title) != key(r.marks.L[f"horizon_{horizons[0]}"]):
                group["title"] = title
        group["items"] = found
        groups.append(group)
    if not groups:
        return False
    for group in groups:
        r.draft.append("next_steps", group)
    r.keep_title("next_steps", s)
    return True


# ---- sign-off, related ---------------------------------------------------------------------


@mapper("sign_off")
def _sign_off(r: Reading, s: Section, paren: str | None) -> bool:
    from postmortem.importer.labels import paragraph_labels

    if "sign_off" in r.draft.data or not s.blocks:
        return False
    fields: list[dict[str, str]] = []
    rest = list(s.blocks)
    while rest and rest[0].kind == "paragraph":
        found = paragraph_labels(rest[0], plain_ok=False)
        if not found:
            break
        fields += [{f.label: f.value} for f in found]
        rest.pop(0)
    if not fields:
        return False
    sign_off: dict[str, Any] = {"fields": fields}
    body = r.doc.blocks_markdown(rest, within=(s.body, s.end)) if rest else ""
    tail = r.doc.markdown(s.children[0].line, s.end) if s.children else ""
    body = "\n\n".join(p for p in (body, tail) if p)
    if body:
        sign_off["body"] = body
    r.draft.set("sign_off", sign_off)
    r.keep_title("sign_off", s)
    return True


_LINK = re.compile(r"^\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)\s*(?:[-–—:]\s*(?P<note>.+))?$")
_CODE_PATH = re.compile(r"^`(?P<url>[^`]+)`\s*(?:[-–—:]\s*(?P<title>.+))?$")
_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|/|#)", re.I)


@mapper("related")
def _related(r: Reading, s: Section, paren: str | None) -> bool:
    if s.children or len(s.blocks) != 1 or s.blocks[0].kind != "bullet_list":
        return False
    out = []
    for item in items(s.blocks[0]):
        if item.first is None or item.rest:
            return False
        text = " ".join(item.text.split())
        m = _LINK.match(text)
        if m and _URL.match(m["url"]):
            entry = {"title": m["title"], "url": m["url"]}
            if m["note"]:
                entry["note"] = m["note"]
            out.append(entry)
            continue
        m = _CODE_PATH.match(text)
        if m and _URL.match(m["url"]) and m["title"]:
            out.append({"title": m["title"].strip(), "url": m["url"]})
            continue
        return False
    for entry in out:
        r.draft.append("related", entry)
    r.keep_title("related", s)
    return True
