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

from postmortem.format.vocabulary import CLOSED_ITEM_STATES, ITEM_ID_PATTERN, SECTION_KEYS, UNKNOWN
from postmortem.importer.document import Block, Item, Section, cell, items, plain, table
from postmortem.importer.draft import loose, quote
from postmortem.importer.labels import (
    block_labels,
    bold_lead,
    first_sentence,
    line_label,
)
from postmortem.importer.parts import (
    CODE,
    LISTS,
    Unit,
    checklist,
    field_of,
    introduced,
    markdown,
    stated_state,
    units,
)
from postmortem.importer.reader import Entry, Reading, heading_text, plain_md
from postmortem.importer.stated import find_date, find_span, leading, parse_span, span_text
from postmortem.importer.vocabulary import key, split_paren, symbols

Mapper = Callable[[Reading, Section, str | None], bool]
MAPPERS: dict[str, Mapper] = {}
# Lessons groups may also be sections of their own ("## What went well").
_LESSON_GROUPS = ("went_well", "went_wrong", "lucky")
# Mapping functions that fill another field than their name says.
_FIELD_OF = {**{group: "lessons" for group in _LESSON_GROUPS}, "states": "verification"}
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
    lesson = [(name, gparen) for name in groups]
    # "What went wrong" names a root cause and a lessons group: once the root causes are
    # read, or beside a "What went well", it is the lessons group.
    if "root_causes" in r.draft.data or r.draft.data.get("lessons"):
        out = lesson + out
    else:
        out += lesson
    if not out:
        entry = _entries_key(r, section)
        if entry is not None:
            out.append((entry, None))
        elif _states(r, section):
            out.append(("states", None))
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
            field_name = _FIELD_OF.get(name, name)
            if field_name in SECTION_KEYS:  # people are shown in the header
                r.draft.last = field_name
            r.draft.note("mapped", f"{quote(section.title)} -> {field_name}")
            return True
    return False


def place_or_free(r: Reading, section: Section) -> None:
    if place(r, section):
        return
    if not section.blocks and len(section.children) == 1:
        # A heading over one section that maps ("What changed today" / "Timeline"): the
        # field carries both headings.
        child = section.children[0]
        if place(r, child):
            key_ = r.draft.last
            r.draft.data.setdefault("titles", {})[key_] = joined_title(r, key_, section, child)
            return
    free(r, section)


def joined_title(r: Reading, field_name: str, parent: Section, child: Section) -> str:
    """The heading of a field filled by ``child``, a section under ``parent``: the
    parent's, followed by the child's where that says more than the field's name."""
    if field_name in r.vocab.heading("sections", child.title)[0]:
        return heading_text(parent)
    return f"{heading_text(parent)} – {heading_text(child)}"


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


def _fill(r: Reading, name: str, entries: list[dict[str, Any]], s: Section) -> bool:
    """Add ``entries`` to the list field ``name``, keeping ``s``'s heading; False when
    there are none (the section did not fit)."""
    for entry in entries:
        r.draft.append(name, entry)
    if entries:
        r.keep_title(name, s)
    return bool(entries)


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
        for found in block_labels(r.doc, block, r.vocab) or []:
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
                            f"stated as {quote(span.text)}, a range that ends before it "
                            "starts; its start here, the range kept in the event")
        unread = row.pop("_unread", [])
        if unread:
            r.draft.comment(("timeline", index, "note"),
                            f"holds the row{'s' * (len(unread) > 1)} after it whose time "
                            f"could not be read ({', '.join(map(quote, unread))})")
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


# A table cell that is a day and nothing else: `2025-01-29`, `29.01.2025`, `29.01.`.
_DATE_CELL = re.compile(r"^\s*(?:\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.(?:\d{4})?)\s*$")


def _column_of(rows: list[list[Any]], i: int, test: Callable[[str], Any]) -> bool:
    """Whether every row has a cell ``i`` that passes ``test``."""
    return bool(rows) and all(len(row) > i and test(plain(row[i])) for row in rows)


def _date_column(rows: list[list[Any]], i: int) -> bool:
    """Whether column ``i`` holds days: each cell a date or empty (the day of the row
    above), the first one a date."""
    return (bool(rows) and len(rows[0]) > i and bool(_DATE_CELL.match(plain(rows[0][i])))
            and all(len(row) > i and (not plain(row[i]).strip()
                                      or _DATE_CELL.match(plain(row[i]))) for row in rows))


