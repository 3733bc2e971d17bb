"""The replay on its own: plain commits and blobs in, item histories out (no git involved)."""

from __future__ import annotations

import datetime as dt

from postmortem.history.blobs import BlobInfo, ItemRow
from postmortem.history.git import Change, RawCommit
from postmortem.history.items import ItemHistory, end_of_day
from postmortem.history.replay import replay

UTC = dt.timezone.utc


def at(day: str) -> int:
    return int(dt.datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp())


def row(ident: str = "AI-1", status: str = "todo", due: str | None = "2025-10-10",
        owner: str | None = "ops") -> ItemRow:
    return (ident, f"Title of {ident}", owner, "high", status, due)


def commit(sha: str, day: str, *changes: Change, author: str = "Alice") -> RawCommit:
    return (sha, at(day), author, list(changes))


def run(commits: list[RawCommit], blobs: dict[str, BlobInfo],
        boundary: frozenset[str] = frozenset()
        ) -> tuple[dict[tuple[str, str], ItemHistory], list[str]]:
    warnings: list[str] = []
    items = replay(commits, blobs.__getitem__, UTC, boundary=boundary, warnings=warnings)
    return items, warnings


def kinds(item: ItemHistory) -> list[tuple[str, object, object]]:
    return [(e.kind, e.old, e.new) for e in item.events]


def test_opened_slipped_closed_late() -> None:
    blobs: dict[str, BlobInfo] = {
        "b1": ("inc", [row()], None),
        "b2": ("inc", [row(due="2025-10-20")], None),
        "b3": ("inc", [row(status="done", due="2025-10-20")], None),
    }
    items, warnings = run([
        commit("c1", "2025-10-01", ("A", "", "incidents/inc.yaml", "b1")),
        commit("c2", "2025-10-09", ("M", "incidents/inc.yaml", "incidents/inc.yaml", "b2")),
        commit("c3", "2025-10-25", ("M", "incidents/inc.yaml", "incidents/inc.yaml", "b3"),
               author="Bob"),
    ], blobs)
    item = items[("inc", "AI-1")]
    assert warnings == []
    assert kinds(item) == [("opened", None, "todo"),
                           ("due", dt.date(2025, 10, 10), dt.date(2025, 10, 20)),
                           ("status", "todo", "done")]
    assert item.opened == dt.date(2025, 10, 1)
    assert item.closed == dt.date(2025, 10, 25)
    assert item.closed_late is True
    assert item.slips == 1 and item.days_slipped == 10
    for day, overdue in ((dt.date(2025, 10, 21), True), (dt.date(2025, 10, 26), False)):
        state = item.state_at(end_of_day(day, UTC))
        assert state is not None and state.overdue_on(day) is overdue


def test_an_open_item_that_leaves_its_file_is_dropped_a_done_one_is_not() -> None:
    blobs: dict[str, BlobInfo] = {
        "b1": ("inc", [row("AI-1"), row("AI-2", status="done")], None),
        "b2": ("inc", [], None),
    }
    items, _ = run([
        commit("c1", "2025-10-01", ("A", "", "incidents/inc.yaml", "b1")),
        commit("c2", "2025-10-02", ("M", "incidents/inc.yaml", "incidents/inc.yaml", "b2")),
    ], blobs)
    assert kinds(items[("inc", "AI-1")])[-1] == ("dropped", "todo", None)
    assert kinds(items[("inc", "AI-2")]) == [("opened", None, "done")]
    assert items[("inc", "AI-1")].latest.shown_status == "dropped"


def test_a_renamed_file_keeps_its_items_under_the_new_id() -> None:
    blobs: dict[str, BlobInfo] = {"b1": ("old", [row()], None), "b2": ("new", [row()], None)}
    items, _ = run([
        commit("c1", "2025-10-01", ("A", "", "incidents/old.yaml", "b1")),
        commit("c2", "2025-10-02", ("R", "incidents/old.yaml", "incidents/new.yaml", "b2")),
    ], blobs)
    assert list(items) == [("new", "AI-1")]
    assert kinds(items[("new", "AI-1")]) == [("opened", None, "todo")]


def test_an_unreadable_version_is_skipped_with_a_warning() -> None:
    blobs: dict[str, BlobInfo] = {"b1": ("inc", [row()], None),
                                  "b2": (None, None, "3:1: YAML syntax error"),
                                  "b3": ("inc", [row(status="done")], None)}
    items, warnings = run([
        commit("c1", "2025-10-01", ("A", "", "incidents/inc.yaml", "b1")),
        commit("c2000000000", "2025-10-02",
               ("M", "incidents/inc.yaml", "incidents/inc.yaml", "b2")),
        commit("c3", "2025-10-03", ("M", "incidents/inc.yaml", "incidents/inc.yaml", "b3")),
    ], blobs)
    assert warnings == ["incidents/inc.yaml in commit c200000000 (2025-10-02) cannot be read: "
                        "3:1: YAML syntax error; the history skips that version"]
    assert kinds(items[("inc", "AI-1")]) == [("opened", None, "todo"), ("status", "todo", "done")]


def test_items_present_at_a_shallow_boundary_were_opened_before_it() -> None:
    blobs: dict[str, BlobInfo] = {"b1": ("inc", [row()], None)}
    items, _ = run([commit("c1", "2025-10-01", ("A", "", "incidents/inc.yaml", "b1"))], blobs,
                   boundary=frozenset({"c1"}))
    item = items[("inc", "AI-1")]
    assert item.opened is None and kinds(item) == []
