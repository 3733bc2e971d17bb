"""Times as incident files write them: clocks, ISO datetimes, offsets, zone names, ranges."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# Zone abbreviations a time may carry ("11:55 CET"), each a fixed offset from UTC. The zone
# *name* of an incident (Europe/Berlin) says which of them applies on a date; an abbreviation
# says what the writer's clock showed, so it is kept as stated.
ABBREVIATIONS: dict[str, dt.timedelta] = {
    name: dt.timedelta(minutes=minutes) for name, minutes in {
        "UTC": 0, "GMT": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120,
        "MEZ": 60, "MESZ": 120, "EET": 120, "EEST": 180, "MSK": 180,
        "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
        "PST": -480, "PDT": -420, "AKST": -540, "AKDT": -480, "HST": -600,
        "JST": 540, "KST": 540, "AEST": 600, "AEDT": 660, "ACST": 570, "ACDT": 630,
        "AWST": 480, "NZST": 720, "NZDT": 780,
    }.items()}
# Abbreviations that name more than one offset: a time carrying one is an error that asks
# for the offset. (BST and CST are read as British Summer Time and US Central Standard Time,
# the common readings in incident reports, not as Bangladesh or China Standard Time.)
AMBIGUOUS: dict[str, str] = {
    "IST": "India +05:30, Ireland +01:00 or Israel +02:00",
    "AST": "Atlantic -04:00 or Arabia +03:00",
    "ADT": "Atlantic -03:00 or Arabia +04:00",
    "ECT": "Ecuador -05:00 or Central Europe +01:00",
    "CAT": "Central Africa +02:00 or Chatham",
    "SST": "Samoa -11:00 or Singapore +08:00",
}

# The grammar, in pieces shared with the JSON Schema (model.py): ASCII digits only (Python's
# \d also matches Arabic-Indic and full-width digits), and only values a clock can show.
_HOUR = r"(?:[01]?[0-9]|2[0-3])"
_MIN = r"[0-5][0-9]"
CLOCK = rf"{_HOUR}:{_MIN}(?::{_MIN}(?:\.[0-9]+)?)?"
# A day of a month from year 1 on: 29 February in leap years only (every fourth year, of
# the centuries every fourth), as Python's dates, so that the JSON Schema agrees with `check`.
_YEAR = r"(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
DATE = (rf"(?:{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
        rf"|(?:0[13578]|1[02])-31)|{_LEAP}-02-29)")
_OFFSET = r"[+-](?:0[0-9]|1[0-4]):?[0-5][0-9]"
_ABBR = "|".join(sorted(ABBREVIATIONS, key=len, reverse=True))
# A zone after a bare clock needs a space ("11:55 +01:00"), so "12:49-12:50" stays a range;
# an ISO datetime carries its offset attached, as ISO 8601 writes it.
_ZONE = rf"(?: (?:{_OFFSET}|{_ABBR})|Z)"
_ISO_ZONE = rf"(?: ?(?:{_OFFSET})| (?:{_ABBR})|Z)"
STAMP = rf"~?(?:{CLOCK}{_ZONE}?|{DATE}[T ](?:0[0-9]|1[0-9]|2[0-3]):{_MIN}" \
        rf"(?::{_MIN}(?:\.[0-9]+)?)?{_ISO_ZONE}?)"
RANGE_SEPARATOR = r"(?: ?[-–] ?)"
# What a milestone holds, and what a timeline entry holds (a time or a range of two).
TIME_PATTERN = rf"^{STAMP}$"
TIME_OR_RANGE_PATTERN = rf"^{STAMP}(?:{RANGE_SEPARATOR}{STAMP})?$"

_STAMP = re.compile(
    r"^(?P<approx>~)?(?:(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ])?"
    r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?P<f>\.[0-9]+)?)?"
    r"(?P<zone>Z| ?[+-][0-9]{2}:?[0-9]{2}| [A-Za-z]{1,6})?$", re.ASCII)
_RANGE = re.compile(rf"^(?P<a>.+?){RANGE_SEPARATOR}(?P<b>~?(?:[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}"
                    rf"[T ])?[0-9]{{1,2}}:[0-9]{{2}}.*)$", re.ASCII)
_HINT = ("write HH:MM, HH:MM:SS or an ISO datetime, optionally with an offset or zone "
         "abbreviation (11:55 +01:00, 11:55 CET); a leading ~ marks it approximate")


@functools.lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The IANA zone names this machine knows (the OS's database and the tzdata package)."""
    return frozenset(zoneinfo.available_timezones())


