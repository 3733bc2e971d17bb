"""Action items through time: plain data built from git history, and questions asked of it.

``postmortem.history`` (the only module that talks to git) produces these objects; the
``actions`` and ``review`` commands only ask them questions. All datetimes are aware.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal["opened", "status", "due", "owner", "dropped", "restored"]
CLOSED = ("done", "wontfix")
PRIORITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    date: dt.datetime  # committer date, in the configured zone


@dataclass(frozen=True)
class Event:
    kind: EventKind
    commit: Commit
    old: Any = None  # "from" in JSON
    new: Any = None  # "to" in JSON

    @property
    def date(self) -> dt.datetime:
        return self.commit.date

    def to_json(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            return v.isoformat() if isinstance(v, dt.date) else v

        return {"kind": self.kind, "date": self.date.isoformat(), "commit": self.commit.sha,
                "author": self.commit.author, "from": plain(self.old), "to": plain(self.new)}


@dataclass(frozen=True)
class State:
    """An item as one commit left it; ``present`` is False once it vanished from the file."""

    commit: Commit
    present: bool
    title: str = ""
    owner: str | None = None
    priority: str = "medium"
    status: str = "todo"
    due: dt.date | None = None

    @property
    def is_open(self) -> bool:
        return self.present and self.status not in CLOSED


@dataclass
class ItemHistory:
    """One action item, keyed by (incident id, item id); the incident id is the latest one."""

    incident: str
    id: str
    path: str  # the incident file as of the last commit that had it
    states: list[State] = field(default_factory=list)  # one per commit that changed it
    events: list[Event] = field(default_factory=list)
    opened_known: bool = True  # False when a shallow clone hides where it was opened

    def state_at(self, instant: dt.datetime) -> State | None:
        """Its state in the last commit at or before ``instant`` (None: not yet opened)."""
        dates = [s.commit.date for s in self.states]
        i = bisect.bisect_right(dates, instant)
        return self.states[i - 1] if i else None

    def state_on(self, day: dt.date, tz: dt.tzinfo) -> State | None:
        """Its state at the end of ``day`` in zone ``tz``."""
        return self.state_at(end_of_day(day, tz))

    def overdue_on(self, day: dt.date, tz: dt.tzinfo) -> bool:
        state = self.state_on(day, tz)
        return bool(state and state.is_open and state.due is not None and state.due < day)

    @property
    def latest(self) -> State:
        return self.states[-1]

    @property
    def opened(self) -> dt.date | None:
        if not self.opened_known:
            return None
        first = next((e for e in self.events if e.kind == "opened"), None)
        return first.date.date() if first else None

    @property
    def closed_event(self) -> Event | None:
        """The first time it reached done or wontfix."""
        return next((e for e in self.events if e.kind == "status" and e.new in CLOSED
                     and e.old not in CLOSED), None) or next(
            (e for e in self.events if e.kind == "opened" and e.new in CLOSED), None)

    @property
    def closed(self) -> dt.date | None:
        event = self.closed_event
        return event.date.date() if event else None

    @property
    def closed_late(self) -> bool | None:
        """Closed after its due date as the due date stood then."""
        event = self.closed_event
        if event is None:
            return None
        state = self.state_at(event.date)
        due = state.due if state else None
        return due is not None and event.date.date() > due

    @property
    def slip_events(self) -> list[Event]:
        return [e for e in self.events
                if e.kind == "due" and e.old is not None and e.new is not None and e.new > e.old]

    @property
    def slips(self) -> int:
        return len(self.slip_events)

    @property
    def days_slipped(self) -> int:
        return sum((e.new - e.old).days for e in self.slip_events)


@dataclass
class History:
    items: dict[tuple[str, str], ItemHistory]
    warnings: list[str] = field(default_factory=list)
    shallow_since: dt.datetime | None = None  # history starts here in a shallow clone


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The last instant of ``day`` in ``tz``: events at 23:59:59.999 still count for it."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start_next - dt.timedelta(microseconds=1)
