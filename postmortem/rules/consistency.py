"""Consistency rules of one incident: where a report says two things that cannot both be true.

Each message names both sides of the contradiction with their positions.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from postmortem.format.times import Span, parse
from postmortem.format.timing import impact_window, minutes_between, moment
from postmortem.format.vocabulary import ENDED_STATUSES, MILESTONES, SECTION_KEYS, UNKNOWN
from postmortem.format.yamlread import dotted, locate, where_in
from postmortem.rules import prose
from postmortem.rules.problems import Problem
from postmortem.rules.registry import Rule, RuleTable
from postmortem.rules.semantic import Subject
from postmortem.text import clip

CONSISTENCY = RuleTable()
# States of a check that mean it is not done: an ended incident should not have them.
OPEN_CHECK_STATES = ("planned", "pending", "failed")
# What a resolved or closed incident's report holds unless the configuration says otherwise.
DEFAULT_REQUIRED = {"resolved": ("impact", "root_causes", "action_items"),
                    "closed": ("impact", "root_causes", "action_items")}


def check_consistency(subject: Subject, codes: frozenset[str]) -> None:
    """Add the consistency problems (of the rules ``codes``) to the subject's problems."""
    subject.parsed.problems.extend(CONSISTENCY.run(subject, codes))


def _line(s: Subject, *loc: str | int) -> int:
    return s.at(*loc)[0]


@CONSISTENCY.check("C005")
def _ended_with_open_checks(s: Subject, rule: Rule) -> Iterator[Problem]:
    incident = s.incident
    if incident.status not in ENDED_STATUSES:
        return
    status = f"status is '{incident.status}' (line {_line(s, 'status')})"
    for i, step in enumerate(incident.verification):
        # A step's own state says where it stands (its checks may record earlier states);
        # a failure before the fix is what the fix was for.
        if step.state in OPEN_CHECK_STATES and step.phase != "before":
            yield rule(s.rel, *s.at("verification", i, "state"), f"verification[{i}].state",
                       f"{status}, but verification step '{step.title}' is {step.state}; "
                       "finish it, or keep the incident open until it passes")
    for i, fix in enumerate(incident.fixes):
        verification = fix.verification
        if verification is not None and verification.state in OPEN_CHECK_STATES:
            yield rule(s.rel, *s.at("fixes", i, "verification", "state"),
                       f"fixes[{i}].verification.state",
                       f"{status}, but the verification of fix '{fix.title}' is "
                       f"{verification.state}; finish it, or keep the incident open")


@CONSISTENCY.check("C007")
def _closed_with_unowned_items(s: Subject, rule: Rule) -> Iterator[Problem]:
    if s.incident.status != "closed":
        return
    for i, item in enumerate(s.incident.action_items):
        if item.owner is None:
            yield rule(s.rel, *s.at("action_items", i), f"action_items[{i}].owner",
                       f"status is 'closed' (line {_line(s, 'status')}): the postmortem was "
                       f"reviewed, but action item '{item.id}' has no owner; name who did it "
                       "or will do it")


@CONSISTENCY.check("C009")
def _complete_for_status(s: Subject, rule: Rule) -> Iterator[Problem]:
    incident = s.incident
    required = dict(s.config.required_sections).get(incident.status,
                                                    DEFAULT_REQUIRED.get(incident.status, ()))
    missing = [key for key in required if key in SECTION_KEYS and not getattr(incident, key)]
    if missing:
        words = [key.replace("_", " ") for key in missing]
        listed = ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]
        yield rule(s.rel, *s.at("status"), "status",
                   f"status is '{incident.status}', but the report has no {listed}; a "
                   f"{incident.status} incident says what it did, why it happened and what "
                   "follows (or set what each status requires in [check] required_sections)")


# How `postmortem new` marks what is still to be written: a value that is "TODO" or starts
# with "TODO:" (both scaffolds, English and German).
_PLACEHOLDER = re.compile(r"TODO(?::|\Z)")


def _placeholders(node: Node | None, path: tuple[str | int, ...]
                  ) -> Iterator[tuple[tuple[str | int, ...], ScalarNode]]:
    """Each value (not key) below ``node`` that is a placeholder, with its path."""
    if isinstance(node, ScalarNode):
        if _PLACEHOLDER.match(node.value.lstrip()):
            yield path, node
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield from _placeholders(value, (*path, key.value))
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            yield from _placeholders(item, (*path, i))