@functools.lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone.

    Only names as the database spells them: on a file system that ignores case,
    ZoneInfo("europe/berlin") would load, and the JSON Schema (a list of names) would not
    agree with `check`.
    """
    if name != "UTC" and name not in zone_names():
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, LookupError):
        return None


@dataclass(frozen=True)
class Stamp:
    """One point in time as written: its clock, and its date and zone when stated."""

    approx: bool
    day: dt.date | None
    clock: dt.time
    written: str  # the clock as written ("9:05", "10:30:15")
    zone: str | None  # as stated, normalised: "CET", "+01:00", "UTC" (for Z)
    offset: dt.timedelta | None  # the stated zone's offset from UTC

    def on(self, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
        """An aware datetime: in the stated offset, else in ``tz``; on ``day`` unless dated."""
        when = dt.datetime.combine(self.day or day, self.clock)
        if self.offset is None:
            return when.replace(tzinfo=tz)
        return when.replace(tzinfo=dt.timezone(self.offset, self.zone or ""))


@dataclass(frozen=True)
class Span:
    """A time text: one stamp, or a range from ``start`` to ``end``."""

    start: Stamp
    end: Stamp | None = None


def _stamp(text: str) -> Stamp | str:
    m = _STAMP.match(text)
    if m is None:
        return f"'{text}' is not a time; {_HINT}"
    if int(m["h"]) > 23 or int(m["m"]) > 59 or (m["s"] and int(m["s"]) > 59):
        return f"'{text}' is not a time of day"
    day = None
    if m["date"]:
        try:
            day = dt.date.fromisoformat(m["date"])
        except ValueError:
            return f"'{text}' is not a valid date and time"
        if len(m["h"]) != 2:
            return f"'{text}' is not a valid date and time; write the hour with two digits"
    micro = round(float(m["f"]) * 1_000_000) if m["f"] else 0
    clock = dt.time(int(m["h"]), int(m["m"]), int(m["s"] or 0), min(micro, 999_999))
    raw = (m["zone"] or "").strip()
    name: str | None = None
    offset: dt.timedelta | None = None
    if m["zone"] == "Z":
        name, offset = "UTC", dt.timedelta(0)
    elif raw[:1] in ("+", "-"):
        if not m["date"] and not m["zone"].startswith(" "):
            return f"'{text}' is not a time; {_HINT}"
        hours, minutes = int(raw[1:3]), int(raw[-2:])
        if hours > 14 or minutes > 59:
            return f"'{text}' has no valid offset from UTC (-14:00 to +14:00)"
        offset = (1 if raw[0] == "+" else -1) * dt.timedelta(hours=hours, minutes=minutes)
        name = f"{raw[0]}{raw[1:3]}:{raw[-2:]}"
    elif raw:
        if raw in AMBIGUOUS:
            return (f"'{text}': the abbreviation {raw} names more than one zone "
                    f"({AMBIGUOUS[raw]}); write the offset instead, e.g. 11:55 +01:00")
        if raw not in ABBREVIATIONS:
            return (f"'{text}': unknown zone abbreviation '{raw}'; write an offset such as "
                    f"+01:00, or one of {', '.join(ABBREVIATIONS)}")
        name, offset = raw, ABBREVIATIONS[raw]
    written = text[m.start("h"):m.end("f") if m["f"] else m.end("s") if m["s"] else m.end("m")]
    return Stamp(bool(m["approx"]), day, clock, written, name, offset)


@functools.lru_cache(maxsize=4096)
def parse(text: str, *, ranges: bool = False) -> Span | str:
    """The span ``text`` writes, or why it is not a time (``ranges``: a range is allowed)."""
    first = _stamp(text)
    if isinstance(first, Stamp):
        return Span(first)
    m = _RANGE.match(text)
    if m is None:
        return first
    start, end = _stamp(m["a"]), _stamp(m["b"])
    if not ranges:
        if isinstance(start, Stamp) and isinstance(end, Stamp):
            return f"'{text}' is a range; this field takes one time ({_HINT})"
        return first
    if isinstance(start, str):
        return start
    if isinstance(end, str):
        return end
    # One zone written for the range ("12:49-12:50 CET") is the zone of both ends.
    if start.zone is None and end.zone is not None:
        start = dataclasses.replace(start, zone=end.zone, offset=end.offset)
    elif end.zone is None and start.zone is not None:
        end = dataclasses.replace(end, zone=start.zone, offset=start.offset)
    if (start.offset is None) == (end.offset is None):  # else only the zone can tell
        a = start.on(dt.date(2000, 1, 1), dt.timezone.utc)
        if end.on(start.day or dt.date(2000, 1, 1), dt.timezone.utc) < a:
            return f"'{text}' ends before it starts"
    return Span(start, end)


def check_time_text(text: str, *, ranges: bool = False) -> str | None:
    """None when ``text`` is a valid time (or, with ``ranges``, range); otherwise why not."""
    span = parse(text, ranges=ranges)
    return span if isinstance(span, str) else None


def stamp(text: str) -> Stamp:
    """The (first) stamp of a validated time text."""
    span = parse(text, ranges=True)
    assert isinstance(span, Span), span
    return span.start


def resolve(text: str, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The instant a validated time text (a range: its start) stands for, in UTC.

    In UTC because Python compares and subtracts datetimes that share a tzinfo by their wall
    clocks, which is wrong across a daylight-saving change.
    """
    return stamp(text).on(day, tz).astimezone(dt.timezone.utc)


def zone_label(when: dt.datetime, stated: Stamp) -> str:
    """How a time's zone is shown: as stated, else the zone's abbreviation on that date."""
    return stated.zone or when.tzname() or ""


def show(text: str, day: dt.date, tz: dt.tzinfo, reference: str | None = None) -> str:
    """A validated time text as reports show it: ``~`` kept, a date when it was written with
    one, and its zone when it was stated or differs from ``reference`` (the start's)."""
    span = parse(text, ranges=True)
    assert isinstance(span, Span), span
    start = _show(span.start, day, tz, reference)
    if span.end is None:
        return start
    end = _show(span.end, span.start.day or day, tz, reference)
    plain = span.start.day is None and span.end.day is None
    return f"{start}–{end}" if plain else f"{start} – {end}"


def _show(s: Stamp, day: dt.date, tz: dt.tzinfo, reference: str | None) -> str:
    when = s.on(day, tz)
    text = ("~" if s.approx else "") + (f"{s.day.isoformat()} " if s.day else "")
    text += s.written  # with its seconds where it has them, as a time without a date
    label = zone_label(when, s)
    if s.zone is not None or (reference is not None and label != reference):
        text += f" {label}"
    return text


def clock(text: str) -> str:
    """How a time is shown where no zone is known: as written, or its date and HH:MM."""
    return show(text, dt.date(2000, 1, 1), dt.timezone.utc)
