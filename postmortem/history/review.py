"""The weekly action-item review: figures and lists asked of the history at one instant."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem.errors import PostmortemError, UsageError
from postmortem.format.vocabulary import rank
from postmortem.history.items import (
    Event,
    History,
    ItemHistory,
    State,
    end_of_day,
    start_of_day,
)
from postmortem.reports.anchors import item_anchor
from postmortem.reports.generated import (
    JSON_MARKER_KEY,
    MARKER_PREFIX,
    Existing,
    body_digest,
    inspect,
    kept_path,
    not_ours,
    put,
)
from postmortem.reports.paths import relative_link, report_path

if TYPE_CHECKING:
    from postmortem.config import Config

TREND_WEEKS = 8
DUE_SOON_DAYS = 7  # due from the review day to the day before the next one
TEMPLATE = "review.md.j2"
GENERATOR = "postmortem review"  # the JSON form's marker, under "generated_by"
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
DASH = "\u2013"  # an en dash: ranges, sub-rows and missing values


# --- Which days a review covers -------------------------------------------------------


def week_label(day: dt.date) -> str:
    """The ISO week ``day`` falls in: ``2025-W43``."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"  # as --week takes it back: 0002-W01


def parse_week(text: str) -> dt.date:
    """The Sunday ending ISO week ``YYYY-Www``."""
    m = _WEEK.match(text.strip())
    if m is None:
        raise UsageError(f"--week '{text}' is not an ISO week; write it as YYYY-Www, "
                         "e.g. 2025-W43")
    try:
        return dt.date.fromisocalendar(int(m[1]), int(m[2]), 7)
    except ValueError:
        raise UsageError(f"--week '{text}': {m[1]} has no week {int(m[2])}") from None


def last_complete_week(now: dt.datetime) -> dt.date:
    """The Sunday ending the last ISO week that is over at ``now`` (a local time)."""
    today = now.date()
    return today - dt.timedelta(days=today.isoweekday())  # on a Sunday: the one before


# --- The plain data of a review ---------------------------------------------------------


@dataclass(frozen=True)
class ItemRef:
    """An action item as a review lists it, with the way to its incident report."""

    incident: str
    id: str
    title: str
    owner: str | None
    priority: str
    status: str
    due: dt.date | None
    # The incident report, relative to the folder the review is written to; None: there is
    # no report (not rendered, or its incident file is gone).
    report: str | None
    anchor: str | None  # None: the report no longer holds the item (dropped since)

    @property
    def link(self) -> str | None:
        """Where the item is now: its row in the report, or None when no report has it."""
        if self.report is None or self.anchor is None:
            return None
        return f"{self.report}#{self.anchor}"

    def to_json(self) -> dict[str, Any]:
        return {"incident": self.incident, "id": self.id, "title": self.title,
                "owner": self.owner, "priority": self.priority, "status": self.status,
                "due": _iso(self.due), "report": self.report, "anchor": self.anchor}


@dataclass(frozen=True)
class OverdueItem:
    item: ItemRef
    days_overdue: int
    slips: int  # times its due date moved later, up to the reporting instant

    def to_json(self) -> dict[str, Any]:
        return {**self.item.to_json(), "days_overdue": self.days_overdue, "slips": self.slips}


@dataclass(frozen=True)
class DueSoonItem:
    item: ItemRef
    days_left: int  # 0: due on the reporting day itself

    def to_json(self) -> dict[str, Any]:
        return {**self.item.to_json(), "days_left": self.days_left}


@dataclass(frozen=True)
class ChangeItem:
    """An item and the commit that opened, closed or removed it in the period."""

    item: ItemRef
    date: dt.date
    commit: str
    author: str
    late: bool | None = None  # closed items only: after the due date as it stood then

    def to_json(self) -> dict[str, Any]:
        data = {**self.item.to_json(), "date": self.date.isoformat(), "commit": self.commit,
                "author": self.author}
        if self.late is not None:
            data["late"] = self.late
        return data


@dataclass(frozen=True)
class SlipItem:
    item: ItemRef
    date: dt.date
    old_due: dt.date
    new_due: dt.date
    commit: str
    author: str
    slips: int

    def to_json(self) -> dict[str, Any]:
        return {**self.item.to_json(), "date": self.date.isoformat(), "from": _iso(self.old_due),
                "to": _iso(self.new_due), "commit": self.commit, "author": self.author,
                "slips": self.slips}