def _timeline_table(r: Reading, block: Block) -> tuple[list[Row] | None, int] | None:
    grid = table(block)
    names = [r.vocab.lookup("columns", plain(c)) for c in grid.header]
    named = [i for i, n in enumerate(names) if "time" in n]
    # A `Date` and a `Time` column: the time is the one whose cells are times.
    time_col = next((i for i in named if _column_of(grid.rows, i, parse_span)),
                    named[0] if named else None)
    if time_col is None:
        if grid.rows and all(row and parse_span(plain(row[0])) for row in grid.rows):
            time_col = 0
        else:
            return None
    # A column of days beside the times (`| 2025-01-29 | 00:20 | ... |`) dates each row.
    date_col = next((i for i in range(len(grid.header))
                     if i != time_col and _date_column(grid.rows, i)), None)
    event_col = next((i for i, n in enumerate(names)
                      if "event" in n and i not in (time_col, date_col)),
                     next((i for i in range(len(grid.header)) if i not in (time_col, date_col)),
                          None))
    outcome_col = next((i for i, n in enumerate(names)
                        if "outcome" in n and i not in (time_col, event_col, date_col)), None)
    if event_col is None:
        return None
    out: list[Row] = []
    day = ""
    unread = 0
    for cells in grid.rows:
        if len(cells) <= max(time_col, event_col):
            return None, 1
        if date_col is not None:
            day = plain(cells[date_col]).strip() or day
        span = parse_span(f"{day} {plain(cells[time_col]).strip()}" if day
                          else plain(cells[time_col]))
        if span is None:
            # A row whose time is a placeholder (`14:??`, `HH:mm`, `--:--`) goes with the
            # row before it, in its note: the table's other times are kept.
            if not out or not cell(cells[event_col]):
                return None, 1
            unread += 1
            shown = plain(cells[time_col]).strip() or "—"
            previous = out[-1][0]
            previous["note"] = " · ".join(
                x for x in (previous.get("note"), f"{shown}: {cell(cells[event_col])}") if x)
            previous.setdefault("_unread", []).append(shown)
            continue
        # Other columns go to the note, each with its heading ("Data Link: ...").
        extra = [f"{plain(grid.header[i])}: {cell(c)}" if i < len(grid.header)
                 and plain(grid.header[i]) else cell(c)
                 for i, c in enumerate(cells)
                 if i not in (time_col, event_col, outcome_col, date_col) and cell(c)]
        status = cell(cells[outcome_col]) if outcome_col is not None and \
            outcome_col < len(cells) else ""
        row = _row(r, span, cell(cells[event_col]), status, extra)
        if row is None:
            return None, 1
        out.append(row)
    if unread > len(out):  # mostly unreadable: not a timeline this reader knows
        return None, 1
    return out, 1


def _row(r: Reading, span: Any, event: str, status: str = "",
         extra: list[str] | None = None) -> Row | None:
    if r.date is None or not event.strip():
        return None
    text = event.strip()
    at = span_text(span, r.date)
    # A range the format cannot hold (one that ends before it starts, read without dates)
    # keeps its start, and its stated text in the event.
    lossy = at is None
    if lossy:
        at = r.time(span)
        if at is None:
            return None
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
        title = heading_text(s) if first is None else \
            first_sentence(plain_md(first.inline.content))
    found: dict[str, Any] = {"title": title}
    if level:
        found["level"] = level
    if s.children:
        if body:
            found["description"] = body
        return [found]
    found.update(_cause_parts(r, blocks))
    return [found]


def _cause_parts(r: Reading, blocks: list[Block]) -> dict[str, Any]:
    """A cause's text: why it happened and what it caused (lists under `**Why it
    happened**:`, `**Impact**:`), its evidence (each labelled block of code), the rest
    as its description."""
    out: dict[str, Any] = {}
    description: list[Unit] = []
    parts = units(r.doc, blocks)
    i = 0
    while i < len(parts):
        u = parts[i]
        if u.kind == "label":
            name, code, listed = introduced(r.vocab, parts, i)
            lines = _plain_items(listed) if listed is not None else None
            if name in ("why", "effects") and lines is not None and name not in out:
                out[name] = lines
                i += 2
                continue
            if code is not None:
                evidence = {"title": u.label, "code": code.code}
                if code.info:
                    evidence["language"] = code.info
                out.setdefault("evidence", []).append(evidence)
                i += 2
                continue
        description.append(u)
        i += 1
    if description:
        out["description"] = markdown(description)
    return out


# ---- titled parts: technical details, monitoring, appendices ---------------------------


def _titled(r: Reading, title: str, s: Section, own: bool) -> dict[str, Any]:
    """A titled part: its one block of code and its points with a state (`✅ file ...`)
    as such, the rest as its text (``own``: only the section's own blocks)."""
    part: dict[str, Any] = {"title": title}
    if s.children and not own:
        part["body"] = _body(r, s)
        return part
    body: list[Unit] = []
    parts = units(r.doc, s.blocks)
    code = [u for u in parts if u.kind in CODE]
    for u in parts:
        points = checklist(r.vocab, u)
        if points is not None and "checks" not in part:
            part["checks"] = points
        elif len(code) == 1 and u is code[0]:
            part["code"] = u.code
            if u.info:
                part["language"] = u.info
        else:
            body.append(u)
    # A link that uses a reference definition needs it (definitions are no blocks).
    body += [Unit("definition", line) for line in r.doc.definitions(s.blocks,
                                                                  (s.body, _own_end(s)))]
    if body:
        part["body"] = markdown(body)
    return part


