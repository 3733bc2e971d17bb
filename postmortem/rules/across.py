"""Rules across incidents that need what the others say: incidents that overlap without
knowing of each other, and a failure class that comes back while its follow-ups are open.

They read every incident's summary (reports/summary.py): from the render's cache where it
knows a file, else from the file itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from postmortem.config import Config
from postmortem.reports.followups import SHOWN, FollowUp, FollowUps
from postmortem.reports.summary import Summary
from postmortem.rules.checked import Checked
from postmortem.rules.problems import Problem
from postmortem.rules.registry import rule
from postmortem.rules.selection import Selection

OVERLAP = rule("X004")
OPEN_FOLLOW_UPS = rule("X005")


def check_across(files: list[Checked], summaries: dict[str, Summary], config: Config) -> None:
    """Add X004 and X005 findings to the checked ``files`` (the others are not reported)."""
    by_key: dict[str, list[Summary]] = {}
    for s in summaries.values():
        for key in {*s.tags, *(f"class:{c}" for c in s.categories)}:
            by_key.setdefault(key, []).append(s)
    groups = {key: _Group(members) for key, members in by_key.items()}
    selection = Selection.of(config)
    follow_ups = FollowUps(summaries.values())
    for file in files:
        mine = summaries.get(file.id) if file.summary is not None and file.id else None
        judged = mine is not None
        if mine is not None:
            found = [*_overlaps(file, mine, groups), *_follow_ups(file, mine, follow_ups)]
            file.problems.extend(selection.apply(file.noqa.apply(found)))
        # The X rules are the last to report: now a noqa comment naming one that found nothing
        # on its line is known to be unused (X004 and X005 judge only a file without errors).
        file.problems.extend(selection.apply(
            file.noqa.unused(file.rel, ("X",) if judged else _ALWAYS_ACROSS)))


# The rules across files that judge every file, errors or not (rules/collection.py).
_ALWAYS_ACROSS = ("X001", "X002", "X003")


class _Group:
    """The incidents of one tag or failure class by start, and how late the ones up to
    each had ended: what ended before an incident began is passed over at once."""

    def __init__(self, members: list[Summary]) -> None:
        self.members = sorted(members, key=lambda s: (s.started, s.id))
        self.starts = [m.started for m in self.members]
        self.reach: list[str] = []
        for m in self.members:  # ISO instants in UTC compare as text; "" is still ongoing
            self.reach.append(max(self.reach[-1], m.ended) if self.reach else m.ended)

    def overlapping(self, started: str, ended: str) -> Iterator[Summary]:
        """Those that started before ``ended`` and ended after ``started``."""
        for j in range(bisect.bisect_left(self.starts, ended) - 1, -1, -1):
            if self.reach[j] <= started:
                return
            other = self.members[j]
            if other.ended and other.ended > started:
                yield other


def _related(a: Summary, b: Summary) -> bool:
    return any(ref == b.id for ref, _ in a.related) or any(ref == a.id for ref, _ in b.related)


def _overlaps(file: Checked, mine: Summary, groups: dict[str, _Group]) -> Iterator[Problem]:
    if not mine.ended:
        return
    seen: set[str] = set()
    for key in sorted({*mine.tags, *(f"class:{c}" for c in mine.categories)}):
        group = groups.get(key)
        if group is None:
            continue
        for other in sorted(group.overlapping(mine.started, mine.ended),
                            key=lambda s: (s.started, s.id)):
            if other.id == mine.id or other.id in seen or _related(mine, other):
                continue
            # One finding per pair, on the incident that started later.
            if (other.started, other.id) > (mine.started, mine.id):
                continue
            seen.add(other.id)
            shared = sorted({*mine.tags} & {*other.tags}) or sorted(
                {*mine.categories} & {*other.categories})
            what = "failure class" if not {*mine.tags} & {*other.tags} else "tag"
            line, col = file.started_at
            yield OVERLAP(file.rel, line, col, "related", (
                f"this incident overlaps {other.id} ('{other.title}', {other.source}), which "
                f"started before this one ended, and shares the {what} "
                f"'{shared[0]}'; if they are one incident or related, say so: related: "
                f"[{{incident: {other.id}}}]"))


def _follow_ups(file: Checked, mine: Summary, follow_ups: FollowUps) -> Iterator[Problem]:
    reported: set[str] = set()
    for cause in file.causes:
        category = cause.category
        if category in reported:
            continue
        reported.add(category)
        items, total = follow_ups.of(mine, [category])
        if not items:
            continue
        listed = "; ".join(_item(f) for f in items)
        more = f"; and {total - SHOWN} more" if total > SHOWN else ""
        line, col, index = cause.line, cause.col, cause.index
        count = f"{total} action items of earlier incidents were" if total != 1 \
            else "1 action item of an earlier incident was"
        yield OPEN_FOLLOW_UPS(file.rel, line, col, f"root_causes[{index}].category", (
            f"the failure class '{category}' came back while {count} still open: "
            f"{listed}{more}; finish them, or say in the report why they did not prevent "
            "this one"))


def _item(f: FollowUp) -> str:
    owner = f"owner {f.owner}" if f.owner else "no owner"
    due = f"due {f.due.isoformat()}" if f.due else "no due date"
    late = f", {f.days_overdue} days overdue then" if f.days_overdue else ""
    return f"{f.incident}#{f.id} '{f.title}' ({owner}, {due}{late})"
