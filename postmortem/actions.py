"""Action items through time: plain data built from git history, and questions asked of it.

``postmortem.history`` (the only module that talks to git) produces these objects; the
``actions`` and ``review`` commands only ask them questions. All datetimes are aware.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
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
        """Its state in the last commit at or before ``instant`` (None: not yet opened).

        "Last" in history order: committer dates are usually ascending along the first-parent
        line, but clock skew and rebases can break that, and bisecting would then mislead.
        """
        for state in reversed(self.states):
            if state.commit.date <= instant:
                return state
        return None

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


def display_status(state: State) -> str:
    """The status shown for a state: ``dropped`` once an open item has left its file."""
    return state.status if state.present or state.status in CLOSED else "dropped"


# --- `postmortem actions`: the items as they stood on one day ----------------------------

# Choices of --status besides the item statuses themselves.
STATUS_GROUPS = {"open": ("todo", "in_progress", "blocked"), "closed": CLOSED,
                 "dropped": ("dropped",)}
ITEM_STATUSES = ("todo", "in_progress", "blocked", "done", "wontfix")


@dataclass(frozen=True)
class ItemReport:
    """One item at the end of ``day``: its state then and its history up to then."""

    item: ItemHistory  # events and states after the day are left out
    state: State
    day: dt.date

    @property
    def status(self) -> str:
        return display_status(self.state)

    @property
    def overdue(self) -> bool:
        return self.state.is_open and self.state.due is not None and self.state.due < self.day

    @property
    def days_overdue(self) -> int:
        return (self.day - self.state.due).days if self.overdue and self.state.due else 0

    def sort_key(self) -> tuple[int, int, dt.date, str, str]:
        """Most days overdue first, then priority (critical first), then due date."""
        return (-self.days_overdue, PRIORITY_ORDER.get(self.state.priority, len(PRIORITY_ORDER)),
                self.state.due or dt.date.max, self.item.incident, self.item.id)

    def to_json(self) -> dict[str, Any]:
        item, state = self.item, self.state

        def iso(value: dt.date | None) -> str | None:
            return value.isoformat() if value else None

        return {"incident": item.incident, "id": item.id, "title": state.title,
                "owner": state.owner, "priority": state.priority, "status": self.status,
                "due": iso(state.due), "overdue": self.overdue,
                "days_overdue": self.days_overdue, "opened": iso(item.opened),
                "closed": iso(item.closed), "closed_late": item.closed_late,
                "slips": item.slips, "days_slipped": item.days_slipped, "file": item.path,
                "events": [e.to_json() for e in item.events]}


def report_on(item: ItemHistory, day: dt.date, tz: dt.tzinfo) -> ItemReport | None:
    """``item`` at the end of ``day`` (None: it was not opened yet)."""
    return _report_at(item, day, end_of_day(day, tz))


def _report_at(item: ItemHistory, day: dt.date, instant: dt.datetime) -> ItemReport | None:
    known = item.until(instant)
    return ItemReport(known, known.latest, day) if known else None


def select(history: History, day: dt.date, tz: dt.tzinfo, *, owners: Sequence[str] = (),
           incidents: Sequence[str] = (), statuses: Sequence[str] = (),
           overdue: bool = False, due_within: int | None = None) -> list[ItemReport]:
    """The items opened by the end of ``day`` that pass every filter given, sorted.

    ``statuses`` take item statuses and the groups open, closed and dropped. ``overdue``
    keeps items overdue on ``day``; ``due_within`` keeps open items due from ``day`` to
    ``due_within`` days after it; given both, an item passes when it is either.
    """
    wanted = {s for name in statuses for s in STATUS_GROUPS.get(name, (name,))}
    owner_set = {o.casefold() for o in owners}
    horizon = day + dt.timedelta(days=due_within) if due_within is not None else None
    instant = end_of_day(day, tz)
    out = []
    for item in history.items.values():
        if incidents and item.incident not in incidents:
            continue
        state = item.state_at(instant)
        if state is None:
            continue
        if owner_set and (state.owner or "").casefold() not in owner_set:
            continue
        if wanted and display_status(state) not in wanted:
            continue
        if overdue or horizon is not None:
            due = state.due
            late = overdue and state.is_open and due is not None and due < day
            upcoming = (horizon is not None and state.is_open and due is not None
                        and day <= due <= horizon)
            if not (late or upcoming):
                continue
        report = _report_at(item, day, instant)
        assert report is not None  # it has a state at the instant
        out.append(report)
    out.sort(key=ItemReport.sort_key)
    return out


def format_table(reports: Sequence[ItemReport], *, title_width: int = 60) -> str:
    """The reports as an aligned text table (one header line, one line per item)."""
    header = ("ITEM", "PRIORITY", "STATUS", "DUE", "OVERDUE", "SLIPS", "OWNER", "TITLE")
    rows = [header]
    for r in reports:
        state = r.state
        rows.append((r.item.ref, state.priority, r.status,
                     state.due.isoformat() if state.due else "-",
                     f"{r.days_overdue} d" if r.overdue else "-", str(r.item.slips),
                     state.owner or "-", _clip(state.title, title_width)))
    return "".join(_aligned(rows))


def format_item(report: ItemReport) -> str:
    """One item's state and full history, as text."""
    item, state = report.item, report.state
    closed = item.closed
    status = report.status
    if closed:
        status += f" (closed {closed.isoformat()}{', late' if item.closed_late else ''})"
    due = state.due.isoformat() if state.due else "-"
    if report.overdue:
        due += f" ({report.days_overdue} days overdue)"
    if item.slips:
        due += (f"; slipped {item.slips} time{'s' * (item.slips != 1)}, "
                f"{item.days_slipped} days in all")
    opened = item.opened.isoformat() if item.opened else "unknown (before a shallow history)"
    lines = [f"{item.ref}: {state.title}",
             f"  status    {status}", f"  owner     {state.owner or '-'}",
             f"  priority  {state.priority}", f"  due       {due}", f"  opened    {opened}",
             f"  file      {item.path}", f"  as of     {report.day.isoformat()}", ""]
    rows = [("DATE", "EVENT", "CHANGE", "COMMIT", "AUTHOR")]
    for event in item.events:
        rows.append((event.date.strftime("%Y-%m-%d %H:%M"), event.kind, _change(event),
                     event.commit.sha[:10], event.commit.author))
    return "\n".join(lines) + "\n" + "".join(_aligned(rows, indent="  "))


def _aligned(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Lines of columns padded to their widest cell; the last column is not padded."""
    widths = [max(map(len, column)) for column in list(zip(*rows, strict=True))[:-1]]
    return [indent + "  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)),
                                row[-1]]).rstrip() + "\n" for row in rows]


def _change(event: Event) -> str:
    def text(value: Any) -> str:
        if value is None:
            return "-"
        return value.isoformat() if isinstance(value, dt.date) else str(value)

    if event.kind in ("opened", "restored"):
        return text(event.new)
    if event.kind == "dropped":
        return f"was {text(event.old)}"
    change = f"{text(event.old)} → {text(event.new)}"
    if event.kind == "due" and isinstance(event.old, dt.date) and isinstance(event.new,
                                                                             dt.date):
        days = (event.new - event.old).days
        change += f" ({'+' if days > 0 else ''}{days} d)"
    return change


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """The last instant of ``day`` in ``tz``: events at 23:59:59.999 still count for it."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start_next - dt.timedelta(microseconds=1)