def _parts(name: str) -> Mapper:
    def build(r: Reading, s: Section, paren: str | None) -> bool:
        parts = []
        if s.blocks:
            parts.append(_titled(r, heading_text(s), s, own=True))
        for child in s.children:
            parts.append(_titled(r, heading_text(child), child, own=False))
        return _fill(r, name, parts, s)
    return build


for _name in ("technical_details", "appendices"):
    MAPPERS[_name] = _parts(_name)


@mapper("monitoring")
def _monitoring(r: Reading, s: Section, paren: str | None) -> bool:
    """Monitors: a list of entries (a name, then what is checked and when it alerts), or
    groups of targets with their states, else titled text."""
    monitors: list[dict[str, Any]] = []
    sources = ([(heading_text(s), s.blocks, None)] if s.blocks else []) + \
        [(heading_text(c), c.blocks, c) for c in s.children]
    for title, blocks, child in sources:
        if child is not None and child.children:
            monitors.append({"title": title, "body": _body(r, child)})
            continue
        entries = _watches(r, blocks)
        if entries is not None and child is not None and len(sources) == 1:
            # One group of entries under the section: its heading joins the section's.
            r.draft.data.setdefault("titles", {})["monitoring"] = \
                joined_title(r, "monitoring", s, child)
        monitors.extend(entries if entries is not None else [_targets(r, title, blocks)])
    return _fill(r, "monitoring", monitors, s)


def _watches(r: Reading, blocks: list[Block]) -> list[dict[str, Any]] | None:
    """A list whose items each name a monitor and list what it checks and when it
    alerts (`**File Ownership Monitor**` / `- Daily check ...` / `- Alert if found`)."""
    if len(blocks) != 1 or blocks[0].kind not in LISTS:
        return None
    out = []
    for item in items(blocks[0]):
        if item.first is None or "\n" in item.text.strip() or len(item.rest) != 1 or \
                item.rest[0].kind not in LISTS:
            return None
        lines = [" ".join(entry.text.split()) for entry in items(item.rest[0])]
        if not all(lines) or any(entry.rest for entry in items(item.rest[0])):
            return None
        title = re.sub(r"^\s*(?:\*\*|__)(.*?)(?:\*\*|__)\s*$", r"\1", item.text.strip())
        # The first line says what is checked; a later line that names an alert, when.
        alerts = [line for line in lines[1:] if r.vocab.mentions("fields", "alert", line)]
        checks = [line for line in lines if line not in alerts]
        monitor = {"title": title, "check": "; ".join(checks)}
        if alerts:
            monitor["alert"] = "; ".join(alerts)
        out.append(monitor)
    return out or None


def _targets(r: Reading, title: str, blocks: list[Block]) -> dict[str, Any]:
    """A titled part of monitoring: targets with their states (a list of them), the rest
    as its text."""
    monitor: dict[str, Any] = {"title": title}
    body: list[Unit] = []
    for u in units(r.doc, blocks):
        points = checklist(r.vocab, u)
        if points is not None and "targets" not in monitor:
            monitor["targets"] = points
        else:
            body.append(u)
    if body:
        monitor["body"] = markdown(body)
    return monitor


# ---- impact -----------------------------------------------------------------------------


def _figures(r: Reading, block: Block) -> list[str | dict[str, str]] | None:
    """A list of one-line items, as figures: `**Label**: value` or plain."""
    if block.kind != "bullet_list":
        return None
    out: list[str | dict[str, str]] = []
    for item in items(block):
        if item.first is None or item.rest or item.checked is not None or \
                "\n" in item.text.strip():
            return None
        found = line_label(item.text, item.start, plain_ok=False)
        out.append({found.label: found.value} if found is not None else item.text.strip())
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


def _line_fields(r: Reading, unit: Unit, wanted: tuple[str, ...]) -> dict[str, str] | None:
    """A paragraph of `**Label**: value` lines, each naming one of the ``wanted`` fields."""
    if unit.kind != "paragraph":
        return None
    found = [line_label(line, 0, plain_ok=False) for line in unit.markdown.split("\n")]
    out: dict[str, str] = {}
    for label in found:
        name = field_of(r.vocab, label.label) if label is not None and label.value else None
        if label is None or name not in wanted or name in out:
            return None
        out[name] = label.value
    return out


def _plain_items(unit: Unit) -> list[str] | None:
    """The items of a list of one-paragraph items, as written (inline Markdown)."""
    if unit.kind not in LISTS or not unit.entries:
        return None
    if any(item.rest or item.first is None or item.checked is not None
           for item, _ in unit.entries):
        return None
    return [" ".join(text.split()) for _, text in unit.entries]