@CONSISTENCY.check("C011")
def _placeholder_left(s: Subject, rule: Rule) -> Iterator[Problem]:
    incident = s.incident
    if incident.status not in ENDED_STATUSES or "TODO" not in s.parsed.text:
        return
    status = f"status is '{incident.status}' (line {_line(s, 'status')})"
    for path, node in _placeholders(s.parsed.root, ()):
        shown = clip(node.value.strip().split("\n", 1)[0])
        field = dotted(path)
        yield rule(s.rel, *where_in(s.parsed.text, node, "TODO"), field,
                   f"{status}, but {field} still holds the placeholder of `postmortem new` "
                   f"('{shown}'); write what it asks for, or delete the entry")


@CONSISTENCY.check("C010")
def _failure_after_resolved(s: Subject, rule: Rule) -> Iterator[Problem]:
    resolved = s.times.get("resolved")
    if resolved is None:
        return
    for i, entry in enumerate(s.incident.timeline):
        if entry.outcome != "failed":
            continue
        if moment(entry.at, s.incident.date, s.zone).instant > resolved.instant:
            yield rule(s.rel, *s.at("timeline", i, "at"), f"timeline[{i}].at",
                       f"a failure at {entry.at} ('{entry.event}') comes after the incident "
                       f"was resolved at {s.incident.resolved} (line {_line(s, 'resolved')}); "
                       "move `resolved` later, or record the failure as another incident")


# --- times: a zone's abbreviation or offset on the wrong date; a report written too early ---

Loc = tuple[str | int, ...]


def _times(s: Subject) -> Iterator[tuple[Loc, str]]:
    """Every time text of the incident with where it is written."""
    incident = s.incident
    for name in (*MILESTONES, "impact_started", "impact_ended"):
        text = getattr(incident, name)
        if text is not None and text != UNKNOWN:
            yield (name,), text
    for i, entry in enumerate(incident.timeline):
        yield ("timeline", i, "at"), entry.at
    for i, fix in enumerate(incident.fixes):
        if fix.at:
            yield ("fixes", i, "at"), fix.at
    for i, step in enumerate(incident.verification):
        if step.at:
            yield ("verification", i, "at"), step.at


@CONSISTENCY.check("C001")
def _zone_of_the_date(s: Subject, rule: Rule) -> Iterator[Problem]:
    tz, day = s.zone, s.incident.date
    name = s.incident.timezone or s.config.timezone
    # The offsets the zone has around the incident (its standard and its summer time).
    offsets = {dt.datetime(day.year, month, 1, 12, tzinfo=tz).utcoffset() for month in (1, 7)}
    for loc, text in _times(s):
        span = parse(text, ranges=True)
        if not isinstance(span, Span):
            continue
        for stamp in (span.start, span.end):
            if stamp is None or stamp.offset is None or stamp.offset not in offsets:
                continue  # no zone stated, or another zone's time: kept as stated
            wall = dt.datetime.combine(stamp.day or day, stamp.clock, tzinfo=tz)
            actual = wall.utcoffset()
            if actual is None or actual == stamp.offset:
                continue
            later = wall.replace(fold=1)  # in the hour a fall-back repeats: its second time
            if later.utcoffset() == stamp.offset and _shown_twice(later):
                continue
            yield rule(s.rel, *s.at(*loc), dotted(loc), (
                f"'{text}' says {stamp.zone} ({_offset(stamp.offset)}), but {name} is at "
                f"{_offset(actual)} ({wall.tzname()}) on {wall.date().isoformat()}; write "
                f"{stamp.written} {wall.tzname()} if that is what the clock showed, or the "
                "time in the zone in force"))


def _shown(wall: dt.datetime) -> bool:
    """Whether the zone's clocks showed ``wall`` (with its fold): it reads back as itself."""
    back = wall.astimezone(dt.timezone.utc).astimezone(wall.tzinfo)
    return back.replace(tzinfo=None) == wall.replace(tzinfo=None) and back.fold == wall.fold


def _shown_twice(wall: dt.datetime) -> bool:
    """Whether the clock showed ``wall`` (fold 1) a second time, after a fall-back: then both
    offsets of the zone are right for it (02:30 CEST and 02:30 CET on 2025-10-26 in Berlin)."""
    return wall.replace(fold=0).utcoffset() != wall.utcoffset() and _shown(wall)


