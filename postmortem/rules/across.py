"""Rules across incidents that need what the others say: incidents that overlap without
knowing of each other, and a failure class that comes back while its follow-ups are open.

They read every incident's summary (reports/summary.py): from the render's cache where it
knows a file, else from the file itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from postmortem.config import Config
from postmortem.format.load import Loaded
from postmortem.reports.summary import FollowUp, Summary, open_follow_ups
from postmortem.rules.problems import Problem
from postmortem.rules.registry import rule
from postmortem.rules.selection import Selection

OVERLAP = rule("X004")
OPEN_FOLLOW_UPS = rule("X005")
# A report lists at most this many of an earlier incident's open follow-ups by name.
SHOWN_ITEMS = 10


def check_across(files: list[Loaded], summaries: dict[str, Summary], config: Config) -> None:
    """Add X004 and X005 findings to the loaded ``files`` (the others are not reported)."""
    by_key: dict[str, list[Summary]] = {}
    for s in summaries.values():
        for key in {*s.tags, *(f"class:{c}" for c in s.categories)}:
            by_key.setdefault(key, []).append(s)
    for members in by_key.values():
        members.sort(key=lambda s: (s.started, s.id))
    selection = Selection.of(config)
    for loaded in files:
        model = loaded.model
        if model is None or loaded.incident is None or model.id not in summaries:
            continue
        mine = summaries[model.id]
        found = [*_overlaps(loaded, mine, summaries, by_key), *_follow_ups(loaded, mine, by_key)]
        loaded.problems.extend(selection.apply(loaded.noqa.apply(found)))


def _related(a: Summary, b: Summary) -> bool:
    return any(ref == b.id for ref, _ in a.related) or any(ref == a.id for ref, _ in b.related)


def _overlaps(loaded: Loaded, mine: Summary, summaries: dict[str, Summary],
              by_key: dict[str, list[Summary]]) -> Iterator[Problem]:
    if not mine.ended:
        return
    seen: set[str] = set()
    for key in sorted({*mine.tags, *(f"class:{c}" for c in mine.categories)}):
        members = by_key.get(key, [])
        # Those that started before this one ended; of them, those that ended after it began.
        stop = bisect.bisect_left([m.started for m in members], mine.ended)
        for other in members[:stop]:
            if other.id == mine.id or other.id in seen or not other.ended \
                    or other.ended <= mine.started or _related(mine, other):
                continue
            # One finding per pair, on the incident that started later.
            if (other.started, other.id) > (mine.started, mine.id):
                continue
            seen.add(other.id)
            shared = sorted({*mine.tags} & {*other.tags}) or sorted(
                {*mine.categories} & {*other.categories})
            what = "failure class" if not {*mine.tags} & {*other.tags} else "tag"
            line, col = _at(loaded, ("started",))
            yield OVERLAP(loaded.rel, line, col, "related", (
                f"this incident overlaps {other.id} ('{other.title}', {other.source}), which "
                f"started before this one ended, and shares the {what} "
                f"'{shared[0]}'; if they are one incident or related, say so: related: "
                f"[{{incident: {other.id}}}]"))


def _follow_ups(loaded: Loaded, mine: Summary,
                by_key: dict[str, list[Summary]]) -> Iterator[Problem]:
    model = loaded.model
    assert model is not None
    reported: set[str] = set()
    for index, cause in enumerate(model.root_causes):
        category = cause.category
        if not category or category in reported:
            continue
        reported.add(category)
        items = open_follow_ups(mine, category, by_key.get(f"class:{category}", []))
        if not items:
            continue
        listed = "; ".join(_item(f) for f in items[:SHOWN_ITEMS])
        more = f"; and {len(items) - SHOWN_ITEMS} more" if len(items) > SHOWN_ITEMS else ""
        line, col = _at(loaded, ("root_causes", index, "category"))
        count = f"{len(items)} action items of earlier incidents were" if len(items) != 1 \
            else "1 action item of an earlier incident was"
        yield OPEN_FOLLOW_UPS(loaded.rel, line, col, f"root_causes[{index}].category", (
            f"the failure class '{category}' came back while {count} still open: "
            f"{listed}{more}; finish them, or say in the report why they did not prevent "
            "this one"))


def _item(f: FollowUp) -> str:
    owner = f"owner {f.owner}" if f.owner else "no owner"
    due = f"due {f.due.isoformat()}" if f.due else "no due date"
    late = f", {f.days_overdue} days overdue then" if f.days_overdue else ""
    return f"{f.incident}#{f.id} '{f.title}' ({owner}, {due}{late})"


def _at(loaded: Loaded, loc: tuple[str | int, ...]) -> tuple[int, int]:
    from postmortem.format.yamlread import position

    return position(loaded.root, loc)