@dataclass(frozen=True)
class OwnerLine:
    owner: str | None
    open: int
    overdue: int
    oldest: ItemRef
    oldest_opened: dt.date | None  # None: before the start of a shallow history

    def to_json(self) -> dict[str, Any]:
        return {"owner": self.owner, "open": self.open, "overdue": self.overdue,
                "oldest": {**self.oldest.to_json(), "opened": _iso(self.oldest_opened)}}


@dataclass(frozen=True)
class TrendPoint:
    week: str
    date: dt.date
    open: int
    overdue: int

    def to_json(self) -> dict[str, Any]:
        return {"week": self.week, "date": self.date.isoformat(), "open": self.open,
                "overdue": self.overdue}


@dataclass(frozen=True)
class Totals:
    open: int
    overdue: int
    closed: int
    closed_on_time: int
    closed_late: int
    opened: int
    slipped: int
    dropped: int


TOTAL_KEYS = ("open", "overdue", "closed", "closed_on_time", "closed_late", "opened",
              "slipped", "dropped")


@dataclass
class WeekLists:
    """The items a review lists for its week."""

    overdue: list[OverdueItem]
    due_soon: list[DueSoonItem]
    closed: list[ChangeItem]
    opened: list[ChangeItem]
    slipped: list[SlipItem]
    dropped: list[ChangeItem]


@dataclass
class Review(WeekLists):
    week: str  # the ISO week of the reporting day
    as_of: dt.date  # the reporting instant is the end of this day
    start: dt.date  # first day of the seven the review covers
    timezone: str
    totals: Totals
    previous: Totals  # the same figures seven days earlier
    owners: list[OwnerLine]
    trend: list[TrendPoint]  # oldest first, the last point is the reporting day

    @property
    def whole_week(self) -> bool:
        """The review covers one ISO week (Monday to Sunday)."""
        return self.as_of.isoweekday() == 7


# --- Asking the history ------------------------------------------------------------------


class _Window:
    """Seven days ending with ``day``, as instants in the configured zone."""

    def __init__(self, day: dt.date, tz: dt.tzinfo) -> None:
        self.day = day
        self.start = start_of_day(day - dt.timedelta(days=6), tz)
        self.end = end_of_day(day, tz)

    def __contains__(self, event: Event) -> bool:
        return self.start <= event.date <= self.end


@dataclass
class _Week(WeekLists):
    """What one window shows; the headline figures are counted from these same lists."""

    open: list[tuple[ItemHistory, State]]

    @property
    def totals(self) -> Totals:
        late = sum(1 for c in self.closed if c.late)
        return Totals(open=len(self.open), overdue=len(self.overdue), closed=len(self.closed),
                      closed_on_time=len(self.closed) - late, closed_late=late,
                      opened=len(self.opened), slipped=len(self.slipped),
                      dropped=len(self.dropped))


def _collect(items: list[ItemHistory], window: _Window,
             ref: Callable[[ItemHistory, State], ItemRef]) -> _Week:
    day = window.day
    week = _Week([], [], [], [], [], [], open=[])

    def change(item: ItemHistory, event: Event, late: bool | None = None) -> ChangeItem:
        state = item.shown_state(event)
        assert state is not None  # an item is in its file when it is opened
        return ChangeItem(item=ref(item, state), date=event.date.date(),
                          commit=event.commit.sha, author=event.commit.author, late=late)

    for item in items:
        state = item.state_at(window.end)
        if state is not None and state.is_open:
            week.open.append((item, state))
            if state.overdue_on(day):
                week.overdue.append(OverdueItem(ref(item, state), state.days_overdue(day),
                                                item.slips_until(window.end)))
            elif state.due is not None and state.due < day + dt.timedelta(DUE_SOON_DAYS):
                week.due_soon.append(DueSoonItem(ref(item, state), (state.due - day).days))
        # Closed as the item stood at the end of the window: a close that was undone
        # (reopened) within it does not count, and a later close counts in its own week.
        known = item.until(window.end)
        closing = known.closed_event if known is not None else None
        if known is not None and closing is not None and closing in window:
            week.closed.append(change(item, closing, late=bool(known.closed_late)))
        first = item.opened_event
        if first is not None and first in window:
            week.opened.append(change(item, first))
        for count, event in enumerate(item.slip_events, 1):  # its count: slips up to it
            if event in window:
                shown = item.shown_state(event)
                assert shown is not None
                week.slipped.append(SlipItem(
                    item=ref(item, shown), date=event.date.date(), old_due=event.old,
                    new_due=event.new, commit=event.commit.sha, author=event.commit.author,
                    slips=count))
        # Dropped as the item stood at the end of the window, as closes: a drop undone
        # (the item or its file restored) within it does not count.
        if known is not None and known.latest.is_dropped:
            drop = known.dropped_events[-1]
            if drop in window:
                week.dropped.append(change(item, drop))

    def by_priority(r: ItemRef) -> tuple[int, dt.date, str, str]:
        return (rank(r.priority), r.due or dt.date.max, r.incident, r.id)

    week.overdue.sort(key=lambda o: (-o.days_overdue, *by_priority(o.item)))
    week.due_soon.sort(key=lambda d: (d.days_left, *by_priority(d.item)))
    for changes in (week.closed, week.opened, week.dropped):
        changes.sort(key=lambda c: (c.date, c.item.incident, c.item.id))
    week.slipped.sort(key=lambda s: (s.date, s.item.incident, s.item.id, s.slips))
    return week


