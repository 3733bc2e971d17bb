"""Open follow-ups: the action items of earlier incidents of a failure class, still open.

When a failure class comes back, the report lists the earlier incidents' open action items
(the most overdue first) and `check` says so (X005). A failure class that recurs a thousand
times with items left open would make that a thousand items for each of a thousand
incidents: so each incident gets the first few in that order and the number of all,
from running sums and short lists built in one pass over the incidents by start.

The order does not depend on the later incident: the most overdue on its date are those
due first, and then those not yet due, the soonest first; items without a due date last.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from postmortem.format.vocabulary import UNKNOWN
from postmortem.reports.summary import Summary

# How many follow-ups a report lists, and a finding names, by title.
SHOWN = 10

# (due or "9999-99-99", incident, item id): the order of follow-ups; and the item itself.
_Key = tuple[str, str, str]
_Item = tuple[_Key, tuple[str, str, "str | None", "str | None"]]


@dataclass(frozen=True)
class FollowUp:
    """An action item of an earlier incident of a failure class, open on a later one's date."""

    incident: str
    id: str
    title: str
    owner: str | None
    due: dt.date | None
    days_overdue: int  # on the later incident's date; 0 when not due yet


@dataclass
class _Class:
    """The incidents of one failure class (or of one set of classes) with open items, by
    start: running totals of their open items and the first SHOWN of them so far."""

    starts: list[str]
    totals: list[int]  # totals[j]: open items of the first j incidents
    firsts: list[list[_Item]]  # firsts[j]: the first SHOWN of those, in order

    @classmethod
    def of(cls, members: Sequence[Summary]) -> _Class:
        starts: list[str] = []
        totals = [0]
        firsts: list[list[_Item]] = [[]]
        for member in members:
            starts.append(member.started)
            totals.append(totals[-1] + len(member.open_items))
            firsts.append(heapq.nsmallest(SHOWN, [*firsts[-1], *_items(member)], key=_order))
        return cls(starts, totals, firsts)

    def before(self, started: str) -> tuple[int, list[_Item]]:
        """Open items of the incidents that started before ``started``: how many, the first."""
        j = bisect.bisect_left(self.starts, started)
        return self.totals[j], self.firsts[j]


class FollowUps:
    """The open follow-ups of every incident, from the summaries of all."""

    def __init__(self, summaries: Iterable[Summary]) -> None:
        owing = sorted((s for s in summaries if s.open_items), key=lambda s: (s.started, s.id))
        by_class: dict[str, list[Summary]] = {}
        by_set: dict[tuple[str, ...], list[Summary]] = {}
        for s in owing:
            for category in s.categories:
                by_class.setdefault(category, []).append(s)
            if len(s.categories) > 1:
                by_set.setdefault(s.categories, []).append(s)
        self._classes = {c: _Class.of(members) for c, members in by_class.items()}
        # Incidents of several classes are counted once per class they share with a later
        # one: their sets, to take the extra counts off again.
        self._sets = {key: _Class.of(members) for key, members in by_set.items()}
        self._sets_of: dict[str, list[tuple[str, ...]]] = {}
        for key in self._sets:
            for category in key:
                self._sets_of.setdefault(category, []).append(key)

    def of(self, summary: Summary, categories: Sequence[str] | None = None
           ) -> tuple[list[FollowUp], int]:
        """The first SHOWN open action items of the incidents that started before
        ``summary``'s and share one of ``categories`` (default: all of its classes) with
        it, most overdue on its date first; and how many there are in all."""
        wanted = sorted(set(summary.categories if categories is None else categories))
        total, firsts = 0, []
        for category in wanted:
            cls = self._classes.get(category)
            if cls is not None:
                count, first = cls.before(summary.started)
                total += count
                firsts.extend(first)
        if len(wanted) > 1:
            mine = set(wanted)
            for key in sorted({k for c in wanted for k in self._sets_of.get(c, ())}):
                shared = len(mine.intersection(key))
                if shared > 1:
                    total -= (shared - 1) * self._sets[key].before(summary.started)[0]
        day = dt.date.fromisoformat(summary.date)
        shown = [_follow_up(item, day) for item in _unique(sorted(firsts, key=_order))[:SHOWN]]
        return shown, total


def _items(summary: Summary) -> list[_Item]:
    return [((due if due and due != UNKNOWN else "9999-99-99", summary.id, ident),
             (ident, title, owner, due)) for ident, title, owner, due in summary.open_items]


def _order(item: _Item) -> _Key:
    return item[0]


def _unique(items: list[_Item]) -> list[_Item]:
    """Sorted items without repeats (an incident of two shared classes is in both lists)."""
    return [next(group) for _, group in groupby(items, key=_order)]


def _follow_up(item: _Item, day: dt.date) -> FollowUp:
    (_, incident, _), (ident, title, owner, due_text) = item
    due = dt.date.fromisoformat(due_text) if due_text and due_text != UNKNOWN else None
    late = (day - due).days if due is not None and due < day else 0
    return FollowUp(incident, ident, title, owner if owner != UNKNOWN else None, due, late)