def _fix(r: Reading, title: str, blocks: list[Block], child: Section | None) -> bool:
    """A fix: its commands, what it changed (a labelled list), its result, and its
    verification: the points checked (a list of states), the commands under
    `**Verification**:` and what follows them."""
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
    description: list[Unit] = []
    changes_label: list[Unit] = []
    check: dict[str, Any] = {}
    checked: list[Unit] = []  # the verification's own text
    parts = units(r.doc, blocks)
    i = 0
    while i < len(parts):
        u = parts[i]
        name, code, listed = introduced(r.vocab, parts, i)
        points = checklist(r.vocab, listed) if listed is not None else None
        if name == "verification" and code is not None and "commands" not in check:
            check["commands"], check["language"] = code.code, code.info or "bash"
            i += 2
            continue
        if points is not None and "checks" not in check and "commands" not in check:
            check["checks"] = points
            checked += [u] if u.kind == "label" else []
            i += 2 if u.kind == "label" else 1
            continue
        items_ = _plain_items(listed) if listed is not None and u.kind == "label" else None
        if items_ is not None and "changes" not in fix:
            fix["changes"] = items_
            changes_label.append(u)
            i += 2
            continue
        if code is not None and name != "commands":  # a labelled block of code: text
            description += [u, code]
            i += 2
            continue
        result = _line_fields(r, u, ("result",))
        if result is not None and "result" not in fix and "commands" not in check:
            fix["result"] = result["result"]
        elif (code or u).kind in CODE and "commands" not in fix and "commands" not in check:
            block = code or u
            fix["commands"], fix["language"] = block.code, block.info
            i += 1 if code is None else 2
            continue
        elif "commands" in check:
            checked.append(u)  # what follows the verification's commands is its result
        else:
            description.append(u)
        i += 1
    if description or changes_label:
        fix["description"] = markdown(description + changes_label)
    if child is not None and child.children:
        tail = r.doc.markdown(child.children[0].line, child.end)
        fix["description"] = "\n\n".join(p for p in (fix.get("description"), tail) if p)
    if check or checked:
        labels = [c for c in checked if c.kind == "label" and "checks" in check]
        rest = [c for c in checked if c not in labels]
        verification: dict[str, Any] = {}
        if labels:
            verification["description"] = markdown(labels)
        verification.update(check)
        if rest:
            verification["result"] = markdown(rest)
        fix["verification"] = verification
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


_STEP_FIELDS = ("expected", "observed", "by", "at", "result")


def _step(r: Reading, title: str, blocks: list[Block], child: Section | None) -> dict[str, Any]:
    """A verification step: its state (a marker at the end of its heading), the commands
    (code with a language, or under `**Command**:`), output (code without one), the
    expected and the observed result, who ran it and when, the points checked."""
    text, marker = _trailing_status(title)
    bare, paren = split_paren(text)
    found = None
    for stated, without in ((marker, text), (paren, bare)):
        match = r.vocab.find("check_state", stated) if stated else None
        if match is not None and stated and _only_state(r, "check_state", stated, match):
            found, text = match, without
            break
    step: dict[str, Any] = {"title": text if found is not None else title}
    phases = r.vocab.heading("phase", _bare(title))[0]
    if phases:
        step["phase"] = phases[0]
    if found is not None:
        step["state"] = found.key
    before: list[Unit] = []
    after: list[Unit] = []
    parts = units(r.doc, blocks)
    i = 0
    while i < len(parts):
        u = parts[i]
        name, code, listed = introduced(r.vocab, parts, i)
        if name == "commands" and code is not None and "commands" not in step:
            step["commands"], step["language"] = code.code, code.info or "bash"
            i += 2
            continue
        if name in ("expected", "observed") and listed is not None and name not in step:
            step[name] = listed.markdown
            i += 2
            continue
        points = checklist(r.vocab, listed) if listed is not None else None
        if points is not None and "checks" not in step:
            step["checks"] = points
            before += [u] if u.kind == "label" else []
            i += 2 if u.kind == "label" else 1
            continue
        lines = _step_lines(r, u, step)
        if lines is not None:
            if lines:
                (after if _started(step) else before).append(
                    Unit("paragraph", "\n".join(lines)))
        elif u.kind in CODE and u.info and "commands" not in step and not _ran(step):
            step["commands"], step["language"] = u.code, u.info
        elif u.kind in CODE and not u.info and "output" not in step and not _ran(step):
            step["output"] = u.code
        else:
            (after if _started(step) else before).append(u)
        i += 1
    if before:
        step["description"] = markdown(before)
    if after:
        step["result"] = markdown(after)
    if child is not None and child.children:
        tail = r.doc.markdown(child.children[0].line, child.end)
        step["result"] = "\n\n".join(p for p in (step.get("result"), tail) if p)
    return step


def _started(step: dict[str, Any]) -> bool:
    """Whether what comes now follows the step's check (its result) or leads up to it."""
    return any(k in step for k in ("commands", "output", "expected", "observed", "checks"))