def build_review(history: History, config: Config, as_of: dt.date, *,
                 links_from: Path) -> Review:
    """The review at the end of ``as_of``; links are relative to the folder ``links_from``."""
    from postmortem.format.times import zone

    tz = zone(config.timezone)
    assert tz is not None, config.timezone  # load_config validated it
    items = sorted(history.items.values(), key=lambda i: (i.incident, i.id))
    # incident file -> its report's link, once for its thousands of items
    reports: dict[str, str | None] = {}

    def ref(item: ItemHistory, state: State) -> ItemRef:
        if item.path not in reports:
            target = report_path(config, item.path)
            # A link must lead somewhere: only to a report that is there.
            reports[item.path] = relative_link(f"{links_from}/", str(target)) \
                if target.is_file() else None
        report = reports[item.path]
        return ItemRef(incident=item.incident, id=item.id, title=state.title, owner=state.owner,
                       priority=state.priority, status=state.status, due=state.due,
                       report=report,
                       # Reports show the files as they are now: an item removed since has
                       # no row there, and a link to its anchor would lead nowhere.
                       anchor=item_anchor(item.id) if item.latest.present else None)

    now = _collect(items, _Window(as_of, tz), ref)
    before = _collect(items, _Window(as_of - dt.timedelta(days=7), tz), ref)
    trend = []
    for weeks_back in range(TREND_WEEKS - 1, -1, -1):
        day = as_of - dt.timedelta(days=7 * weeks_back)
        instant = end_of_day(day, tz)
        states = [item.state_at(instant) for item in items]
        trend.append(TrendPoint(week=week_label(day), date=day,
                                open=sum(1 for s in states if s is not None and s.is_open),
                                overdue=sum(1 for s in states
                                            if s is not None and s.overdue_on(day))))
    lists = {f.name: getattr(now, f.name) for f in dataclasses.fields(WeekLists)}
    return Review(**lists, week=week_label(as_of), as_of=as_of,
                  start=as_of - dt.timedelta(days=6), timezone=config.timezone,
                  totals=now.totals, previous=before.totals,
                  owners=_owners(now.open, as_of, ref), trend=trend)


def _owners(open_items: list[tuple[ItemHistory, State]], as_of: dt.date,
            ref: Callable[[ItemHistory, State], ItemRef]) -> list[OwnerLine]:
    # One line per owner however the files spell the name ("Ann", "ann"), as `actions
    # --owner` matches it; shown as most items spell it.
    groups: dict[str | None, list[tuple[ItemHistory, State]]] = {}
    for item, state in open_items:
        key = state.owner.casefold() if state.owner is not None else None
        groups.setdefault(key, []).append((item, state))
    lines = []
    for group in groups.values():
        spellings = Counter(s.owner for _, s in group)
        owner = min(spellings, key=lambda o: (-spellings[o], o or ""))
        # An item opened before a shallow history begins is older than any known one.
        item, state = min(group, key=lambda p: (p[0].opened or dt.date.min, p[0].incident,
                                                p[0].id))
        lines.append(OwnerLine(owner=owner, open=len(group),
                               overdue=sum(1 for _, s in group if s.overdue_on(as_of)),
                               oldest=ref(item, state), oldest_opened=item.opened))
    lines.sort(key=lambda o: (-o.overdue, -o.open, o.owner is None, (o.owner or "").casefold(),
                              o.owner or ""))
    return lines


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


