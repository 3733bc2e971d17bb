"""Dates and times as reports write them, and as incident files hold them.

`11:16`, `11:16 Uhr`, `~12:10 CET`, `2025-10-01 11:16`, `2024-03-05 - 10:12 UTC`,
`20.11. 09:30 Uhr`, ranges (`12:49-12:50 CET`, `10:20 - 16:48 Uhr`); dates `2025-10-01`,
`28.11.2025`, `October 9, 2024`, `3 September 2024`, `Oct 8`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass

from postmortem.format.times import ABBREVIATIONS, check_time_text
from postmortem.importer.vocabulary import Vocabulary

_DAY = (r"(?:(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
        r"|(?P<d2>\d{1,2})\.(?P<mo2>\d{1,2})\.(?P<y2>\d{4})?)")
_STAMP = re.compile(
    r"(?P<approx>~\s*)?"
    rf"(?:{_DAY}(?:\s*[-–,]\s*|\s+|T))?"
    r"(?P<clock>(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?)(?!\d)"
    r"(?:\s*(?:Uhr)\b)?")
# A zone after a clock needs a space ("11:55 CET", "11:55 +01:00"; only Z is attached), so
# "12:49-12:50" stays a range. A colon may follow it as the event's separator
# ("14:02 UTC: primary reboots"), not a digit ("+01:00" is not "+01" and ":00").
_ZONE = re.compile(r"(?:[ \t]+(?P<zone>[A-Za-z]{1,5}|[+-]\d{2}:?\d{2})|(?P<z>Z))"
                   r"(?!\w|:\d)")
_DATED = re.compile(r"~?\d{4}-\d{2}-\d{2}T")
_RANGE = re.compile(r"\s*(?:[-–—]|to|bis)\s*")
_LEAD = re.compile(r"^\s*(?P<em>\*\*|__)?")
_AFTER = re.compile(r"\s*(?:\*\*|__)?\s*(?:[-–—:|]+\s*)?")
# ISO dates, also with the hyphens word processors put in (U+2010, non-breaking U+2011).
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-\u2010\u2011](\d{2})[-\u2010\u2011](\d{2})(?!\d)")
_DE_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
_WORD_DATE = re.compile(r"(?<!\w)(?:(?P<d1>\d{1,2})\.?\s+(?P<m1>[^\W\d_]{3,10})\.?\s+(?P<y1>\d{4})"
                        r"|(?P<m2>[^\W\d_]{3,10})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?"
                        r"(?:,?\s+(?P<y2>\d{4}))?)(?!\w)")


@dataclass(frozen=True)
class Stamp:
    """One point in time as written: a clock, perhaps a day and a zone."""

    approx: bool
    day: tuple[int | None, int, int] | None  # (year or None, month, day)
    clock: str  # "HH:MM[:SS[.f]]" as written
    zone: str | None  # the abbreviation, offset or Z as written, e.g. "CET", "+01:00"

    def date(self, default: dt.date) -> dt.date | None:
        if self.day is None:
            return default
        year, month, day = self.day
        try:
            return dt.date(year or default.year, month, day)
        except ValueError:
            return None


@dataclass(frozen=True)
class Span:
    """A time or a range of two, and the text it was read from."""

    start: Stamp
    end: Stamp | None
    text: str

    @property
    def zone(self) -> str | None:
        return self.start.zone or (self.end.zone if self.end else None)


def _stamp(text: str, pos: int) -> tuple[Stamp, int] | None:
    m = _STAMP.match(text, pos)
    if m is None:
        return None
    day: tuple[int | None, int, int] | None = None
    if m["y"]:
        day = (int(m["y"]), int(m["mo"]), int(m["d"]))
    elif m["d2"]:
        day = (int(m["y2"]) if m["y2"] else None, int(m["mo2"]), int(m["d2"]))
    end = m.end()
    zone_name = None
    z = _ZONE.match(text, end)
    if z:
        word = z["zone"] or z["z"]
        # The format's abbreviations (an ambiguous one such as IST stays text of the event).
        if word == "Z" or word.upper() in ABBREVIATIONS or word[0] in "+-":
            zone_name = word.upper() if word[0] not in "+-" else word
            end = z.end()
    return Stamp(bool(m["approx"]), day, m["clock"], zone_name), end


def leading(text: str) -> tuple[Span, str] | None:
    """A time or range at the start of ``text`` (bold allowed) and the text after it."""
    lead = _LEAD.match(text)
    pos = lead.end() if lead else 0
    found = _stamp(text, pos)
    if found is None:
        return None
    start, end = found
    stop: Stamp | None = None
    r = _RANGE.match(text, end)
    if r:
        second = _stamp(text, r.end())
        if second is not None:
            stop, end = second
    written = text[pos:end].strip()
    if written.endswith(("**", "__")):
        written = written[:-2].rstrip()
    after = _AFTER.match(text, end)
    rest = text[after.end() if after else end:]
    if start.zone is None and stop is not None and stop.zone is not None:
        start = Stamp(start.approx, start.day, start.clock, stop.zone)
    return Span(start, stop, written), rest


def parse_span(text: str) -> Span | None:
    """``text`` if it is all a time or a range (a table's time cell)."""
    found = leading(text)
    if found is None:
        return None
    span, rest = found
    return span if not rest.strip(" *_") else None


def find_span(text: str) -> Span | None:
    """The first time or range anywhere in ``text``."""
    for m in re.finditer(r"(?<![\d:])(?:~\s*)?(?:\d{4}-\d{2}-\d{2}[ T]|\d{1,2}\.\d{1,2}\.\s)?"
                         r"\d{1,2}:\d{2}", text):
        found = leading(text[m.start():])
        if found is not None:
            return found[0]
    return None


def find_date(text: str, vocab: Vocabulary,
              default_year: int | None = None) -> tuple[dt.date, str] | None:
    """The first date written in ``text`` and how it was written; a date without a year
    ("Oct 8") only with ``default_year``."""
    found: list[tuple[int, dt.date, str]] = []
    for m in _ISO_DATE.finditer(text):
        _add(found, m.start(), int(m[1]), int(m[2]), int(m[3]), m[0])
    for m in _DE_DATE.finditer(text):
        _add(found, m.start(), int(m[3]), int(m[2]), int(m[1]), m[0])
    for m in _WORD_DATE.finditer(text):
        if m["m1"]:
            month, day, year = vocab.month(m["m1"]), m["d1"], m["y1"]
        else:
            month, day, year = vocab.month(m["m2"]), m["d2"], m["y2"]
        if month is None:
            continue
        if year is None and default_year is None:
            continue
        _add(found, m.start(), int(year) if year else default_year or 1, month, int(day), m[0])
    if not found:
        return None
    _, date, written = min(found, key=lambda f: f[0])
    return date, written


def _add(found: list[tuple[int, dt.date, str]], at: int, year: int, month: int, day: int,
         written: str) -> None:
    with contextlib.suppress(ValueError):  # 31.02. is no date
        found.append((at, dt.date(year, month, day), written))


def field_text(stamp: Stamp, day: dt.date, *, zone: bool = True,
               start: dt.date | None = None) -> str | None:
    """``stamp`` as an incident file holds a time of the incident on ``day``: its clock on
    that day (a date of its own makes it an ISO datetime), its zone as stated (``zone``:
    written after it); ``start``: the day a range's end belongs to. None when it is no
    valid time."""
    date = stamp.date(start or day)
    if date is None:
        return None
    clock = stamp.clock if len(stamp.clock.split(":")[0]) == 2 else "0" + stamp.clock
    text = f"{date.isoformat()}T{clock}" if date != day else stamp.clock
    if zone and stamp.zone is not None:
        text += stamp.zone if stamp.zone == "Z" else f" {stamp.zone}"
    text = ("~" if stamp.approx else "") + text
    return text if check_time_text(text) is None else None


def span_text(span: Span, day: dt.date) -> str | None:
    """A time or a range as a timeline entry holds it, as stated: ``12:49-12:50 CET``,
    ``11:55 CET``, ``2025-01-29T08:30 CET``. None when the format cannot hold it (a range
    that ends before it starts, read without dates)."""
    if span.end is None:
        return field_text(span.start, day)
    # One zone written for the range ("12:49-12:50 CET") is written once, at its end.
    shared = span.start.zone == span.end.zone
    first = field_text(span.start, day, zone=not shared)
    start = span.start.date(day)
    last = field_text(span.end, day, start=start)
    if first is None or last is None:
        return None
    dated = _DATED.match(first) or _DATED.match(last)
    text = f"{first} - {last}" if dated else f"{first}-{last}"
    return text if check_time_text(text, ranges=True) is None else None
