"""Options the commands share, and their values parsed into the tool's own messages."""

from __future__ import annotations

import datetime as dt

import click

from postmortem.errors import UsageError

# `check`, `render`, and the commands that read the history: one option, one meaning.
jobs_option = click.option(
    "-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
    help="Worker processes (default: the jobs setting, else the CPUs this process may use; "
         "1: all in this one). Small jobs are done in one process anyway.")

# Days a command may ask about: reviews look back eight weeks and ahead a week, so the
# calendar's first and last year stay out of reach (date arithmetic would overflow there).
FIRST_DAY = dt.date(2, 1, 1)
LAST_DAY = dt.date(9998, 12, 31)


def in_range(day: dt.date, option: str, text: str) -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError(f"{option} '{text}' is out of range; give a day from "
                         f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}")
    return day


def parse_day(text: str | None, option: str = "--as-of") -> dt.date | None:
    """``YYYY-MM-DD`` as a date, or a usage error in the tool's words."""
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text.strip()) if len(text.strip()) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise UsageError(f"{option} '{text}' is not a date; write it as YYYY-MM-DD, "
                         "e.g. 2025-10-20")
    return in_range(day, option, text)


def days_after(day: dt.date, days: int, option: str) -> int:
    """``days`` when ``day`` plus that many days is still a day a command can ask about."""
    if (LAST_DAY - day).days < days:
        raise UsageError(f"{option} {days} reaches past {LAST_DAY.isoformat()}; give fewer "
                         "days")
    return days