# --- JSON and Markdown ---------------------------------------------------------------------


def to_json(review: Review) -> str:
    """The review as JSON: sorted keys, lists in the order of the Markdown, one trailing newline."""
    totals = {key: {"current": getattr(review.totals, key),
                    "previous": getattr(review.previous, key),
                    "change": getattr(review.totals, key) - getattr(review.previous, key)}
              for key in TOTAL_KEYS}
    data = {
        JSON_MARKER_KEY: GENERATOR,
        "week": review.week,
        "as_of": review.as_of.isoformat(),
        "period": {"start": review.start.isoformat(), "end": review.as_of.isoformat()},
        "timezone": review.timezone,
        "totals": totals,
        "overdue": [o.to_json() for o in review.overdue],
        "due_soon": [d.to_json() for d in review.due_soon],
        "closed": [c.to_json() for c in review.closed],
        "opened": [c.to_json() for c in review.opened],
        "slipped": [s.to_json() for s in review.slipped],
        "dropped": [c.to_json() for c in review.dropped],
        "owners": [o.to_json() for o in review.owners],
        "trend": [t.to_json() for t in review.trend],
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- Writing and recording -------------------------------------------------------------------


def write_generated(path: Path, text: str, config: Config, *, force: bool = False,
                    hint: str = "move it away or write the review elsewhere") -> bool:
    """Write ``text`` atomically unless the file already holds it; False when unchanged.

    A file that exists without the generated marker is never replaced; one edited by hand
    only with ``force``, and then the edit is kept beside it.
    """
    rel = config.rel(path)
    existing = inspect(path)
    action, _ = put(path, text, check=False, existing=existing, shown=rel, force=force)
    if action == "not-ours":
        assert existing is not None
        raise PostmortemError(f"{rel}: not overwriting it: {not_ours(existing)}", hint=hint)
    if action == "edited":
        assert existing is not None
        raise PostmortemError(
            f"{rel}: edited by hand since postmortem wrote it; not overwriting it",
            hint=f"keep your notes in another file, or run again with --force, which keeps "
                 f"this version as {config.rel(kept_path(path, existing))}")
    return action != "unchanged"


def review_marker(body: str) -> str:
    """The first line of a review in Markdown; the digest of the body tells a hand edit."""
    return (f"{MARKER_PREFIX} review: `postmortem review` rewrites this file, keep notes "
            f"elsewhere. body:{body_digest(body)} -->")


@dataclass(frozen=True)
class Recorded:
    path: Path
    commit: str | None  # None: the committed review already had this content


def record_review(config: Config, week: str, text: str, *, force: bool = False) -> Recorded:
    """Write ``reviews/<week>.md`` and commit that one file, unless nothing changed.

    Refuses, changing nothing, while other changes are staged or the commit would not land
    on a branch (a detached HEAD, a rebase, merge, cherry-pick or bisect under way). When git
    refuses the commit (a hook, say), the file is put back as it was.
    """
    from postmortem.history.git import Repository

    path = config.reviews_dir / f"{week}.md"
    with Repository(config.root) as repo:
        unfinished = repo.unfinished()
        if unfinished is not None:
            raise PostmortemError(f"{unfinished}; the review was not written or committed",
                                  hint="finish it (or abort it) and check out a branch, then "
                                       "run it again; or write the review with --output")
        others = sorted(config.rel(p) for p in repo.staged_files()
                        if p.resolve() != path.resolve())
        if others:
            shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more"
                                             if len(others) > 5 else "")
            raise PostmortemError(f"other changes are staged ({shown}); nothing was written "
                                  "or committed",
                                  hint="commit them first, or unstage them with "
                                       "'git restore --staged <file>'")
        before = inspect(path)
        write_generated(path, text, config, force=force,
                        hint="move it away or set reviews_dir to another folder")
        if repo.committed_text(path) == text:
            return Recorded(path, None)
        try:
            return Recorded(path, repo.commit_file(path, f"Action-item review {week}"))
        except PostmortemError:
            _put_back(path, before, config)
            raise


def _put_back(path: Path, before: Existing | None, config: Config) -> None:
    """The review file as it was before a commit that failed: gone, or its old bytes."""
    from postmortem.atomic import remove, write_bytes_atomic

    if before is None:
        remove(path, config.rel(path))
    else:
        write_bytes_atomic(path, before.raw, name=config.rel(path))