@functools.lru_cache(maxsize=512)
def _clocks_change(day: dt.date, tz: dt.tzinfo) -> bool:
    """Whether the zone's offset changes on ``day`` (its first and last minute differ)."""
    return tz.utcoffset(dt.datetime.combine(day, dt.time(0, 0))) != \
        tz.utcoffset(dt.datetime.combine(day, dt.time(23, 59)))


def _skipped(wall: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    """For a wall time the clocks never showed (they jumped forward past it): the first
    skipped minute and the time they jumped to; None for a time that exists."""
    if _shown(wall.replace(fold=0)):
        return None
    jump = (wall.replace(fold=1).utcoffset() or dt.timedelta()) - \
        (wall.replace(fold=0).utcoffset() or dt.timedelta())
    start = wall.replace(second=0, microsecond=0)
    for _ in range(int(jump.total_seconds() // 60)):  # zones jump by at most a few hours
        earlier = start - dt.timedelta(minutes=1)
        if _shown(earlier.replace(fold=0)):
            break
        start = earlier
    return start, start + jump


@CONSISTENCY.check("C012")
def _skipped_time(s: Subject, rule: Rule) -> Iterator[Problem]:
    tz, day = s.zone, s.incident.date
    name = s.incident.timezone or s.config.timezone
    for loc, text in _times(s):
        span = parse(text, ranges=True)
        if not isinstance(span, Span):
            continue
        for stamp in (span.start, span.end):
            if stamp is None or stamp.offset is not None:
                continue  # a stated offset makes any wall time an instant
            if not _clocks_change(stamp.day or day, tz):
                continue  # most days: every wall time exists
            wall = dt.datetime.combine(stamp.day or day, stamp.clock, tzinfo=tz)
            skipped = _skipped(wall)
            if skipped is None:
                continue
            start, end = skipped
            read = wall.astimezone(dt.timezone.utc).astimezone(tz)
            what = f"'{text}'" if text.strip() == stamp.written else \
                f"{stamp.written} in '{text}'"
            yield rule(s.rel, *s.at(*loc), dotted(loc), (
                f"{what} does not exist on {wall.date().isoformat()} in "
                f"{name}, the clocks went from {start:%H:%M} straight to {end:%H:%M}; it is "
                f"read as {stamp.written} {wall.replace(fold=0).tzname()} = "
                f"{read:%H:%M} {read.tzname()}: write the time the clocks showed"))


def _offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@CONSISTENCY.check("C002")
def _created_after_the_events(s: Subject, rule: Rule) -> Iterator[Problem]:
    created_text = s.incident.report_created
    if not created_text:
        return
    created = _stamp_in(created_text, s)
    if created is None:
        return
    last: tuple[dt.datetime, Loc, str] | None = None
    for loc, text in _times(s):
        when = moment(text, s.incident.date, s.zone).instant
        if last is None or when > last[0]:
            last = (when, loc, text)
    if last is not None and created < last[0]:
        yield rule(s.rel, *s.at("report_created"), "report_created", (
            f"the report was created {created_text}, before its last event: {last[2]} "
            f"({dotted(last[1])}, line {s.at(*last[1])[0]}); correct one of the two"))


_CREATED = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}[T ])?[0-9]{1,2}:[0-9]{2}"
                      r"(?::[0-9]{2})?(?: ?(?:[+-][0-9]{2}:?[0-9]{2}|[A-Z]{2,5})|Z)?")


def _stamp_in(text: str, s: Subject) -> dt.datetime | None:
    """The instant a free "report created" text names, when it holds a date and a time
    (None when it writes its date in a way not read here: the time alone would be taken
    on the incident's date)."""
    date = re.search(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text)
    german = re.search(r"(?<![0-9.])([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})(?![0-9])", text)
    if date is None and german is not None:
        day, month, year = german.groups()
        iso = f"{year}-{int(month):02d}-{int(day):02d}"
        text = text[:german.start()] + iso + text[german.end():]
        date = re.search(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text)
    elif date is None and re.search(r"(?<![0-9])[0-9]{4}(?![0-9:])", text):
        return None  # a date in words ("October 2, 2025 10:00"): not the incident's day
    for m in _CREATED.finditer(text):
        candidate = m.group(0)
        if date is not None and not candidate.startswith(date.group(0)):
            candidate = f"{date.group(0)} {candidate}"
        if isinstance(parse(candidate), Span):
            return moment(candidate, s.incident.date, s.zone).instant
    return None