def _ran(step: dict[str, Any]) -> bool:
    return "expected" in step or "observed" in step


def _step_lines(r: Reading, u: Unit, step: dict[str, Any]) -> list[str] | None:
    """A paragraph of label lines read into ``step``: fields (expected, observed, who and
    when) and points with a state (`**Original (11:03)**: ❌ NO - ...`); the lines left,
    or None when the paragraph is no such block."""
    if u.kind != "paragraph":
        return None
    lines = u.markdown.split("\n")
    labels = [line_label(line, 0, plain_ok=False) for line in lines]
    if not all(labels):
        return None
    rest: list[str] = []
    points: list[dict[str, str]] = []
    for line, label in zip(lines, labels, strict=True):
        assert label is not None
        name = field_of(r.vocab, label.label) if label.value else None
        if name == "at" and r.date is not None:
            span = find_span(label.value)
            when = r.time(span) if span is not None and key(span.text) == key(label.value) \
                else None
            if when is not None and "at" not in step:
                step["at"] = when
                continue
        elif name in _STEP_FIELDS and name != "at" and name not in step:
            step[name] = label.value
            continue
        state = stated_state(r.vocab, "check_state", line.strip())
        if state is not None and "checks" not in step:
            points.append({"text": state[1], "state": state[0]})
            continue
        rest.append(line)
    if points:
        step["checks"] = points
    return rest


@mapper("verification")
def _verification(r: Reading, s: Section, paren: str | None) -> bool:
    def add(title: str, blocks: list[Block], child: Section | None) -> bool:
        r.draft.append("verification", _step(r, title, blocks, child))
        return True
    if not _intro_then_children(r, s, add):
        return False
    r.keep_title("verification", s)
    return True


# ---- known issues --------------------------------------------------------------------------


_ISSUE_ID = re.compile(r"^(?P<id>[A-Za-z][A-Za-z0-9]*-?\d+[A-Za-z0-9-]*)\s*[:–—-]\s*(?P<rest>.+)$")
_ISSUE_FIELDS = {"effects": "impact", "workaround": "workaround", "ticket": "ticket"}


@mapper("known_issues")
def _known_issues(r: Reading, s: Section, paren: str | None) -> bool:
    """One known issue per subsection: `KI-1: title ❌ OPEN`, its `**Impact**:`,
    `**Workaround**:` (with its code) and `**Ticket**:` items, the rest as its text."""
    if s.blocks or not s.children or any(c.children for c in s.children):
        return False
    return _fill(r, "known_issues", [_issue(r, child) for child in s.children], s)


def _issue(r: Reading, s: Section) -> dict[str, Any]:
    title = heading_text(s)
    issue: dict[str, Any] = {}
    m = _ISSUE_ID.match(title)
    if m:
        issue["id"], title = m["id"], m["rest"]
    text, marker = _trailing_status(title)
    bare, paren = split_paren(text)
    for stated, without in ((marker, text), (paren, bare)):
        found = r.vocab.find("issue_status", stated) if stated else None
        if found is not None and stated and _only_state(r, "issue_status", stated, found):
            issue["status"], title = found.key, without
            break
    issue["title"] = title  # the file lists fields in the schema's order
    kept: list[str] = []
    rest: list[Unit] = []
    for u in units(r.doc, s.blocks):
        if u.kind != "bullet_list":
            rest.append(u)
            continue
        for item, markdown_ in u.entries:
            label = line_label(markdown_.split("\n")[0], 0, plain_ok=False)
            name = _ISSUE_FIELDS.get(field_of(r.vocab, label.label) or "") if label else None
            code = item.rest[0] if len(item.rest) == 1 and item.rest[0].kind in CODE else None
            if label is None or name is None or name in issue or \
                    (item.rest and (name != "workaround" or code is None)):
                kept.append("- " + markdown_.replace("\n", "\n  "))
                continue
            issue[name] = label.value
            if code is not None:
                issue["commands"], issue["language"] = code.code, code.info or "bash"
        if kept:
            rest.append(Unit("bullet_list", "\n".join(kept)))
            kept = []
    if rest:
        issue["description"] = markdown(rest)
    return issue


def _only_state(r: Reading, table: str, stated: str, found: Any) -> bool:
    """Whether ``stated`` says nothing but the state ``found`` names (`❌ OPEN`, `✅`)."""
    words = key(stated)
    return not words or r.vocab.lookup(table, words)[:1] == [found.key]


def _points(r: Reading, u: Unit) -> int:
    """How many points with a state ``u`` states: items of a checklist, or lines of a
    paragraph of `**Label**: ✅ value` lines."""
    found = checklist(r.vocab, u)
    if found is not None:
        return len(found)
    if u.kind != "paragraph":
        return 0
    lines = u.markdown.split("\n")
    states = [stated_state(r.vocab, "check_state", line) for line in lines]
    return len(lines) if all(states) and all(line_label(line, 0, plain_ok=False)
                                                for line in lines) else 0


