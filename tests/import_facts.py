"""Whether a rendered report holds every fact of the Markdown document it was imported from.

The facts are the import corpus's lists (``tests/data/import/facts/*.json``, made by its
``count_facts.py`` with markdown-it-py: headings, table cells, list and checklist items,
code blocks, paragraphs, `Label: value` lines, timeline lines, HTML blocks, front matter).
A fact is found when its text, compared loosely (casefolded letters and digits, as
``structured_facts.loose``), is in the report; a code block must be one of the report's
code blocks, byte for byte.

Some facts the report states in its own words, on purpose (docs/import.md):

- ``reworded``: a heading, a `Label: value` line, a table cell or a front-matter value is
  found once the words of the importer's vocabulary and of the report's labels are taken
  out of both the fact and the report: its other words stand in the report in the same
  order, side by side. So labels may be in the report's language (`Schweregrad` for
  `Severity`, the report's column headings), enumerated values as the report names them
  (`P1` -> `CRITICAL`, `✅ erledigt` -> `ERLEDIGT`), numbering as the report counts
  (`Fix 4:` -> `4.`).
- ``recomputed``: the title (`# Incident Report: <title> (<date>)`, its time shown in the
  duration line) and a stated duration whose range gave `started` and `resolved` (the
  report computes the duration): every word that is no vocabulary word is in the report;
  a date written otherwise (`28.11.2025`) is in the report as YYYY-MM-DD.
- ``timeline``: a timeline line or row: its event text is in the report, and its time as
  the report shows times (`11:16 Uhr` -> `11:16`, `12:49-12:50 CET` kept).
- ``label of the next block``: CommonMark reads a `**Label**:` line right under a list as
  part of the list's last item; its author meant it to introduce the next block, and the
  report shows it there: the item is in the report without that line, and the label too.
- ``action item``: a list or checklist line that states an action item's parts
  (`text — @owner — Oct 15 — **P1**`, `text (Owner, 2024-08-23)`) is a row of the action
  items: each part is in the report as written, a date as YYYY-MM-DD, a priority or status
  in the report's words (a part made only of vocabulary words).

Everything else must be found as it is.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from structured_facts import Fact, Haystack, loose, translations

from postmortem.importer.stated import find_date, leading
from postmortem.importer.vocabulary import vocabulary
from postmortem.reports.labels import CATALOGUES

DATA = Path(__file__).parent / "data" / "import"
_WORD = re.compile(r"\w+")


def facts_of(name: str) -> list[dict[str, Any]]:
    """The fact list of a corpus document or seed (file name without extension)."""
    path = DATA / "facts" / f"{name}.json"
    if not path.exists():
        path = DATA / "facts" / "public" / f"{name}.json"
    facts: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["facts"]
    return facts


def _words(text: str) -> set[str]:
    return set(_WORD.findall(loose(text)))


def vocabulary_words() -> set[str]:
    """Words the report may say in its own way: the importer's vocabulary and the labels."""
    vocab = vocabulary()
    words: set[str] = set()
    for table in vocab.words.values():
        for phrase in table:
            words |= _words(phrase)
    for prefix in vocab.title_prefixes:
        words |= _words(prefix)
    for catalogue in CATALOGUES.values():
        for label in catalogue.values():
            words |= _words(label)
    return words


@dataclass
class Outcome:
    """Where each fact of a document was found in its report."""

    found: list[dict[str, Any]] = field(default_factory=list)
    reworded: list[dict[str, Any]] = field(default_factory=list)
    recomputed: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    item: list[dict[str, Any]] = field(default_factory=list)
    lazy: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(part) for part in (self.found, self.reworded, self.recomputed,
                                          self.timeline, self.item, self.lazy, self.missing))


_REWORDED = ("heading", "header_field", "table_cell", "front_matter")


def check(facts: list[dict[str, Any]], report: str, language: str) -> Outcome:
    hay = Haystack(report)
    pairs = translations(language)
    own = vocabulary_words()
    report_words = set(_WORD.findall(hay.text))
    stripped = f" {_without(hay.text, own)} "
    durations = set(vocabulary().words["labels"]) - {
        p for p, keys in vocabulary().words["labels"].items()
        if not any(k in ("duration", "window") for k, _ in keys)}
    out = Outcome()
    # A one-line `**Label:** value` paragraph is checked as the label line it is.
    labelled = {f["line"] for f in facts if f["kind"] == "header_field"}
    for fact in facts:
        kind = fact["kind"]
        if kind == "paragraph" and (fact.get("record_block") or fact["line"] in labelled):
            continue  # checked through its lines
        if _found(fact, hay, pairs, report):
            out.found.append(fact)
        elif kind != "code_block" and _timeline(fact, hay):
            out.timeline.append(fact)
        elif (kind in _REWORDED or (kind == "list_item" and "label" in fact)) and \
                _in_order(_without(loose(_text(fact)), own), stripped):
            out.reworded.append(fact)
        elif _recomputed(fact, hay, own, report_words, durations):
            out.recomputed.append(fact)
        elif kind in ("list_item", "checklist_item") and _item_parts(fact, hay, own):
            out.item.append(fact)
        elif kind == "list_item" and _lazy_label(fact, hay, pairs):
            out.lazy.append(fact)
        else:
            out.missing.append(fact)
    return out