# --- prose: durations, counts and claims that the structured fields contradict -------------

def _prose(s: Subject, *, whole: bool) -> Iterator[tuple[Loc, str]]:
    """The texts that speak about the incident; ``whole``: those about it as a whole
    (an impact group's figures speak of one effect: "Duration: 1 s (3 retries)")."""
    incident = s.incident
    if incident.summary:
        yield ("summary",), incident.summary
    if incident.root_cause_summary:
        yield ("root_cause_summary",), incident.root_cause_summary
    for i, f in enumerate(incident.header):
        yield ("header", i), _figure_text(f)
    for i, f in enumerate(incident.footer):
        yield ("footer", i), _figure_text(f)
    if incident.impact is not None and incident.impact.summary:
        yield ("impact", "summary"), incident.impact.summary
    lessons = incident.lessons
    if lessons is not None:
        for key in ("went_well", "went_wrong", "lucky"):
            for i, text in enumerate(getattr(lessons, key)):
                yield ("lessons", key, i), text
        if lessons.notes:
            yield ("lessons", "notes"), lessons.notes
    if incident.sign_off is not None:
        for i, f in enumerate(incident.sign_off.fields):
            yield ("sign_off", "fields", i), _figure_text(f)
        if incident.sign_off.body:
            yield ("sign_off", "body"), incident.sign_off.body
    if whole:
        return
    if incident.impact is not None:
        for kind in ("user", "business", "technical"):
            group = getattr(incident.impact, kind)
            if group is None:
                continue
            for i, f in enumerate(group.figures):
                yield ("impact", kind, "figures", i), _figure_text(f)
            if group.notes:
                yield ("impact", kind, "notes"), group.notes
    for i, steps in enumerate(incident.next_steps):
        for j, item in enumerate(steps.items):
            yield ("next_steps", i, "items", j), item if isinstance(item, str) else item.text
    for i, section in enumerate(incident.sections):
        yield ("sections", i, "body"), section.body


def _figure_text(figure: str | dict[str, str]) -> str:
    if isinstance(figure, dict):
        return next(f"{label}: {value}" for label, value in figure.items())
    return figure


def _where(s: Subject, loc: Loc, needle: str, value: str, start: int) -> tuple[int, int]:
    """Where ``needle``, found at ``start`` of the text ``value``, is written: the same
    occurrence of it ("10 minutes" may be written twice), not the first."""
    node, found = locate(s.parsed.root, loc)
    if node is None or not found:
        return s.at(*loc)
    return where_in(s.parsed.text, node, needle, value.count(needle, 0, start))


# Which span a duration speaks of, by the words before or after it (English and German).
_SPANS: list[tuple[str, re.Pattern[str]]] = [
    ("detect", re.compile(r"\b(?:time to detect|to detect|detected (?:after|in|within)|"
                          r"detection time|bis zur erkennung|erkannt nach|bemerkt nach|"
                          r"entdeckt nach)\b", re.I)),
    ("mitigate", re.compile(r"\b(?:time to mitigate|to mitigate|mitigated (?:after|in|within)|"
                            r"until (?:the )?fix|time to fix|bis (?:zum )?fix|"
                            r"bis zur (?:abhilfe|entschärfung))\b", re.I)),
    ("impact", re.compile(r"\b(?:downtime|down for|outage|ausfallzeit|ausfall|impact|"
                          r"impacted for|users affected for|betroffen für)\b", re.I)),
    ("resolve", re.compile(r"\b(?:time to resolve|to resolve|resolved (?:in|within|after)|"
                           r"resolution time|duration|lasted|dauer|dauerte|gesamtdauer|"
                           r"behoben (?:in|nach|innerhalb)|bis zur (?:lösung|behebung))\b",
                           re.I)),
]
# "about 20 minutes" may be 14 to 26; "23 minutes" 21 to 25.
TOLERANCE = {True: (5.0, 0.3), False: (1.0, 0.1)}


