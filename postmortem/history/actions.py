"""`postmortem actions`: the action items as they stood on one day, as a table or one item."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from postmortem.errors import PostmortemError, UsageError
from postmortem.format.vocabulary import CLOSED_ITEM_STATES, OPEN_ITEM_STATES, rank
from postmortem.history.items import Event, History, ItemHistory, State, end_of_day
from postmortem.reports.anchors import item_anchor
from postmortem.text import clip, visible

# Choices of --status besides the item statuses themselves.
STATUS_GROUPS: dict[str, tuple[str, ...]] = {
    "open": OPEN_ITEM_STATES, "closed": CLOSED_ITEM_STATES, "dropped": ("dropped",)}


@dataclass(frozen=True)
class ItemReport:
    """One item at the end of ``day``: its state then and its history up to then."""

    item: ItemHistory  # events and states after the day are left out
    state: State
    day: dt.date

    @property
    def status(self) -> str:
        return self.state.shown_status

    @property
    def overdue(self) -> bool:
        return self.state.overdue_on(self.day)

    @property
    def days_overdue(self) -> int:
        return self.state.days_overdue(self.day)

    def sort_key(self) -> tuple[int, int, dt.date, str, str]:
        """Most days overdue first, then priority (critical first), then due date."""
        return (-self.days_overdue, rank(self.state.priority), self.state.due or dt.date.max,
                self.item.incident, self.item.id)

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


def parse_ref(ref: str) -> tuple[str, str]:
    """``INCIDENT#ID`` -> (incident id, item id)."""
    if "#" not in ref:
        raise UsageError(f"'{ref}' does not name an action item; write INCIDENT#ID, "
                         "e.g. 2025-10-01-cache#AI-1")
    incident, _, ident = ref.partition("#")
    return incident, ident


def find_item(history: History, ref: str, *, where: str) -> ItemHistory:
    """The item named ``INCIDENT#ID``; the error says what there is instead."""
    incident, ident = parse_ref(ref)
    item = history.items.get((incident, ident))
    if item is not None:
        return item
    # The id as the report's anchor spells it (ai-2), or in another case.
    for (known, _), candidate in history.items.items():
        if known == incident and ident.casefold() in (candidate.id.casefold(),
                                                      item_anchor(candidate.id)):
            return candidate
    ids = [i.id for i in history.items.values() if i.incident == incident]
    names = sorted({i.incident for i in history.items.values()})
    close = difflib.get_close_matches(incident, names, n=1, cutoff=0.6)
    hint = (f"{incident} has {', '.join(ids)}" if ids
            else f"did you mean '{close[0]}#{ident}'?" if close
            else "`postmortem actions` lists them all")
    raise PostmortemError(f"no action item '{ref}' in the history of {where}", hint=hint)


def check_incidents(history: History, incidents: Sequence[str], *, where: str) -> None:
    """Each of ``incidents`` (of --incident) is an incident with action items in history."""
    names = sorted({i.incident for i in history.items.values()})
    for incident in incidents:
        if incident not in names:
            close = difflib.get_close_matches(incident, names, n=1, cutoff=0.6)
            raise PostmortemError(
                f"no incident '{incident}' with action items in the history of {where}",
                hint=f"did you mean '{close[0]}'?" if close
                else "`postmortem actions` lists every item with its incident")


def item_on(history: History, ref: str, day: dt.date, tz: dt.tzinfo, *,
            where: str) -> ItemReport:
    """The item named ``INCIDENT#ID`` as it stood at the end of ``day``."""
    report = report_on(find_item(history, ref, where=where), day, tz)
    if report is None:
        raise PostmortemError(f"action item '{ref}' was not opened yet on {day.isoformat()}",
                              hint="give a later --as-of date")
    return report


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
        if wanted and state.shown_status not in wanted:
            continue
        if (overdue or horizon is not None) and not (
                (overdue and state.overdue_on(day))
                or (horizon is not None and state.due_within(day, horizon))):
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
                     state.owner or "-", clip(state.title, title_width)))
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
    lines = [visible(f"{item.ref}: {state.title}"),
             f"  status    {visible(status)}", f"  owner     {visible(state.owner or '-')}",
             f"  priority  {visible(state.priority)}", f"  due       {due}",
             f"  opened    {opened}", f"  file      {visible(item.path)}",
             f"  as of     {report.day.isoformat()}", ""]
    rows = [("DATE", "EVENT", "CHANGE", "COMMIT", "AUTHOR")]
    for event in item.events:
        rows.append((event.date.strftime("%Y-%m-%d %H:%M"), event.kind, _change(event),
                     event.commit.sha[:10], event.commit.author))
    return "\n".join(lines) + "\n" + "".join(_aligned(rows, indent="  "))


def _aligned(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Lines of columns padded to their widest cell; the last column is not padded. What
    the history holds (titles, owners, authors of any old version) is shown, not obeyed:
    control characters appear as escapes."""
    rows = [[visible(cell) for cell in row] for row in rows]
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
