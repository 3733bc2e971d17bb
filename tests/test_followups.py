"""Open follow-ups from running sums: the same as listing every earlier incident's open items."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_regressions.file_regression import FileRegressionFixture

from postmortem.cli import main
from postmortem.format.vocabulary import UNKNOWN
from postmortem.reports.followups import SHOWN, FollowUp, FollowUps
from postmortem.reports.summary import Summary

CLASSES = ["disk-full", "config-drift", "expired-cert"]


def summary(key: str, day: int, hour: int, categories: list[str],
            items: list[tuple[str, str | None]]) -> Summary:
    date = f"2024-03-{day:02d}"
    return Summary(id=key, title=key, date=date, started=f"{date}T{hour:02d}:00:00.000000Z",
                   severity="high", status="resolved", language="en", duration_minutes=30.0,
                   source=f"incidents/{key}.yaml", report=f"incidents/{key}.md",
                   categories=tuple(sorted(categories)), category_anchors=(), tags=(),
                   related=(), items_open=len(items), items_total=len(items), ended="",
                   open_items=tuple((ident, f"{key} {ident}", "ops", due)
                                    for ident, due in items))


def every_follow_up(mine: Summary, others: list[Summary], categories: list[str]
                    ) -> list[FollowUp]:
    """What a report lists, the plain way: every open item of every earlier incident that
    shares a class, each once, most overdue first."""
    day = dt.date.fromisoformat(mine.date)
    found = {}
    for other in others:
        if other.started >= mine.started or not set(categories) & set(other.categories):
            continue
        for ident, title, owner, text in other.open_items:
            due = dt.date.fromisoformat(text) if text and text != UNKNOWN else None
            late = (day - due).days if due is not None and due < day else 0
            found[other.id, ident] = FollowUp(other.id, ident, title, owner, due, late)
    return sorted(found.values(),
                  key=lambda f: (-f.days_overdue, f.due or dt.date.max, f.incident, f.id))


due_dates = st.one_of(st.none(), st.just(UNKNOWN),
                      st.integers(1, 28).map(lambda d: f"2024-03-{d:02d}"))
incidents = st.lists(
    st.tuples(st.integers(1, 28), st.integers(0, 3),
              st.lists(st.sampled_from(CLASSES), min_size=0, max_size=3, unique=True),
              st.lists(due_dates, max_size=4)),
    min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(incidents, st.lists(st.sampled_from(CLASSES), min_size=1, max_size=3, unique=True))
def test_the_first_follow_ups_and_their_number_are_those_of_the_plain_listing(
        drawn: list[tuple[int, int, list[str], list[str | None]]], asked: list[str]) -> None:
    summaries = [summary(f"i{n:02d}", day, hour, categories,
                         [(f"A{k}", due) for k, due in enumerate(dues)])
                 for n, (day, hour, categories, dues) in enumerate(drawn)]
    follow_ups = FollowUps(summaries)
    for mine in summaries:
        for categories in (list(mine.categories), asked):
            expected = every_follow_up(mine, summaries, categories)
            shown, total = follow_ups.of(mine, categories)
            assert (shown, total) == (expected[:SHOWN], len(expected))


def test_a_class_that_keeps_coming_back_lists_the_most_overdue_and_counts_all() -> None:
    summaries = [summary(f"i{n:02d}", n + 1, 9, ["disk-full"],
                         [("A1", f"2024-03-{n + 2:02d}"), ("A2", None)]) for n in range(20)]
    shown, total = FollowUps(summaries).of(summaries[-1])
    assert total == 38
    assert [(f.incident, f.id, f.days_overdue) for f in shown] == [
        (f"i{n:02d}", "A1", 18 - n) for n in range(SHOWN)]


def disk_full(day: int, items: str, title: str = "Disk full") -> str:
    """An incident of the failure class disk-full on 2025-10-``day``, then ``items``."""
    return f"""\
id: 2025-10-{day:02d}-disk
title: {title}
date: 2025-10-{day:02d}
status: mitigated
severity: high
started: "11:16"
root_causes:
  - {{title: Logs filled the disk, category: disk-full}}
{items}"""


def test_a_report_lists_the_first_follow_ups_and_says_how_many_there_are(
        repo: Path, write_incident: Callable[..., Path], runner: CliRunner,
        file_regression: FileRegressionFixture) -> None:
    for day in range(1, 14):
        write_incident(f"2025-10-{day:02d}-disk", disk_full(day, f"""\
action_items:
  - {{id: AI-1, title: Rotate the <logs> of db-{day}, owner: ops, priority: high, status: todo,
      due: 2025-10-{day + 3:02d}}}
""", title=f"Disk full on db-{day}"))
    found = runner.invoke(main, ["check", "--select", "X005", "--format", "json"])
    last = [p for p in json.loads(found.stdout) if "2025-10-13" in p["path"]]
    assert len(last) == 1
    assert "12 action items of earlier incidents were still open" in last[0]["message"]
    assert "(owner ops, due 2025-10-13); and 2 more; finish them" in last[0]["message"]
    assert runner.invoke(main, ["render"]).exit_code == 0
    report = (repo / "incidents" / "2025-10-13-disk.md").read_text(encoding="utf-8")
    start = report.index("**Action items of earlier incidents")
    file_regression.check(report[start:report.index("\n---", start)], extension=".md")


def test_follow_ups_show_their_titles_and_owners_as_the_item_table_does(
        repo: Path, write_incident: Callable[..., Path], runner: CliRunner) -> None:
    # Titles and owners are one-line text, shown as such: no HTML passes into the table.
    for day in (1, 9):
        key = f"2025-10-{day:02d}-disk"
        items = "" if day == 9 else """\
action_items:
  - {id: AI-1, title: "Rotate <b>logs</b> | all", owner: "<i>ops</i>", priority: high,
     status: todo, due: 2025-10-05}
"""
        write_incident(key, disk_full(day, items))
    assert runner.invoke(main, ["render"]).exit_code == 0
    earlier = (repo / "incidents" / "2025-10-01-disk.md").read_text(encoding="utf-8")
    later = (repo / "incidents" / "2025-10-09-disk.md").read_text(encoding="utf-8")
    assert "Rotate &lt;b>logs&lt;/b> \\| all | 🟡 HIGH | &lt;i>ops&lt;/i> |" in earlier
    assert ("| Rotate &lt;b>logs&lt;/b> \\| all | &lt;i>ops&lt;/i> | 2025-10-05 | 4 days |"
            in later)