# After a duration only phrases that say what it measures count ("23 minutes to resolve",
# "~1 Stunde (bis Fix)"); nouns there ("31 minutes after impact began") speak of other things.
_AFTER: list[tuple[str, re.Pattern[str]]] = [
    ("resolve", re.compile(r"^\W{0,3}(?:to (?:resolve|resolution)|bis zur (?:lösung|behebung)|"
                           r"(?:behoben|gelöst)\b)", re.I)),
    # German puts the noun or the verb after the duration: "~1 Stunde Ausfall", "in 8
    # Minuten behoben"; English "3 hours of downtime".
    ("impact", re.compile(r"^\W{0,3}(?:of )?(?:downtime|outage|ausfall(?:zeit)?)\b", re.I)),
    ("detect", re.compile(r"^\W{0,3}(?:to detect|bis zur erkennung)", re.I)),
    ("mitigate", re.compile(r"^\W{0,3}(?:to (?:mitigate|fix)|\(?bis (?:zum )?fix)", re.I)),
]
# "31 minutes after ...", "vor 5 Minuten": a point in time, not a length of time.
_RELATIVE = re.compile(r"^\s*(?:after|later|before|earlier|ago|into|später|früher|vorher)\b",
                       re.I)


def _span_of(context_before: str, context_after: str) -> str | None:
    for name, pattern in _AFTER:
        if pattern.search(context_after):
            return name
    if _RELATIVE.search(context_after):
        return None
    best: tuple[int, str] | None = None
    for name, pattern in _SPANS:
        for m in pattern.finditer(context_before):
            distance = len(context_before) - m.end()
            if best is None or distance < best[0]:
                best = (distance, name)
    return best[1] if best else None


def _computed(s: Subject, span: str) -> tuple[float, str] | None:
    """Minutes of a span from the structured fields, and how they were computed."""
    times = s.times
    start = times.get("started")
    if start is None:
        return None
    end_name = {"detect": "detected", "mitigate": "mitigated", "resolve": "resolved",
                "impact": "mitigated"}[span]
    if span == "impact":
        first, last = impact_window(s.incident, s.zone)
        if first is not None and last is not None:
            return (minutes_between(first, last), f"impact_started {s.incident.impact_started} "
                    f"to impact_ended {s.incident.impact_ended}")
        if "mitigated" not in times:
            end_name = "resolved"
    end = times.get(end_name)
    if end is None:
        return None
    return (minutes_between(start, end),
            f"started {s.incident.started} to {end_name} {getattr(s.incident, end_name)}")


# "(12:22 - 12:30, ...)" right after a duration: the span the statement itself names.
_OWN_RANGE = re.compile(r"^\s*\(\s*(?P<a>[0-9]{1,2}:[0-9]{2})(?: ?Uhr)?\s*[-–]\s*"
                        r"(?P<b>[0-9]{1,2}:[0-9]{2})")


def _own_range(after: str) -> float | None:
    m = _OWN_RANGE.match(after)
    if m is None:
        return None
    (ha, ma), (hb, mb) = (map(int, m[g].split(":")) for g in ("a", "b"))
    if ha > 23 or hb > 23 or ma > 59 or mb > 59:
        return None
    minutes = (hb * 60 + mb) - (ha * 60 + ma)
    return minutes + 1440 if minutes < 0 else minutes


@CONSISTENCY.check("C003")
def _durations_in_prose(s: Subject, rule: Rule) -> Iterator[Problem]:
    for loc, text in _prose(s, whole=False):
        whole = loc[0] not in ("impact", "next_steps", "sections") or loc[:2] == ("impact",
                                                                                  "summary")
        for d in prose.durations(text):
            floor, share = TOLERANCE[d.approximate]
            after = text[d.end:d.end + 40]
            own = _own_range(after)
            if own is not None and abs(d.minutes - own) > max(floor, share * own):
                yield rule(s.rel, *_where(s, loc, d.text, text, d.start), dotted(loc), (
                    f"'{d.text}' and the times after it, which make {_minutes(own)}, "
                    "disagree; correct one of the two"))
                continue
            span = _span_of(text[max(0, d.start - 60):d.start], after)
            if span is None or (not whole and span == "resolve"):
                continue
            if own is not None and span == "impact" and s.incident.impact_started is None:
                continue  # the statement names its own window; none is structured to differ
            computed = _computed(s, span)
            if computed is None:
                continue
            minutes, how = computed
            if abs(d.minutes - minutes) <= max(floor, share * minutes):
                continue
            yield rule(s.rel, *_where(s, loc, d.text, text, d.start), dotted(loc), (
                f"'{d.text}' {_SPAN_WORDS[span]}, but {how} make "
                f"{_minutes(minutes)}; correct the text or the times"))