def _recomputed(fact: dict[str, Any], hay: Haystack, own: set[str], report_words: set[str],
                durations: set[str]) -> bool:
    kind = fact["kind"]
    if (kind == "heading" and fact["level"] == 1) or (
            kind == "header_field" and loose(fact["label"]) in durations):
        text = _text(fact)
        # The title's date ("(Oct 8)") is the incident's date, shown as YYYY-MM-DD.
        found = find_date(text, vocabulary(), default_year=_year(hay))
        if kind == "heading" and found and f" {loose(found[0].isoformat())} " in hay.text:
            text = text.replace(found[1], " ")
        return _words(text) - own <= report_words
    return kind in ("table_cell", "header_field") and _iso_date(fact, hay)


def _year(hay: Haystack) -> int | None:
    """The year of the report's title (the incident's date)."""
    m = re.search(r" (\d{4}) \d{2} \d{2} ", hay.text)
    return int(m.group(1)) if m else None


_SEPARATOR = re.compile(r"\s+[—–-]\s+")
_WHO_WHEN = re.compile(r"\s*\(([^(),]+),\s*([^(),]+)\)\s*$")


def _item_parts(fact: dict[str, Any], hay: Haystack, own: set[str]) -> bool:
    """A line of an action item's parts, each found in the report (see ``action item``)."""
    text = fact["text"]
    parts = []
    m = _WHO_WHEN.search(text)
    if m:
        parts += [m.group(1), m.group(2)]
        text = text[:m.start()]
    parts = _SEPARATOR.split(text) + parts
    if len(parts) < 2:
        return False
    for part in parts:
        wanted = loose(part)
        if not wanted or f" {wanted} " in hay.text or not _without(wanted, own):
            continue
        found = find_date(part, vocabulary(), default_year=_year(hay))
        if found is None or loose(found[1]) != wanted or \
                f" {loose(found[0].isoformat())} " not in hay.text:
            return False
    return True


_LABEL_LINE = re.compile(r"^\s*(?:\*\*|__)([^*_\n]{1,80}?)(?::(?:\*\*|__)|(?:\*\*|__)"
                         r"(?:\s*\([^()\n]*\))?\s*:)\s*$")


def _lazy_label(fact: dict[str, Any], hay: Haystack, pairs: list[tuple[str, str]]) -> bool:
    """A list item whose last line is a `**Label**:` line: the item without it and the
    label are in the report (see ``label of the next block``)."""
    lines = fact.get("source", "").split("\n")
    if len(lines) < 2 or not _LABEL_LINE.match(lines[-1]):
        return False
    item = re.sub(r"\*\*|__|`", "", "\n".join(lines[:-1]))
    return all(hay.has(Fact("text", part, 0), pairs)
               for part in (item, re.sub(r"\*\*|__", "", lines[-1])))


def _iso_date(fact: dict[str, Any], hay: Haystack) -> bool:
    """A date written otherwise (`28.11.2025`, `October 8, 2024`) that the report shows as
    YYYY-MM-DD."""
    value = fact.get("value", fact["text"])
    found = find_date(value, vocabulary())
    if found is None or loose(found[1]) != loose(value):
        return False
    return f" {loose(found[0].isoformat())} " in hay.text


def _in_order(words: str, text: str) -> bool:
    """``words`` side by side in ``text``; no words left (a label, a value the report
    names in its own words) is found."""
    return not words or f" {words} " in text


def _without(text: str, words: set[str]) -> str:
    return " ".join(w for w in text.split() if w not in words)


def _text(fact: dict[str, Any]) -> str:
    if "label" in fact:
        return f"{fact['label']} {fact['value']}"
    if fact["kind"] == "front_matter":
        return " ".join(fact["values"])
    return str(fact["text"])


def _found(fact: dict[str, Any], hay: Haystack, pairs: list[tuple[str, str]],
           report: str) -> bool:
    kind = fact["kind"]
    if kind == "code_block":
        return fact["text"].rstrip("\n") in hay.code
    if kind == "html_block":  # raw HTML is no text of the report, but part of its source
        return fact["text"] in report
    if fact.get("truncated"):  # the first 60 characters, cut anywhere in a word
        return f" {loose(fact['text'])}" in hay.text
    if kind == "header_field":
        return all(hay.has(Fact("text", part, 0), pairs)
                   for part in (fact["label"], fact["value"]))
    if kind == "front_matter":
        return all(hay.has(Fact("text", value, 0), pairs) for value in fact["values"])
    return hay.has(Fact(kind, fact["text"], 0), pairs)


def _timeline(fact: dict[str, Any], hay: Haystack) -> bool:
    """A line or cell that starts with a time: its event text and its times are there."""
    source = fact.get("source") or fact["text"]
    found = leading(source)
    if found is None:
        return False
    span, rest = found
    stamps = [span.start] + ([span.end] if span.end else [])
    for stamp in stamps:
        if f" {loose(stamp.clock)} " not in hay.text:
            return False
    event = re.sub(r"\*\*|__|`", "", rest)
    return not loose(event) or f" {loose(event)} " in hay.text