def _states(r: Reading, s: Section) -> bool:
    """Whether a section the vocabulary does not name is a status report: lists and
    lines of points with a state (`✅ Rate limiting (DoS protection)`,
    `**Data Leakage**: ✅ PROTECTED`) make at least half of it."""
    if any(c.children for c in s.children):
        return False
    points = others = 0
    for blocks in [s.blocks, *(c.blocks for c in s.children)]:
        for u in units(r.doc, blocks):
            count = _points(r, u)
            points += count
            others += 0 if count or u.kind == "label" else 1
    return points >= 2 and points >= others


@mapper("states")
def _state_steps(r: Reading, s: Section, paren: str | None) -> bool:
    """A status report as verification steps, titled by its heading and each part's."""
    name = _bare(s.title)
    steps = ([_step(r, name, s.blocks, None)] if s.blocks else []) + \
        [_step(r, f"{name}: {heading_text(c)}", c.blocks, c) for c in s.children]
    for step in steps:
        r.draft.append("verification", step)
    return bool(steps)


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
            measure.update(_measure_body(r, child))
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
    return _fill(r, "prevention", measures, s)


def _measure_body(r: Reading, s: Section) -> dict[str, Any]:
    """A measure's text: its steps (a list) and commands (code) where they end it, as the
    report shows them after its body, the rest as its body."""
    if s.children:
        text = _body(r, s)
        return {"body": text} if text else {}
    out: dict[str, Any] = {}
    parts = units(r.doc, s.blocks)
    if parts and parts[-1].kind in CODE:
        code = parts.pop()
        out["commands"], out["language"] = code.code, code.info or "bash"
    steps = _plain_items(parts[-1]) if parts else None
    if steps is not None:
        out["steps"] = steps
        parts.pop()
    if parts:
        out["body"] = markdown(parts)
    return out


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
    boxes = [b for b in s.blocks if b.kind == "paragraph" and _box_lines(b) is not None]
    made: list[dict[str, Any]] | None = None
    source: Block | None = None
    if len(tables) == 1:
        source = tables[0]
        made = _items_from_table(r, source)
    elif len(lists) == 1 and not tables:
        source = lists[0]
        made = _items_from_list(r, source)
    elif len(boxes) == 1 and not tables and not lists:
        source = boxes[0]
        made = _items_from_lines(r, source)
    if not made or source is None:
        return False
    d = r.draft
    taken = {i["id"] for i in d.data.get("action_items", [])}
    if any(item["id"] in taken for item in made):
        return False
    placeholders = 0
    for item in made:
        comments = item.pop("_comments", {})
        placeholders += "status" in comments
        index = d.append("action_items", item)
        for name, text in comments.items():
            d.comment(("action_items", index, name), text)
    _note_unknowns(r, made, source)
    if placeholders:
        d.note("placeholder", f"action items at line {source.start + 1}: status todo of "
                              f"{placeholders} item{'s' * (placeholders != 1)}, not stated")
    rest = [b for b in s.blocks if b is not source]
    r.keep_title("action_items", s)
    r.draft.last = "action_items"
    if rest:
        r.draft.free(s.source.strip(), r.doc.blocks_markdown(rest,
                                                              within=(s.body, _own_end(s))))
    for child in s.children:
        place_or_free(r, child)
    return True


def _note_unknowns(r: Reading, made: list[dict[str, Any]], source: Block) -> None:
    """One summary line for the values the items' source does not state."""
    counts = {name: sum(item.get(name) == UNKNOWN for item in made)
              for name in ("priority", "owner", "due")}
    stated = [f"{name} of {count} item{'s' * (count != 1)}" for name, count in counts.items()
              if count]
    if stated:
        r.draft.note("unknown", f"action items at line {source.start + 1}: "
                                f"{', '.join(stated)} not stated")


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
            return None
        out.append(item)
    return out


def _items_from_list(r: Reading, block: Block) -> list[dict[str, Any]] | None:
    out = []
    for number, entry in enumerate(items(block), start=1):
        if entry.first is None or entry.rest:
            return None
        values = _segments(r, " ".join(entry.text.split()), entry.checked)
        item = _item(r, number, values)
        if item is None:
            return None
        out.append(item)
    return out


def _box_lines(block: Block) -> list[tuple[bool, str]] | None:
    """A paragraph of checkbox lines (``[x] text``), as plain-text reports write a
    checklist: (checked, text) per line, or None."""
    out = []
    for line in block.inline.content.split("\n"):
        m = re.match(r"^\[([ xX])\]\s+(.*)$", line.strip())
        if not m:
            return None
        out.append((m.group(1) != " ", " ".join(m.group(2).split())))
    return out


def _items_from_lines(r: Reading, block: Block) -> list[dict[str, Any]] | None:
    out = []
    for number, (checked, text) in enumerate(_box_lines(block) or [], start=1):
        item = _item(r, number, _segments(r, text, checked))
        if item is None:
            return None
        out.append(item)
    return out