_SPAN_WORDS = {"detect": "is said to be the time to detect",
               "mitigate": "is said to be the time to mitigate",
               "impact": "is said to be the downtime",
               "resolve": "is said to be the incident's duration"}


def _minutes(value: float) -> str:
    return f"{value:.0f} min" if value < 120 else f"{value / 60:.1f} h"


# noun as written -> the structured list it counts
_COUNTED = {
    "root causes": "root_causes", "causes": "root_causes", "ursachen": "root_causes",
    "grundursachen": "root_causes", "fixes": "fixes", "action items": "action_items",
    "maßnahmen": "action_items", "tests": "verification", "test scenarios": "verification",
    "scenarios": "verification", "checks": "verification", "verification steps":
    "verification", "prüfungen": "verification", "testszenarien": "verification",
    "known issues": "known_issues", "lessons": "lessons",
}
_COUNTED_NOUNS = frozenset(_COUNTED)
_TOTAL = re.compile(r"\b(?:in total|total of|insgesamt|im ganzen)\b", re.I)


@CONSISTENCY.check("C004")
def _counts_in_prose(s: Subject, rule: Rule) -> Iterator[Problem]:
    incident = s.incident
    sizes = {"root_causes": len(incident.root_causes), "fixes": len(incident.fixes),
             "action_items": len(incident.action_items),
             "verification": len(incident.verification),
             "known_issues": len(incident.known_issues),
             "lessons": sum(len(getattr(incident.lessons, k)) for k in
                            ("went_well", "went_wrong", "lucky")) if incident.lessons else 0}
    for loc, text in _prose(s, whole=False):
        for c in prose.counts(text, _COUNTED_NOUNS):
            key = _COUNTED[c.noun]
            size = sizes[key]
            if size == 0:
                continue  # nothing structured to count: no contradiction
            total = c.all_of or bool(_TOTAL.search(text, c.end, c.end + 20))
            if c.number == size or (not total and c.number < size):
                continue  # "6 fixes deployed" of 8 speaks of some of them
            yield rule(s.rel, *_where(s, loc, c.text, text, c.start), dotted(loc), (
                f"'{c.text}' counts {c.number}, but the report lists {size} "
                f"{key.replace('_', ' ')} (line {s.at(key)[0]}); correct the number or the list"))


_ALL_PASSED = re.compile(
    r"\b(?:all(?: the)?(?: critical)? (?:tests|checks|test scenarios|scenarios) "
    r"(?:have )?(?:passed|green|successful)|alle(?: kritischen)? (?:tests|prüfungen|checks) "
    r"(?:sind )?(?:bestanden|grün|erfolgreich))\b", re.I)
NOT_PASSED = ("planned", "pending", "failed", "skipped")


@CONSISTENCY.check("C006")
def _all_passed_claims(s: Subject, rule: Rule) -> Iterator[Problem]:
    incident = s.incident
    open_steps = [(i, step) for i, step in enumerate(incident.verification)
                  if step.state in NOT_PASSED and step.phase != "before"]
    unchecked = [((("next_steps", i, "items", j)), item.text)
                 for i, group in enumerate(incident.next_steps)
                 for j, item in enumerate(group.items)
                 if not isinstance(item, str) and not item.done and _is_test(item.text)]
    unchecked += [(("next_steps", i, "items", j), item)
                  for i, group in enumerate(incident.next_steps)
                  for j, item in enumerate(group.items)
                  if isinstance(item, str) and _is_test(item)]
    if not open_steps and not unchecked:
        return
    for loc, text in [*_prose(s, whole=False),
                      *((("verification", i, "result"), step.result)
                        for i, step in enumerate(incident.verification) if step.result)]:
        for m in _ALL_PASSED.finditer(text):
            if open_steps:
                i, step = open_steps[0]
                other = (f"verification step '{step.title}' is {step.state} "
                         f"(line {s.at('verification', i)[0]})")
            else:
                at, what = unchecked[0]
                other = f"'{what}' is not checked off (line {s.at(*at)[0]})"
            yield rule(s.rel, *_where(s, loc, m.group(0), text, m.start()), dotted(loc),
                       f"'{m.group(0)}', but {other}; correct the claim or finish the test")


def _is_test(text: str) -> bool:
    return re.search(r"\b(?:test|tests|testen|prüfen|verify|check)\b", text, re.I) is not None
