"""One document being read: its header, footer, title, date, zone and language, and the
milestones that follow from what it states."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from postmortem.config import Config
from postmortem.format.ids import slug
from postmortem.format.times import ABBREVIATIONS, resolve, zone
from postmortem.format.vocabulary import ENDED_STATUSES, MILESTONES, UNKNOWN
from postmortem.importer.document import Block, Document, Section
from postmortem.importer.draft import Draft, loose, quote
from postmortem.importer.labels import Label, block_labels, paragraph_labels
from postmortem.importer.stated import Span, field_text, find_date, find_span
from postmortem.importer.vocabulary import Vocabulary, key, split_paren, symbols
from postmortem.reports.labels import Marks

# Tables of the vocabulary whose matches say which language a heading or label is in.
_HEADING_TABLES = ("sections", "lessons", "impact", "horizon")
_IANA = re.compile(r"\b(?:UTC|[A-Z][a-z]+(?:/[A-Z][A-Za-z_-]+)+)\b")
# Words that may be zone abbreviations (those of times.ABBREVIATIONS are counted).
_ZONE_WORD = re.compile(r"(?<![\w])([A-Z]{2,5})(?![\w])")
# The times of an incident, in the order the file holds them.
_TIMES = (*MILESTONES, "impact_started", "impact_ended")
# The status where the document states none the importer understands: it claims nothing is
# over (the format has no unknown status).
PLACEHOLDER_STATUS = "investigating"


@dataclass
class Entry:
    """A timeline entry as read: its time as stated, what it says, where it went."""

    span: Span
    event: str
    index: int  # in the draft's timeline


@dataclass
class Reading:
    """Everything known about one document while it is turned into an incident."""

    doc: Document
    config: Config
    vocab: Vocabulary
    name: str  # the document's file name, for messages and the fallback title
    draft: Draft = field(default_factory=Draft)
    labels: list[tuple[str, Label]] = field(default_factory=list)  # (where, label)
    front: dict[str, Any] = field(default_factory=dict)
    votes: Counter[str] = field(default_factory=Counter)
    language: str = "en"
    date: dt.date | None = None
    timezone: str | None = None
    title_span: Span | None = None
    entries: list[Entry] = field(default_factory=list)
    preamble: list[Block] = field(default_factory=list)  # prose before the first section
    title_date: tuple[dt.date, str] | None = None
    # A range the header states ("Dauer: ~45 Minuten (09:12 - 09:57)") and its line.
    window: tuple[Span, Label] | None = None
    stated_milestones: dict[str, tuple[Span, str]] = field(default_factory=dict)
    front_summary: str | None = None
    summaries: list[str] = field(default_factory=list)  # summaries stated as header lines
    status_line: tuple[str, Label] | None = None  # (where, the line) the status was read from

    @property
    def marks(self) -> Marks:
        return Marks.of(self.language, self.config.emoji)

    # ---- language ---------------------------------------------------------------------

    def vote(self, table: str, text: str) -> None:
        for language in self.vocab.languages_of(table, text):
            self.votes[language] += 1

    def decide_language(self) -> None:
        """The language whose words name most headings and labels (the labels of the
        report then read as the source's did); a tie keeps the configured language."""
        def walk(sections: list[Section]) -> None:
            for s in sections:
                for table in _HEADING_TABLES:
                    bare, _ = split_paren(s.title)
                    for part in {s.title, bare, *re.split(r"\s+/\s+", s.title)}:
                        self.vote(table, part)
                walk(s.children)
        walk(self.doc.sections)
        for _, label in self.labels:
            self.vote("labels", label.label)
        ranked = self.votes.most_common()
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            self.language = ranked[0][0]
        else:
            self.language = self.config.language

    def default_title(self, key_: str) -> str:
        labels = self.marks.L
        return labels.get({"verification": "resolution_verification",
                           "appendices": "appendix"}.get(key_, key_), key_)

    def keep_title(self, key_: str, section: Section) -> None:
        """Keep the source's heading for a built-in section when it is not the default."""
        text = heading_text(section)
        if key(text) != key(self.default_title(key_)) and key_ not in self.draft.data.get(
                "titles", {}):
            self.draft.data.setdefault("titles", {})[key_] = text

    # ---- header, footer, title --------------------------------------------------------

    def read_front_matter(self) -> None:
        """Front matter, read as incident files are (safe, every value text, aliases and
        nesting bounded); front matter that does not read is kept as a code block."""
        from postmortem.format.yamlread import parse_text

        text = self.doc.front_matter
        if text is None:
            return
        parsed = parse_text(text, self.name)
        data = parsed.data
        if data is None or any(p.severity == "error" for p in parsed.problems):
            self.draft.free("Front matter", "```yaml\n" + text.rstrip("\n") + "\n```",
                            after="header")
            return
        for name, value in data.items():
            shown = ", ".join(_text(v) for v in value) if isinstance(value, list) \
                else _text(value)
            self.front[str(name)] = value
            self.labels.append(("front", Label(str(name), shown, 0)))

    def read_header(self) -> None:
        """Label lines under the title (or before the first section) and the footer."""
        blocks = list(self.doc.preamble)
        if self.doc.title is not None:
            blocks += self.doc.title.blocks
        for block in blocks:
            found = block_labels(self.doc, block, self.vocab) if block.kind != "hr" else []
            if found is None:
                self.preamble.append(block)
            else:
                self.labels.extend(("header", label) for label in found)
        self._read_footer()
        self._drop_rules()

    def _drop_rules(self) -> None:
        """Thematic breaks separate sections; inside one they hold nothing to keep."""
        def walk(sections: list[Section]) -> None:
            for section in sections:
                section.blocks = [b for b in section.blocks if b.kind != "hr"]
                walk(section.children)
        walk(self.doc.sections)

    def _read_footer(self) -> None:
        """Label paragraphs after the last rule at the end of the document."""
        holder = self._last_section()
        if holder is None:
            return
        blocks = holder.blocks
        rules = [i for i, b in enumerate(blocks) if b.kind == "hr"]
        if not rules:
            return
        tail = blocks[rules[-1] + 1:]
        if not tail or any(b.kind != "paragraph" for b in tail):
            return
        found = [paragraph_labels(b, plain_ok=False) for b in tail]
        if not any(found):
            return
        for block, labels in zip(tail, found, strict=True):
            if labels:
                self.labels.extend(("footer", label) for label in labels)
            else:
                self.labels.append(("footer", Label("", block.inline.content, block.start)))
        for block in blocks[rules[-1]:]:
            self.doc.hidden.update(range(block.start, block.end))
        del blocks[rules[-1]:]

    def _last_section(self) -> Section | None:
        if not self.doc.sections:
            return None
        section = self.doc.sections[-1]
        while section.children:
            section = section.children[-1]
        return section

    def read_title(self) -> None:
        section = self.doc.title
        title = None
        if section is not None:
            title = section.source
        elif "title" in self.front:
            title = _text(self.front["title"])
        if title is None:
            stem = re.sub(r"\d{4}-\d{2}-\d{2}", " ", self.name.rsplit(".", 1)[0])
            title = " ".join(re.sub(r"[-_]+", " ", stem).split())
            self.draft.note("guessed", f"title from the file name: {quote(title)}")
        title = self._title_words(title)
        self.draft.set("title", title)

    def _title_words(self, title: str) -> str:
        """The title without what the report shows apart: a document-kind prefix or suffix
        ("Incident Report:", "- Incident Report"), a leading date, a trailing "(date time)"."""
        text = title.strip()
        paren = re.search(r"\s*\(([^()]*)\)\s*$", text)
        if paren:
            inner = paren.group(1)
            date = find_date(inner, self.vocab, default_year=1)
            span = find_span(inner)
            rest = inner
            if span:
                rest = rest.replace(span.text, "")
            if date:
                rest = rest.replace(date[1], "")
            if date and not key(rest):
                self.title_date = date
                self.title_span = span
                text = text[: paren.start()].rstrip()
        lead = re.match(r"^(\d{4}-\d{2}-\d{2})\s+[-–—:]?\s*", text)
        if lead:
            self.title_date = find_date(lead.group(1), self.vocab)
            text = text[lead.end():]
        plain_title = key(text)
        for prefix in sorted(self.vocab.title_prefixes, key=len, reverse=True):
            m = re.match(rf"^{re.escape(prefix)}\s*[:–—-]\s*", plain_title)
            if m:
                cut = re.match(rf"^\W*(?:\*\*)?{_loose_pattern(prefix)}(?:\*\*)?\s*[:–—-]\s*",
                               text, re.I)
                if cut and text[cut.end():].strip():
                    text = text[cut.end():]
                break
        for kind in sorted(self.vocab.title_prefixes, key=len, reverse=True):
            tail = re.search(rf"\s+[:–—-]\s*{_loose_pattern(kind)}\W*$", text, re.I)
            if tail and text[:tail.start()].strip():
                text = text[:tail.start()]  # "Critical Deployment Issue - Incident Report"
                break
        return " ".join(text.split()) or title

    # ---- the date, the zone ------------------------------------------------------------

    def decide_date(self) -> None:
        """The incident's day: as stated by a date label, the front matter or the title;
        else read from the file name, the preamble or the first date in the text."""
        for where, label in self.labels:
            if where != "footer" and self.vocab.lookup("labels", label.label)[:1] == ["date"]:
                found = find_date(label.value, self.vocab)
                if found:
                    self.date = found[0]
                    return
        if self.title_date is not None:
            self.date = self.title_date[0]
            return
        m = re.search(r"(\d{4}-\d{2}-\d{2})", self.name)
        found = find_date(m.group(1), self.vocab) if m else None
        if found:
            self.date = found[0]
            self.draft.comment(("date",), f"from the file name {quote(self.name)}")
            self.draft.note("guessed", f"date {found[0]} from the file name")
            return
        found = find_date("\n".join(self.doc.lines), self.vocab)
        if found:
            self.date = found[0]
            self.draft.comment(("date",), f"the first date in the document ({quote(found[1])})")
            self.draft.note("guessed", f"date {found[0]}: the first date in the document")

    def decide_zone(self) -> None:
        """The zone of the incident's times: an IANA name the document gives, else the
        abbreviation its times carry most often (a guess: CET is several countries)."""
        text = "\n".join(self.doc.lines)
        if self.doc.front_matter:
            text = self.doc.front_matter + "\n" + text
        for m in _IANA.finditer(text):
            if "/" in m.group(0) and zone(m.group(0)) is not None:
                self.timezone = m.group(0)
                self.draft.set("timezone", self.timezone)
                self.draft.note("mapped", f"timezone {self.timezone}: named in the document")
                return
        counts = Counter(word for word in _ZONE_WORD.findall(text) if word in ABBREVIATIONS)
        # The abbreviation written most, among those the vocabulary reads as a zone name.
        for word, count in counts.most_common():
            names = self.vocab.lookup("zones", word)
            if not names:
                continue
            self.timezone = names[0]
            self.draft.set("timezone", self.timezone,
                           f"times in the document carry {word} ({count}x)"
                           + ("" if self.timezone == "UTC" else
                              f"; {word} is read as {self.timezone}"))
            self.draft.note("guessed", f"timezone {self.timezone} from {word!r} ({count}x)")
            return

    def time(self, span: Span) -> str | None:
        """The (first) time of ``span`` as the incident file holds it, as stated (None when
        it is no valid time)."""
        if self.date is None:
            return None
        return field_text(span.start, self.date)

    # ---- header fields -----------------------------------------------------------------

    def apply_labels(self) -> None:
        """Turn the label lines into fields; a line the report would not show as stated is
        kept as an extra header (or footer) line beside the field it filled."""
        for where, label in self.labels:
            self._apply(where, label)

    def _apply(self, where: str, label: Label) -> None:
        d = self.draft
        names = self.vocab.lookup("labels", label.label) if label.label else []
        if not names and label.label and self.vocab.lookup("roles", label.label):
            names = ["people"]
        name = names[0] if names else None
        stated = f"{label.label}: {label.value}" if label.label else label.value
        if where == "front" and label.label in ("title", "date"):
            return  # read already
        consumed = False
        handler = _HANDLERS.get(name or "")
        if handler is not None:
            consumed = handler(self, where, label)
        if not consumed and where != "summary":  # a summary's lines stay in its text
            figures = "footer" if where == "footer" else "header"
            value = label.value
            d.append(figures, {label.label: value} if label.label else value)
            if name is not None and handler is not None:
                d.note("kept", f"{quote(stated)} also kept as a {figures} line: the report "
                               "would not show it as stated")

    def rendered_status(self, status: str) -> str:
        return self.marks.mark(f"status_{status}")

    def _status(self, where: str, label: Label) -> bool:
        match = self.vocab.find("status", label.value)
        if match is None:
            return False
        if "status" not in self.draft.data:
            self.draft.set("status", match.key,
                           f"imported from {quote(label.label + ': ' + label.value)}")
            self.draft.note("mapped", f"status {match.key} from {quote(label.value)}")
            self.status_line = (where, label)
        elif self.draft.data["status"] != match.key:
            return False
        return loose(self.rendered_status(match.key)) == loose(label.value)

    def _severity(self, where: str, label: Label) -> bool:
        match = self.vocab.find("severity", label.value)
        if match is None or "severity" in self.draft.data:
            return False
        severity = match.key
        d = self.draft
        d.set("severity", severity, f"imported from {quote(label.label + ': ' + label.value)}")
        shown = self.marks.L[f"severity_{severity}"]
        if not match.symbol and loose(match.phrase) == loose(shown):
            rest = label.value
            m = re.search(re.escape(match.phrase), key(rest))
            rest = _after_phrase(label.value, match.phrase) if m else rest
            note = rest.strip().strip("()").strip()
        else:
            note = _strip_symbols(label.value)
        if key(note):
            d.set("severity_note", note)
        d.note("mapped", f"severity {severity} from {quote(label.value)}")
        return True

    def _duration(self, where: str, label: Label) -> bool:
        span = find_span(label.value)
        if span is None or span.end is None:
            return False
        self._window(span, label)
        # The report computes the duration from the range it gave (started, resolved).
        return True

    def _window(self, span: Span, label: Label) -> None:
        if self.window is None:
            self.window = (span, label)

    def _time_range(self, where: str, label: Label) -> bool:
        span = find_span(label.value)
        if span is None or span.end is None:
            return False
        self._window(span, label)
        return loose(span.text) == loose(label.value)

    def _date(self, where: str, label: Label) -> bool:
        found = find_date(label.value, self.vocab)
        return found is not None and loose(found[1]) == loose(label.value)

    def _authors(self, where: str, label: Label) -> bool:
        names = [n.strip() for n in re.split(r",|;|\s+and\s+|\s+und\s+|\s+&\s+", label.value)
                 if n.strip()]
        if isinstance(self.front.get("authors"), list) and where == "front":
            names = [_text(a) for a in self.front["authors"]]
        authors = self.draft.data.get("authors")
        if authors is None:
            self.draft.set("authors", names)
            return True
        return bool(authors == names)

    def _report_created(self, where: str, label: Label) -> bool:
        if "report_created" in self.draft.data:
            return bool(self.draft.data["report_created"] == label.value)
        self.draft.set("report_created", label.value)
        return True

    def _root_cause(self, where: str, label: Label) -> bool:
        if "root_cause_summary" in self.draft.data or "\n" in label.value:
            return False
        if len(label.value) > 160:
            return self._root_causes(where, label)
        self.draft.set("root_cause_summary", label.value)
        return True

    def _timezone(self, where: str, label: Label) -> bool:
        return self.timezone is not None and label.value.strip() == self.timezone

    def _tags(self, where: str, label: Label) -> bool:
        values = self.front.get("tags") if where == "front" else None
        words = values if isinstance(values, list) else re.split(r"[,;]\s*|\s+", label.value)
        tags = [slug(_text(w)) for w in words if slug(_text(w))]
        if not tags or "tags" in self.draft.data:
            return False
        self.draft.set("tags", list(dict.fromkeys(tags)))
        return all(slug(_text(w)) == _text(w) for w in words)

    def _milestone(self, where: str, label: Label) -> bool:
        name = self.vocab.lookup("labels", label.label)[0]
        span = find_span(label.value)
        if span is None:
            return False
        self.stated_milestones[name] = (span, f"{label.label}: {label.value}")
        return False  # the report shows milestones as durations, not as stated

    def _trigger(self, where: str, label: Label) -> bool:
        if "trigger" in self.draft.data:
            return False
        self.draft.set("trigger", label.value)
        return loose(label.label) == loose(self.marks.L["trigger"])

    def _detection(self, where: str, label: Label) -> bool:
        found = self.vocab.first("detection", label.value)
        if found is None or "detection" in self.draft.data:
            return False
        self.draft.set("detection", {"source": found.key, "note": label.value})
        self.draft.comment(("detection", "source"), f"guessed: {quote(found.phrase)} is the "
                                                    "first word that says who noticed it")
        self.draft.note("guessed", f"detection {found.key} from {quote(label.value, 60)}")
        return loose(label.label) == loose(self.marks.L["detection"])

    def person(self, role: str, stated: str) -> list[dict[str, str]]:
        """The people a `Role: Name` value names (several, for a role many share), each
        with the note in parentheses after the name."""
        names = [stated]
        if role in _SHARED_ROLES:
            names = [n for n in re.split(r"[,;](?![^()]*\))", stated) if n.strip()]
        people = []
        for name in names:
            bare, note = split_paren(plain_md(name.strip()))
            person = {"name": bare.strip(), "role": role}
            if note:
                person["note"] = note
            people.append(person)
        return people

    def _people(self, where: str, label: Label) -> bool:
        role = self.vocab.lookup("roles", label.label)[0]
        for person in self.person(role, label.value):
            self.draft.append("people", person)
        self.draft.note("mapped", f"{quote(label.label)} -> people ({role})")
        return loose(label.label) == loose(self.marks.L[f"role_{role}"])

    def _summary(self, where: str, label: Label) -> bool:
        if where == "front":
            self.front_summary = label.value
            return True
        self.summaries.append(label.value)
        self.draft.note("mapped", f"{quote(label.label)} -> summary")
        return True

    def _impact(self, where: str, label: Label) -> bool:
        if where == "front":
            return False
        impact = self.draft.data.setdefault("impact", {})
        impact["summary"] = "\n\n".join(p for p in (impact.get("summary"), label.value) if p)
        self.draft.note("mapped", f"{quote(label.label)} -> impact")
        return True

    def _root_causes(self, where: str, label: Label) -> bool:
        from postmortem.importer.labels import first_sentence

        if where == "front":
            return False
        cause = {"title": first_sentence(plain_md(label.value)), "description": label.value}
        levels = self.vocab.lookup("level", label.label)  # "Root Cause:" names the primary
        if levels:
            cause["level"] = levels[0]
        index = self.draft.append("root_causes", cause)
        if not levels:
            self.draft.comment(("root_causes", index, "title"),
                               "the level is not stated (the format's default: contributing)")
        self.draft.note("mapped", f"{quote(label.label)} -> root_causes")
        return True

    def _fixes(self, where: str, label: Label) -> bool:
        if where == "front":
            return False
        self.draft.append("fixes", {"title": label.label, "description": label.value})
        self.draft.note("mapped", f"{quote(label.label)} -> fixes")
        return True

    # ---- milestones --------------------------------------------------------------------

    def decide_milestones(self) -> None:
        """started, detected, mitigated and resolved, each from what the document states:
        a label, a range in the header, a time in the title, a marked timeline entry."""
        d = self.draft
        status = d.data.get("status")
        found: dict[str, tuple[str, str]] = {}  # name -> (time text, why)
        for name, (span, stated) in self.stated_milestones.items():
            text = self.time(span)
            if text:
                found[name] = (text, f"imported from {quote(stated)}")
        if self.window is not None:
            span, label = self.window
            assert span.end is not None
            start = self.time(span)
            end = field_text(span.end, self.date, start=span.start.date(self.date)) \
                if self.date else None
            why = f"imported from {quote(label.label + ': ' + label.value)}"
            if start:
                found.setdefault("started", (start, why))
            if end:
                found.setdefault("resolved" if status in ENDED_STATUSES else "mitigated",
                                 (end, why))
        if self.title_span is not None:
            text = self.time(self.title_span)
            if text:
                found.setdefault("started", (text, f"the time in the title "
                                                   f"({quote(self.title_span.text)})"))
        for name in _TIMES:
            if name in found:
                continue
            entry = self._marked(name)
            if entry is not None:
                text = self.time(entry.span)
                if text:
                    stated = quote(f"{entry.span.text} {entry.event}")
                    found[name] = (text, f"the timeline entry {stated}")
        if "started" not in found and self.entries:
            self._guess(found, "started", 0, "no start")
        if status in ENDED_STATUSES and "resolved" not in found and self.entries:
            self._guess(found, "resolved", -1, "no time of resolution")
        if found.get("impact_started", (None,))[0] == found.get("started", (None,))[0]:
            found.pop("impact_started", None)  # the impact started with the incident
        self._keep_in_order(found)
        for name in _TIMES:
            if name in found:
                text, why = found[name]
                d.set(name, text, why)
        if "started" not in found:
            d.set("started", UNKNOWN, "the document states no time at all: set when it "
                  "started, once known")
            d.note("unknown", "started: the document states no time")
        if status in ENDED_STATUSES and "resolved" not in found:
            d.set("resolved", UNKNOWN, f"the document says {status} but states no time of "
                  "resolution: set it, once known")
            d.note("unknown", "resolved: the document states no time of resolution")

    def _guess(self, found: dict[str, tuple[str, str]], name: str, index: int,
               lacking: str) -> None:
        """A milestone the document does not state, read from its first or last timeline
        entry: a guess, marked in the comment and the summary."""
        entry = self.entries[index]
        which = "first" if index == 0 else "last"
        text = self.time(entry.span)
        if text:
            found[name] = (text, f"guessed: the {which} timeline entry "
                                 f"({quote(entry.span.text)}); the document states {lacking}")
            self.draft.note("guessed", f"{name} {text}: the {which} timeline entry")

    def _marked(self, name: str) -> Entry | None:
        """The timeline entry whose event names milestone ``name`` (the last for the end of
        the incident or its impact, else the first)."""
        hits = [e for e in self.entries if self.vocab.mentions("milestones", name, e.event)]
        if not hits:
            return None
        return hits[-1] if name in ("resolved", "impact_ended") else hits[0]

    def _keep_in_order(self, found: dict[str, tuple[str, str]]) -> None:
        """Leave out a milestone read before the start (`check` makes that an error; the
        text it was read from stays in the report)."""
        if self.date is None or "started" not in found:
            return
        tz = zone(self.timezone or self.config.timezone) or dt.timezone.utc
        start = resolve(found["started"][0].lstrip("~"), self.date, tz)
        for name in ("detected", "mitigated", "resolved"):
            if name in found and resolve(found[name][0].lstrip("~"), self.date, tz) < start:
                self.draft.note("kept", f"{name} {found[name][0]} is before started "
                                        f"{found['started'][0]}: left out")
                del found[name]

    # ---- the rest ------------------------------------------------------------------------

    def finish(self) -> None:
        d = self.draft
        summary = [p for p in (self.front_summary, *self.summaries) if p]
        preamble = self.doc.blocks_markdown(self.preamble) if self.preamble else ""
        if preamble:
            summary.append(preamble)
            d.note("mapped", "text before the first section -> summary")
        if "summary" in d.data:
            summary.append(d.data["summary"])
        if summary:
            d.set("summary", "\n\n".join(summary))
        if "severity" not in d.data:
            d.set("severity", UNKNOWN, "the document states no severity: set it, once known")
            d.note("unknown", "severity: the document states none")
        if "status" not in d.data:
            d.set("status", PLACEHOLDER_STATUS, "placeholder: the document states no status "
                  "the importer understands; set it")
            d.note("placeholder", f"status {PLACEHOLDER_STATUS}: the document states none")
        self._closed_with_unknowns()
        d.set("language", self.language)

    def _closed_with_unknowns(self) -> None:
        """A closed incident has nothing unknown left (`check` says so): a document that
        says closed but does not state everything becomes resolved, with notice."""
        d = self.draft
        if d.data.get("status") != "closed":
            return
        unknown = [name for name in ("severity", *MILESTONES) if d.data.get(name) == UNKNOWN]
        unknown += sorted({f"action items' {name}" for item in d.data.get("action_items", [])
                           for name in ("priority", "owner", "due")
                           if item.get(name) == UNKNOWN})
        if not unknown:
            return
        d.set("status", "resolved", f"the document says closed, but {', '.join(unknown)} "
              "are not stated: a closed incident has nothing unknown left; set them, then "
              "the status")
        if self.status_line is not None:  # the stated status stays in the report
            where, label = self.status_line
            figures = "footer" if where == "footer" else "header"
            if {label.label: label.value} not in d.data.get(figures, []):
                d.append(figures, {label.label: label.value})
        d.note("placeholder", f"status resolved instead of closed: {', '.join(unknown)} "
                              "unknown")


_HANDLERS = {
    "status": Reading._status, "severity": Reading._severity, "duration": Reading._duration,
    "window": Reading._time_range, "date": Reading._date, "authors": Reading._authors,
    "report_created": Reading._report_created, "root_cause": Reading._root_cause,
    "timezone": Reading._timezone, "tags": Reading._tags, "started": Reading._milestone,
    "detected": Reading._milestone, "mitigated": Reading._milestone,
    "resolved": Reading._milestone, "summary": Reading._summary, "impact": Reading._impact,
    "root_causes": Reading._root_causes, "fixes": Reading._fixes,
    "impact_started": Reading._milestone, "impact_ended": Reading._milestone,
    "trigger": Reading._trigger, "detection": Reading._detection, "people": Reading._people,
}
# Roles several people share: a value names each of them, separated by commas.
_SHARED_ROLES = ("responder", "expert", "attendee")


def heading_text(section: Section) -> str:
    """A heading as a title: as written, without the emoji it starts with (the report
    puts its own marker there)."""
    text = section.source.strip()
    while text and (symbols(text[0]) or text[0] == " "):
        text = text[1:]
    return text or section.source.strip()


def _text(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strip_symbols(text: str) -> str:
    out = text.strip()
    while out and (symbols(out[0]) or out[0] == " "):
        out = out[1:]
    return out


def _after_phrase(value: str, phrase: str) -> str:
    """What follows ``phrase`` (matched loosely) in ``value``."""
    m = re.search(_loose_pattern(phrase), value, re.I)
    return value[m.end():] if m else value


def _loose_pattern(phrase: str) -> str:
    return r"[\W_]*".join(re.escape(w) for w in phrase.split())


def plain_md(markdown: str) -> str:
    """Markdown text without bold and code marks (for titles and names)."""
    return re.sub(r"\*\*|__|`", "", markdown)