# A tracker reference written in a line: `infra/runner-platform#2290`, `#42`, `GW-412`.
_TICKET = re.compile(r"^(?:[\w./-]*#\d+|[A-Z][A-Z0-9]+-\d+|Bug \d+)$")
# A tracker reference and what follows it in a ticket cell: `Bug 5554823 **DONE**`.
_REFERENCE = re.compile(r"^(?P<ref>(?:[A-Za-z]+ )?[\w./#-]*\d+)\s*(?P<rest>.*)$")
# The item's parts in parentheses at the end of a line: `(Pieter, 2024-08-23)`,
# `(@alice, due 2025-04-20, P2)`.
_WHO_WHEN = re.compile(r"\s*\((?P<parts>[^()]+,[^()]+)\)\s*$")


def _segments(r: Reading, text: str, checked: bool | None) -> dict[str, str]:
    """An action item written as one line: ``text — @owner — Oct 15 — **P1**``,
    ``text - infra/x#12 - @owner - due 2024-03-29``, ``text (Owner, 2024-08-23)``."""
    values: dict[str, str] = {}
    if checked is not None:
        values["item_status"] = "done" if checked else "todo"
    year = r.date.year if r.date else None
    who = _WHO_WHEN.search(text)
    found = _paren_parts(r, who["parts"], year) if who else None
    if who and found:
        values.update(found)
        text = text[:who.start()]
    done = re.search(r"\(([^()]*)\)\s*$", text)
    if done and "item_status" not in values and r.vocab.lookup("item_status", done.group(1)):
        values["item_status"] = done.group(1)  # "... (done)": the title keeps it
    # The separators as written: a part that is none of the item's fields goes back into
    # the title with its own dash ("Add retries — not just timeouts").
    pieces = re.split(r"(\s+[—–-]\s+)", text)
    parts, dashes = pieces[::2], ["", *pieces[1::2]]
    values["title"] = parts[0]
    notes = []
    for part, dash in zip(parts[1:], dashes[1:], strict=True):
        bare = part.strip().strip("*_").strip()
        due = re.match(r"^(?:due|fällig|bis)\s+(.+)$", bare, re.I)
        if bare.startswith("@"):
            values["owner"] = bare
        elif r.vocab.find("priority", bare) is not None and len(bare) <= 12:
            values["priority"] = bare
        elif _TICKET.match(bare) and "ticket" not in values:
            values["ticket"] = bare
        elif find_date(due[1] if due else bare, r.vocab, year) is not None and (
                due or find_date(bare, r.vocab, year)[1] == bare):  # type: ignore[index]
            values["due"] = due[1] if due else bare
        elif "owner" in values or "ticket" in values:
            notes.append(part)  # what follows the title's parts: "done 2024-03-06"
        else:
            values["title"] += f"{dash}{part}"
    if notes:
        values["note"] = " - ".join(notes)
    return values


def _paren_parts(r: Reading, inner: str, year: int | None) -> dict[str, str] | None:
    """The parts of an item's closing parenthetical, ``@alice, due 2025-04-20, P2`` or
    ``Pieter, 2024-08-23``: each an owner, a due date, a priority or a ticket, and at most
    one other part, the owner's name; None when they are not that (``(Redis, Memcached)``),
    or when neither a due date nor an @owner says the parentheses hold the item's parts."""
    out: dict[str, str] = {}
    names = []
    for part in inner.split(","):
        bare = part.strip().strip("*_").strip()
        due = re.match(r"^(?:due|fällig|bis)\s+(.+)$", bare, re.I)
        if not bare:
            return None
        if bare.startswith("@") and len(bare.split()) == 1:
            name, value = "owner", bare
        elif r.vocab.find("priority", bare) is not None and len(bare) <= 12:
            name, value = "priority", bare
        elif _TICKET.match(bare):
            name, value = "ticket", bare
        elif find_date(due[1] if due else bare, r.vocab, year) is not None:
            name, value = "due", due[1] if due else bare
        else:
            names.append(bare)
            continue
        if name in out:
            return None
        out[name] = value
    if len(names) > 1 or (names and "owner" in out):
        return None
    if names:
        out["owner"] = names[0]
    if "due" not in out and not out.get("owner", "").startswith("@"):
        return None
    return out


