"""Action items through time, and the one vocabulary of their state.

The replay (``history.replay``) builds these objects from commits; ``actions`` and
``review`` only ask them questions: open, overdue, closed (late), opened, dropped are
decided here and nowhere else. All datetimes are aware.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from postmortem.format.vocabulary import CLOSED_ITEM_STATES

EventKind = Literal["opened", "status", "due", "owner", "dropped", "restored"]


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
        """In its file and neither done nor wontfix."""
        return self.present and self.status not in CLOSED_ITEM_STATES

    @property
    def is_dropped(self) -> bool:
        """Removed from its file while it was still open."""
        return not self.present and self.status not in CLOSED_ITEM_STATES

    @property
    def shown_status(self) -> str:
        """The status as reports show it: ``dropped`` once an open item has left its file."""
        return "dropped" if self.is_dropped else self.status

    def overdue_on(self, day: dt.date) -> bool:
        """Open with a due date before ``day``."""
        return self.is_open and self.due is not None and self.due < day

    def days_overdue(self, day: dt.date) -> int:
        return (day - self.due).days if self.overdue_on(day) and self.due else 0

    def due_within(self, day: dt.date, horizon: dt.date) -> bool:
        """Open and due from ``day`` to ``horizon`` (both included)."""
        return self.is_open and self.due is not None and day <= self.due <= horizon


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
        """Its state in the last commit at or before ``instant`` (None: not yet opened).

        "Last" in history order: committer dates are usually ascending along the first-parent
        line, but clock skew and rebases can break that, and bisecting would then mislead.
        """
        for state in reversed(self.states):
            if state.commit.date <= instant:
                return state
        return None

    @property
    def latest(self) -> State:
        return self.states[-1]

    @property
    def opened_event(self) -> Event | None:
        """The commit that added it (None where a shallow clone hides it)."""
        if not self.opened_known:
            return None
        return next((e for e in self.events if e.kind == "opened"), None)

    @property
    def opened(self) -> dt.date | None:
        return _day(self.opened_event)

    @property
    def closed_event(self) -> Event | None:
        """The commit that closed it, as things stand: the last time it reached done or
        wontfix, None while it is open again (reopened after it was closed)."""
        closing: Event | None = None
        for e in self.events:
            if e.kind == "opened":  # a restore records its change of status apart
                closing = e if e.new in CLOSED_ITEM_STATES else None
            elif e.kind == "status":
                if e.new not in CLOSED_ITEM_STATES:
                    closing = None  # reopened
                elif e.old not in CLOSED_ITEM_STATES:
                    closing = e
        return closing

    @property
    def closed(self) -> dt.date | None:
        return _day(self.closed_event)

    @property
    def closed_late(self) -> bool | None:
        """Closed after its due date as the due date stood then.

        That is the due date in the closing commit, or the last one before it when the
        closing commit removed it.
        """
        event = self.closed_event
        if event is None:
            return None
        due = None
        for state in self.states:
            if state.due is not None:
                due = state.due
            if state.commit.sha == event.commit.sha:
                break
        return due is not None and event.date.date() > due

    def until(self, instant: dt.datetime) -> ItemHistory | None:
        """The item as known at ``instant``: later commits left out (None: not opened yet)."""
        if all(s.commit.date <= instant for s in self.states) and self.states:
            return self  # nothing after the instant (events come with states): the usual case
        states = [s for s in self.states if s.commit.date <= instant]
        if not states:
            return None
        return dataclasses.replace(self, states=states,
                                   events=[e for e in self.events if e.date <= instant])

    @property
    def ref(self) -> str:
        """How the command line names it: ``INCIDENT#ID``."""
        return f"{self.incident}#{self.id}"

    @property
    def dropped_events(self) -> list[Event]:
        return [e for e in self.events if e.kind == "dropped"]

    def shown_state(self, event: Event) -> State | None:
        """The item as its file showed it at ``event``: the state the event's commit left,
        or the last one in its file before it (a drop). Found by the commit, not by date:
        two commits in the hour a clock repeats (DST) compare in the wrong order."""
        shown = None
        for state in self.states:
            if state.present:
                shown = state
            if state.commit.sha == event.commit.sha:
                break
        return shown

    def slips_until(self, instant: dt.datetime) -> int:
        return sum(1 for e in self.slip_events if e.date <= instant)

    @property
    def slip_events(self) -> list[Event]:
        """Each change of the due date to a later one than the last date it had: a date
        that goes by way of `unknown` or no date to a later one slipped all the same (the
        event then says from the last date)."""
        slips, last = [], self.states[0].due if self.states else None
        for e in self.events:
            if e.kind != "due" or e.new is None:
                continue
            if last is not None and e.new > last:
                slips.append(e if e.old == last else dataclasses.replace(e, old=last))
            last = e.new
        return slips

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


def _day(event: Event | None) -> dt.date | None:
    return event.date.date() if event else None


def start_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The last instant of ``day`` in ``tz``: events at 23:59:59.999 still count for it."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start_next - dt.timedelta(microseconds=1)
