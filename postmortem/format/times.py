"""Times of day, ISO datetimes and time zones as incident files write them."""

from __future__ import annotations

import datetime as dt
import functools
import re
from zoneinfo import ZoneInfo

# "11:16", "11:16:17", "~11:20", or an ISO datetime with optional offset.
_CLOCK = re.compile(r"^(?P<approx>~)?(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.\d+)?)?$")
_ISO = re.compile(r"^(?P<approx>~)?(?P<iso>\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                  r"(?:Z|[+-]\d{2}:?\d{2})?)$")


@functools.lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, LookupError):
        return None


def check_time_text(text: str) -> str | None:
    """None when ``text`` is a valid time; otherwise why not."""
    m = _CLOCK.match(text)
    if m:
        if int(m["h"]) > 23 or int(m["m"]) > 59 or (m["s"] and int(m["s"]) > 59):
            return f"'{text}' is not a time of day"
        return None
    m = _ISO.match(text)
    if m:
        try:
            dt.datetime.fromisoformat(m["iso"].replace("Z", "+00:00"))
        except ValueError:
            return f"'{text}' is not a valid date and time"
        return None
    return (f"'{text}' is not a time; write HH:MM, HH:MM:SS or an ISO datetime (a leading ~ "
            "marks it approximate)")


def resolve(text: str, day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """An aware datetime for a validated time text on ``day`` in zone ``tz``."""
    m = _CLOCK.match(text)
    if m:
        return dt.datetime(day.year, day.month, day.day, int(m["h"]), int(m["m"]),
                           int(m["s"] or 0), tzinfo=tz)
    m = _ISO.match(text)
    assert m, text
    value = dt.datetime.fromisoformat(m["iso"].replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=tz)


def clock(text: str) -> str:
    """How a time is shown in a table: the time of day as written, or HH:MM of a datetime."""
    m = _CLOCK.match(text)
    if m:
        return text
    m = _ISO.match(text)
    assert m, text
    value = dt.datetime.fromisoformat(m["iso"].replace("Z", "+00:00"))
    return ("~" if m["approx"] else "") + value.strftime("%Y-%m-%d %H:%M")