def _item(r: Reading, number: int, values: dict[str, str]) -> dict[str, Any] | None:
    """One action item; None when it has no title. What the source does not state is
    `unknown` (priority; owner and due date while the item is open) or, for the status,
    the placeholder todo, with a comment."""
    comments: dict[str, str] = {}
    title = values.get("title", "")
    if not title:
        return None
    status_text = values.get("item_status", "")
    ticket = values.get("ticket", "")
    status = r.vocab.find("item_status", status_text) if status_text else None
    ref = _REFERENCE.match(ticket)
    if status is None and ref and ref["rest"]:
        # "Bug 5554823 **DONE**": the reference, then its state.
        status = r.vocab.find("item_status", ref["rest"])
        rest = key(ref["rest"])
        if status is not None and not (rest[:status.start] + rest[status.end:]).strip():
            ticket = ref["ref"]
        else:
            status = None
    item: dict[str, Any] = {"id": _item_id(values.get("id", ""), number), "title": title}
    owner = values.get("owner", "")
    if owner:
        item["owner"] = owner
    priority = r.vocab.find("priority", values.get("priority", ""))
    if priority is None:
        item["priority"] = UNKNOWN
    else:
        item["priority"] = priority.key
        if loose(values["priority"]) not in (loose(priority.key),
                                              loose(r.marks.L[f"severity_{priority.key}"])):
            comments["priority"] = f"imported from {quote(values['priority'])}"
    if status is None:
        item["status"] = "todo"
        comments["status"] = "placeholder: the document states no status; set it"
    else:
        item["status"] = status.key
    due_text = values.get("due", "")
    due = find_date(due_text, r.vocab, r.date.year if r.date else None) if due_text else None
    if due is not None:
        item["due"] = due[0]
        if not re.search(r"\d{4}", due[1]):
            comments["due"] = f"imported from {quote(due_text)}: the year is the incident's"
    if item["status"] not in CLOSED_ITEM_STATES:
        for name in ("owner", "due"):
            item.setdefault(name, UNKNOWN)
    kind = r.vocab.find("item_type", values.get("type", "")) if values.get("type") else None
    if kind is not None:
        item["type"] = kind.key
    notes = []
    shown = r.marks.L[f"item_{item['status']}"]
    if status_text and loose(_strip_marks(status_text)) != loose(shown) and \
            status is not None and loose(_strip_marks(status_text)) != loose(status.phrase):
        notes.append(f"Status: {status_text}")
    if due_text and due is None:
        notes.append(f"Due: {due_text}")
    if ticket:
        if re.match(r"^[a-z][a-z0-9+.-]*://\S+$", ticket, re.I):
            item["link"] = ticket
        else:
            item["ticket"] = ticket
    if values.get("type") and kind is None:
        notes.append(f"Type: {values['type']}")
    if values.get("note"):
        notes.append(values["note"])
    if notes:
        item["note"] = " · ".join(notes)
    item["_comments"] = comments
    return item


def _strip_marks(text: str) -> str:
    return "".join(ch for ch in text if not symbols(ch)).strip()


def _item_id(stated: str, number: int) -> str:
    text = plain_md(stated).strip()
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
    return _fill(r, "next_steps", groups, s)


# ---- people ------------------------------------------------------------------------------


@mapper("people")
def _people(r: Reading, s: Section, paren: str | None) -> bool:
    """A list of `Role: Name` items (a role's people may be a list under it), or of names
    under a heading that names their role (`Attendees`): people with their roles, when
    every line names a role as the report words it."""
    if s.children or len(s.blocks) != 1 or s.blocks[0].kind != "bullet_list":
        return False
    people: list[dict[str, str]] = []
    named = r.vocab.lookup("roles", _bare(s.title))  # "Attendees": a list of names
    for item in items(s.blocks[0]):
        if named and item.first is not None and not item.rest and ":" not in item.text:
            people += r.person(named[0], " ".join(item.text.split()))
            continue
        label = line_label(item.text.strip(), 0, plain_ok=True) if item.first else None
        lone = re.match(r"^(?P<label>[^:]+):\s*$", item.text.strip()) if item.first else None
        stated = label.label if label is not None else lone["label"] if lone else None
        roles = r.vocab.lookup("roles", stated) if stated else []
        if not roles or loose(stated or "") != loose(r.marks.L[f"role_{roles[0]}"]):
            return False
        if label is not None and not item.rest:
            people += r.person(roles[0], label.value)
        elif lone and len(item.rest) == 1 and item.rest[0].kind == "bullet_list":
            names = [" ".join(entry.text.split()) for entry in items(item.rest[0])]
            if not all(names):
                return False
            for name in names:
                people += r.person(roles[0], name)
        else:
            return False
    for person in people:
        r.draft.append("people", person)
    return bool(people)


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
    kept: list[Unit] = []
    parts = units(r.doc, rest)
    i = 0
    while i < len(parts):
        u = parts[i]
        listed = introduced(r.vocab, parts, i).listed if u.kind == "label" else None
        steps = _plain_items(listed) if listed is not None else None
        # "**Next Steps**:" and a list: the incident's next steps.
        if steps is not None and r.vocab.lookup("sections", u.label)[:1] == ["next_steps"]:
            r.draft.append("next_steps", {"items": steps})
            i += 2
            continue
        kept.append(u)
        i += 1
    body = markdown(kept + [Unit("definition", line)
                            for line in r.doc.definitions(rest, (s.body, s.end))])
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
    return _fill(r, "related", out, s)
