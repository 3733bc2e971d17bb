"""`postmortem review` on real repositories built across three weeks around a DST change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from postmortem.cli import main
from postmortem.history.review import last_complete_week, parse_week, week_label

ZONE = "Europe/Berlin"
CONFIG = f'[tool.postmortem]\ntimezone = "{ZONE}"\nlanguage = "{{language}}"\n'

A, B, C = "2025-10-10-route-cache", "2025-10-21-db-failover", "2025-10-30-cert-expiry"


def item(id_: str, title: str, owner: str, priority: str, status: str, due: str) -> dict[str, str]:
    return {"id": id_, "title": title, "owner": owner, "priority": priority, "status": status,
            "due": due}


def incident_yaml(id_: str, items: list[dict[str, str]]) -> str:
    lines = [f"id: {id_}", f"title: Incident {id_}", f"date: {id_[:10]}",
             "status: investigating", "severity: high", "started: '10:00'"]
    if items:
        lines.append("action_items:")
        for it in items:
            lines.append(f"  - id: {it['id']}")
            lines.extend(f"    {key}: {json.dumps(it[key], ensure_ascii=False)}"
                         for key in ("title", "owner", "priority", "status"))
            lines.append(f"    due: {it['due']}")
    return "\n".join(lines) + "\n"


class History:
    """Writes incident files and commits them at fixed instants with fixed authors."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: dict[str, dict[str, dict[str, str]]] = {}

    def set(self, incident: str, *items: dict[str, str]) -> None:
        """The item list of ``incident`` after this change: items are replaced by id."""
        current = self.files.setdefault(incident, {})
        for it in items:
            current[it["id"]] = it

    def drop(self, incident: str, item_id: str) -> None:
        del self.files[incident][item_id]

    def commit(self, when: str, author: str, message: str) -> None:
        for incident, items in self.files.items():
            path = self.root / "incidents" / f"{incident}.yaml"
            path.write_text(incident_yaml(incident, list(items.values())), encoding="utf-8")
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
               "GIT_AUTHOR_NAME": author, "GIT_COMMITTER_NAME": author}
        for args in (["add", "--all", "incidents"], ["commit", "--quiet", "-m", message]):
            subprocess.run(["git", *args], cwd=self.root, env=env, check=True)


# Commit instants as git records them: in UTC, so that only the configured zone puts them in
# the right ISO week. Europe/Berlin leaves summer time on Sunday 2025-10-26 (W43).
SUN_W42_2359 = "2025-10-19T21:59:00+00:00"  # Sunday 23:59 CEST
MON_W43_0000 = "2025-10-19T22:00:00+00:00"  # Monday 00:00 CEST
SUN_W43_2359 = "2025-10-26T22:59:00+00:00"  # Sunday 23:59 CET, the day of the DST change
MON_W44_0000 = "2025-10-26T23:00:00+00:00"  # Monday 00:00 CET


def build_three_weeks(root: Path, language: str = "en") -> None:
    """W42: incident A opened, a slip at Sunday 23:59. W43 (DST): a close at Monday 00:00,
    incident B opened, a late close at Sunday 23:59. W44: a second slip at Monday 00:00, a
    close on time, a drop, two items opened. W45: nothing happens."""
    (root / "pyproject.toml").write_text(CONFIG.format(language=language), encoding="utf-8")
    subprocess.run(["git", "add", "pyproject.toml"], cwd=root, check=True)
    h = History(root)
    h.set(A, item("AI-1", "Rebuild route cache on deploy", "alice", "high", "todo", "2025-10-17"),
          item("AI-2", "Alert on 5xx | per route", "bob", "medium", "todo", "2025-10-24"),
          item("AI-3", "Document cache order", "carol", "low", "todo", "2025-11-20"),
          item("AI-4", "Hotfix middleware alias", "alice", "critical", "in_progress",
               "2025-10-16"))
    h.commit("2025-10-14T08:00:00+00:00", "Alice Able", "A: postmortem")
    h.set(A, item("AI-2", "Alert on 5xx | per route", "bob", "medium", "todo", "2025-10-31"))
    h.commit(SUN_W42_2359, "Bob Baker", "A: AI-2 needs another week")
    h.set(A, item("AI-4", "Hotfix middleware alias", "alice", "critical", "done", "2025-10-16"))
    h.commit(MON_W43_0000, "Alice Able", "A: AI-4 done")
    h.set(B, item("AI-1", "Automate failover drill", "dave", "high", "in_progress",
                  "2025-10-29"),
          item("AI-2", "Raise replica lag alert", "erin", "medium", "todo", "2025-10-23"))
    h.commit("2025-10-22T07:00:00+00:00", "Dave Dunn", "B: postmortem")
    h.set(B, item("AI-2", "Raise replica lag alert", "erin", "medium", "done", "2025-10-23"))
    h.commit(SUN_W43_2359, "Erin Engel", "B: AI-2 done")
    h.set(A, item("AI-2", "Alert on 5xx | per route", "bob", "medium", "todo", "2025-11-07"))
    h.commit(MON_W44_0000, "Bob Baker", "A: AI-2 slips again")
    h.set(B, item("AI-1", "Automate failover drill", "dave", "high", "done", "2025-10-29"))
    h.drop(A, "AI-3")
    h.set(A, item("AI-5", "Canary the deploy script", "frank", "high", "todo", "2025-11-05"))
    h.commit("2025-10-29T10:00:00+00:00", "Carol Clark", "Follow-ups")
    h.set(C, item("AI-1", "Monitor certificate expiry", "bob", "high", "todo", "2025-11-03"))
    h.commit("2025-10-31T15:00:00+00:00", "Bob Baker", "C: postmortem")
    render(root, "2025-10-31T15:00:00+00:00")  # the reports the review links to


def render(root: Path, when: str) -> None:
    """Render the reports and commit them, as a team keeps them."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["render"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0, result.output + (result.stderr or "")
    subprocess.run(["git", "add", "--all"], cwd=root, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "Reports"], cwd=root, check=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})


@pytest.fixture
def weeks(repo: Path) -> Path:
    build_three_weeks(repo)
    return repo


def review(*args: str) -> Result:
    result = CliRunner().invoke(main, ["review", *args])
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def review_json(*args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(review("--format", "json", *args).stdout)
    return data


def keys(entries: list[dict[str, Any]]) -> list[str]:
    return [f"{e['incident']}#{e['id']}" for e in entries]


# --- Whole outputs ------------------------------------------------------------------------


def test_week_with_every_section_populated_markdown(weeks: Path, file_regression: Any) -> None:
    file_regression.check(review("--week", "2025-W44").stdout, basename="w44", extension=".md")


def test_week_with_every_section_populated_json(weeks: Path, file_regression: Any) -> None:
    text = review("--week", "2025-W44", "--format", "json").stdout
    data = json.loads(text)
    for section in ("overdue", "due_soon", "closed", "opened", "slipped", "dropped", "owners"):
        assert data[section], f"{section} should be populated in this week"
    file_regression.check(text, basename="w44", extension=".json")


def test_dst_week_in_german(repo: Path, file_regression: Any) -> None:
    build_three_weeks(repo, language="de")
    file_regression.check(review("--week", "2025-W43").stdout, basename="w43-de",
                          extension=".md")


def test_empty_week(weeks: Path, file_regression: Any) -> None:
    text = review("--week", "2025-W45", "--format", "json").stdout
    data = json.loads(text)
    assert [data[s] for s in ("closed", "opened", "slipped", "dropped")] == [[], [], [], []]
    # Nothing happened, yet the items kept ageing: all four open ones are overdue now.
    assert data["totals"]["open"] == {"current": 4, "previous": 4, "change": 0}
    assert data["totals"]["overdue"] == {"current": 4, "previous": 1, "change": 3}
    file_regression.check(review("--week", "2025-W45").stdout, basename="w45-empty",
                          extension=".md")


def test_repository_without_action_items(repo: Path, write_incident: Callable[..., Path],
                                         git: Callable[..., str], file_regression: Any) -> None:
    write_incident("2025-10-01-no-follow-ups")
    git("add", "--all")
    git("commit", "--quiet", "-m", "An incident without action items")
    file_regression.check(review("--week", "2025-W43").stdout, basename="no-items",
                          extension=".md")
    data = review_json("--week", "2025-W43")
    assert all(v["current"] == 0 and v["previous"] == 0 for v in data["totals"].values())
    assert [(t["open"], t["overdue"]) for t in data["trend"]] == [(0, 0)] * 8


def test_repository_without_commits(repo: Path) -> None:
    data = review_json("--week", "2025-W43")
    assert data["overdue"] == data["owners"] == []
    assert len(data["trend"]) == 8


# --- Week boundaries ------------------------------------------------------------------------


def test_sunday_2359_and_monday_0000_fall_in_their_own_weeks(weeks: Path) -> None:
    w42, w43, w44 = (review_json("--week", w) for w in ("2025-W42", "2025-W43", "2025-W44"))
    # The slip at Sunday 23:59 belongs to W42, the one at Monday 00:00 (UTC: Sunday) to W44.
    assert [(s["from"], s["to"]) for s in w42["slipped"]] == [("2025-10-24", "2025-10-31")]
    assert w43["slipped"] == []
    assert [(s["from"], s["to"], s["slips"]) for s in w44["slipped"]] == [
        ("2025-10-31", "2025-11-07", 2)]
    # The close at Monday 00:00 CEST and the one at Sunday 23:59 CET (DST day) are both W43.
    assert w42["closed"] == []
    assert [(keys([c])[0], c["date"], c["late"]) for c in w43["closed"]] == [
        (f"{A}#AI-4", "2025-10-20", True), (f"{B}#AI-2", "2025-10-26", True)]
    assert [(keys([c])[0], c["late"]) for c in w44["closed"]] == [(f"{B}#AI-1", False)]
    assert w44["totals"]["closed"] == {"current": 1, "previous": 2, "change": -1}
    assert w44["totals"]["closed_late"] == {"current": 0, "previous": 2, "change": -2}


def test_the_configured_zone_decides_the_week(weeks: Path) -> None:
    (weeks / "pyproject.toml").write_text('[tool.postmortem]\ntimezone = "UTC"\n',
                                          encoding="utf-8")
    w42, w43 = review_json("--week", "2025-W42"), review_json("--week", "2025-W43")
    # In UTC the Monday-00:00-Berlin close is a Sunday event, and the Monday slip is W43's.
    assert keys(w42["closed"]) == [f"{A}#AI-4"]
    assert [s["to"] for s in w43["slipped"]] == ["2025-11-07"]


def test_as_of_reviews_the_seven_days_ending_that_day(weeks: Path) -> None:
    data = review_json("--as-of", "2025-10-29")
    assert (data["week"], data["as_of"], data["period"]) == (
        "2025-W44", "2025-10-29", {"start": "2025-10-23", "end": "2025-10-29"})
    # B#AI-1 was closed on its due day, 2025-10-29: on time, and not overdue that day.
    assert [(keys([c])[0], c["late"]) for c in data["closed"]] == [
        (f"{B}#AI-2", True), (f"{B}#AI-1", False)]
    assert keys(data["overdue"]) == [f"{A}#AI-1"]
    assert [t["date"] for t in data["trend"]][-2:] == ["2025-10-22", "2025-10-29"]


def test_due_soon_covers_the_days_until_the_next_review_and_owners_ignore_case(
        repo: Path) -> None:
    """Due soon: from the review's day to the day before the next one (seven days); the day
    after that is the next review's "today". One owner line however a name is spelt."""
    (repo / "pyproject.toml").write_text(CONFIG.format(language="en"), encoding="utf-8")
    h = History(repo)
    h.set(A, item("AI-1", "Today", "Ann", "high", "todo", "2025-11-02"),
          item("AI-2", "In six days", "ann", "high", "todo", "2025-11-08"),
          item("AI-3", "In seven days", "ann", "high", "todo", "2025-11-09"),
          item("AI-4", "Overdue", "bob", "high", "todo", "2025-11-01"))
    h.commit("2025-10-28T08:00:00+00:00", "Alice Able", "A: postmortem")
    data = review_json("--as-of", "2025-11-02")
    assert [(keys([d])[0], d["days_left"]) for d in data["due_soon"]] == [
        (f"{A}#AI-1", 0), (f"{A}#AI-2", 6)]
    assert [(o["owner"], o["open"], o["overdue"]) for o in data["owners"]] == [
        ("bob", 1, 1), ("ann", 3, 0)]
    following = review_json("--as-of", "2025-11-09")
    assert [keys([d])[0] for d in following["due_soon"]] == [f"{A}#AI-3"]


def test_overdue_order_and_links(weeks: Path) -> None:
    data = review_json("--week", "2025-W45")
    assert [(keys([o])[0], o["days_overdue"]) for o in data["overdue"]] == [
        (f"{A}#AI-1", 23), (f"{C}#AI-1", 6), (f"{A}#AI-5", 4), (f"{A}#AI-2", 2)]
    first = data["overdue"][0]
    assert (first["report"], first["anchor"]) == (f"incidents/{A}.md", "ai-1")
    assert [(o["owner"], o["open"], o["overdue"]) for o in data["owners"]] == [
        ("bob", 2, 2), ("alice", 1, 1), ("frank", 1, 1)]


def test_links_are_relative_to_the_output_file(weeks: Path) -> None:
    out = weeks / "docs" / "weekly" / "w44.md"
    out.parent.mkdir(parents=True)
    result = review("--week", "2025-W44", "--output", str(out))
    assert result.stdout == ""
    assert f"](../../incidents/{A}.md#ai-1)" in out.read_text(encoding="utf-8")


# --- Recorded in git --------------------------------------------------------------------------


def log(root: Path) -> list[str]:
    out = subprocess.run(["git", "log", "--format=%s", "--name-only"], cwd=root, check=True,
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line]


def test_commit_records_the_week_once(weeks: Path) -> None:
    before = log(weeks)
    result = review("--week", "2025-W44", "--commit")
    assert result.stdout.startswith("Committed reviews/2025-W44.md (")
    assert log(weeks)[:2] == ["Action-item review 2025-W44", "reviews/2025-W44.md"]
    assert log(weeks)[2:] == before
    written = (weeks / "reviews" / "2025-W44.md").read_text(encoding="utf-8")
    assert written.startswith("<!-- generated by postmortem")
    assert f"](../incidents/{A}.md#ai-1)" in written
    assert review("--week", "2025-W44", "--commit").stdout == (
        "reviews/2025-W44.md is up to date; nothing to commit.\n")
    assert len(log(weeks)) == len(before) + 2


def test_commit_again_when_the_content_changed(weeks: Path) -> None:
    path = weeks / "reviews" / "2025-W44.md"
    review("--week", "2025-W43", "--output", str(path))  # generated, but another week's
    subprocess.run(["git", "add", "reviews"], cwd=weeks, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "an older review"], cwd=weeks, check=True)
    assert review("--week", "2025-W44", "--commit").stdout.startswith("Committed")
    assert log(weeks)[0] == "Action-item review 2025-W44"
    assert "2025-W44" in path.read_text(encoding="utf-8")


def test_a_hand_edited_review_is_replaced_only_with_force(weeks: Path) -> None:
    review("--week", "2025-W44", "--commit")
    path = weeks / "reviews" / "2025-W44.md"
    mine = path.read_text(encoding="utf-8") + "Notes from the meeting.\n"
    path.write_text(mine, encoding="utf-8")
    subprocess.run(["git", "commit", "--quiet", "-am", "meeting notes"], cwd=weeks, check=True)
    head = log(weeks)
    result = CliRunner().invoke(main, ["review", "--week", "2025-W44", "--commit"])
    assert result.exit_code == 1
    kept = f"reviews/2025-W44.md.edited-{hashlib.sha256(mine.encode()).hexdigest()[:8]}"
    assert result.stderr == (
        "postmortem: error: reviews/2025-W44.md: edited by hand since postmortem wrote it; "
        "not overwriting it\n  hint: keep your notes in another file, or run again with "
        f"--force, which keeps this version as {kept}\n")
    assert (path.read_text(encoding="utf-8"), log(weeks)) == (mine, head)
    assert review("--week", "2025-W44", "--commit", "--force").stdout.startswith("Committed")
    assert "Notes from the meeting." not in path.read_text(encoding="utf-8")
    assert (weeks / kept).read_text(encoding="utf-8") == mine


def test_commit_refuses_while_other_changes_are_staged(weeks: Path) -> None:
    head = log(weeks)
    (weeks / "notes.txt").write_text("wip\n", encoding="utf-8")
    subprocess.run(["git", "add", "notes.txt"], cwd=weeks, check=True)
    result = CliRunner().invoke(main, ["review", "--week", "2025-W44", "--commit"])
    assert result.exit_code == 1
    assert "other changes are staged (notes.txt)" in result.stderr
    assert not (weeks / "reviews").exists()
    assert log(weeks) == head


def test_commit_never_overwrites_a_file_it_did_not_write(weeks: Path) -> None:
    path = weeks / "reviews" / "2025-W44.md"
    path.parent.mkdir()
    path.write_text("# Our own notes\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["review", "--week", "2025-W44", "--commit"])
    assert result.exit_code == 1
    assert ("reviews/2025-W44.md: not overwriting it: the file exists and was not generated "
            "by postmortem") in result.stderr
    assert path.read_text(encoding="utf-8") == "# Our own notes\n"


def test_output_never_overwrites_a_file_it_did_not_write(weeks: Path) -> None:
    (weeks / "mine.json").write_text('{"mine": true}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["review", "--format", "json", "--output", "mine.json"])
    assert result.exit_code == 1
    assert (weeks / "mine.json").read_text(encoding="utf-8") == '{"mine": true}\n'
    review("--week", "2025-W44", "--format", "json", "--output", "ours.json")
    assert review("--week", "2025-W43", "--format", "json", "--output", "ours.json").stderr == (
        "Wrote ours.json\n")


# --- Options and the clock ----------------------------------------------------------------------


@pytest.mark.parametrize(("args", "message"), [
    (["--week", "2025-43"], "--week '2025-43' is not an ISO week; write it as YYYY-Www"),
    (["--week", "2025-W53"], "--week '2025-W53': 2025 has no week 53"),
    (["--week", "2025-W44", "--as-of", "2025-10-29"], "give --week or --as-of, not both"),
    (["--commit", "--format", "json"], "--commit records a whole week as Markdown"),
])
def test_usage_errors(weeks: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["review", *args])
    assert result.exit_code == 2
    assert message in result.stderr


def test_week_arithmetic() -> None:
    berlin = __import__("zoneinfo").ZoneInfo(ZONE)
    assert parse_week("2025-W43") == dt.date(2025, 10, 26)
    assert parse_week("2020-W53") == dt.date(2021, 1, 3)
    assert week_label(dt.date(2024, 12, 30)) == "2025-W01"
    assert week_label(parse_week("0002-W01")) == "0002-W01"  # as --week takes it back
    # Sunday 23:59 is still inside its week; Monday 00:00 completes it.
    assert last_complete_week(dt.datetime(2025, 10, 26, 23, 59, tzinfo=berlin)) == dt.date(
        2025, 10, 19)
    assert last_complete_week(dt.datetime(2025, 10, 27, 0, 0, tzinfo=berlin)) == dt.date(
        2025, 10, 26)


def test_default_is_the_last_complete_week(weeks: Path) -> None:
    from zoneinfo import ZoneInfo

    def expected() -> str:
        return week_label(last_complete_week(dt.datetime.now(ZoneInfo(ZONE))))

    before = expected()
    week = review_json()["week"]
    assert week in {before, expected()}


def test_same_bytes_from_the_installed_command(weeks: Path) -> None:
    exe = Path(sys.executable).with_name("postmortem")
    installed = subprocess.run([str(exe), "review", "--week", "2025-W44"], cwd=weeks,
                               check=True, capture_output=True).stdout
    assert installed == review("--week", "2025-W44").stdout.encode("utf-8")


def test_links_follow_sub_folders_as_render_names_them(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(CONFIG.format(language="en"), encoding="utf-8")
    folder = repo / "incidents" / "2025"
    folder.mkdir()
    (folder / f"{A}.yaml").write_text(incident_yaml(A, [
        item("AI-1", "Rebuild route cache on deploy", "alice", "high", "todo", "2025-10-17")]),
        encoding="utf-8")
    subprocess.run(["git", "add", "--all"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "A"], cwd=repo, check=True,
                   env={**os.environ, "GIT_COMMITTER_DATE": "2025-10-14T08:00:00+00:00"})
    render(repo, "2025-10-14T08:00:00+00:00")
    overdue = review_json("--week", "2025-W43")["overdue"]
    assert [(o["report"], o["anchor"]) for o in overdue] == [(f"incidents/2025/{A}.md", "ai-1")]


def status(root: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=root,
                          check=True, capture_output=True, text=True).stdout


def test_a_hook_that_rejects_the_commit_is_named_and_the_tree_left_as_it_was(
        weeks: Path) -> None:
    hook = weeks / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'checking reviews'\necho 'reviews need a sign-off' >&2\n"
                    "exit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    head, before = log(weeks), status(weeks)
    result = CliRunner().invoke(main, ["review", "--week", "2025-W44", "--commit"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "postmortem: error: git commit of reviews/2025-W44.md failed: the pre-commit hook "
        "rejected it; it said:\n    checking reviews\n    reviews need a sign-off\n"
        "  hint: fix what the hook reports, or commit the review yourself\n")
    assert (log(weeks), status(weeks)) == (head, before)  # no commit, nothing staged or left
    assert not (weeks / "reviews" / "2025-W44.md").exists()


def test_a_rejected_commit_puts_back_the_review_that_was_there(weeks: Path) -> None:
    path = weeks / "reviews" / "2025-W44.md"
    review("--week", "2025-W43", "--output", str(path))
    subprocess.run(["git", "add", "reviews"], cwd=weeks, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "an older review"], cwd=weeks, check=True)
    old = path.read_bytes()
    hook = weeks / ".git" / "hooks" / "commit-msg"
    hook.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    result = CliRunner().invoke(main, ["review", "--week", "2025-W44", "--commit"])
    assert result.exit_code == 1
    assert "failed: the commit-msg hook rejected it; it said:\n    (nothing)\n" in result.stderr
    assert (path.read_bytes(), status(weeks)) == (old, "")


def test_a_missing_identity_is_not_blamed_on_a_hook(weeks: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(weeks.parent))  # no ~/.gitconfig to find one in
    monkeypatch.setenv("EMAIL", "")
    subprocess.run(["git", "config", "user.useConfigOnly", "true"], cwd=weeks, check=True)
    result = CliRunner().invoke(main, ["review", "--week", "2025-W44", "--commit"])
    assert result.exit_code == 1
    assert "failed: git does not know who you are" in result.stderr
    assert "hint: set user.name and user.email with `git config`" in result.stderr
    assert status(weeks) == ""


def _detach(root: Path) -> None:
    subprocess.run(["git", "checkout", "--quiet", "--detach"], cwd=root, check=True)


def _conflicting(root: Path) -> dict[str, Any]:
    """Branch `side` and main each change notes.txt: merging one into the other conflicts."""
    run: dict[str, Any] = {"cwd": root, "check": True, "capture_output": True}
    for branch in ("side", "main"):
        if branch == "side":
            subprocess.run(["git", "checkout", "--quiet", "-b", "side"], **run)
        else:
            subprocess.run(["git", "checkout", "--quiet", "main"], **run)
        (root / "notes.txt").write_text(f"{branch}\n", encoding="utf-8")
        subprocess.run(["git", "add", "notes.txt"], **run)
        subprocess.run(["git", "commit", "--quiet", "-m", branch], **run)
    return run


def _merging(root: Path) -> None:
    run = _conflicting(root)
    assert subprocess.run(["git", "merge", "side"], **{**run, "check": False}).returncode


def _rebasing(root: Path) -> None:
    run = _conflicting(root)
    assert subprocess.run(["git", "rebase", "side"], **{**run, "check": False}).returncode


def _cherry_picking(root: Path) -> None:
    run = _conflicting(root)
    assert subprocess.run(["git", "cherry-pick", "side"], **{**run, "check": False}).returncode


def _bisecting(root: Path) -> None:
    subprocess.run(["git", "bisect", "start", "HEAD", "HEAD~3"], cwd=root, check=True,
                   capture_output=True)


@pytest.mark.parametrize(("state", "said"), [
    (_detach, "HEAD is detached (no branch is checked out)"),
    (_merging, "a merge is in progress"),
    (_rebasing, "a rebase is in progress"),
    (_cherry_picking, "a cherry-pick is in progress"),
    (_bisecting, "a bisect is in progress"),
], ids=["detached", "merge", "rebase", "cherry-pick", "bisect"])
def test_commit_refuses_when_the_commit_would_not_land_on_a_branch(
        weeks: Path, state: Callable[[Path], None], said: str) -> None:
    state(weeks)
    head, before = log(weeks), status(weeks)
    result = CliRunner().invoke(main, ["review", "--week", "2025-W44", "--commit"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"postmortem: error: {said}; the review was not written "
                                    "or committed\n  hint: finish it (or abort it)")
    assert (log(weeks), status(weeks)) == (head, before)


def test_a_dropped_item_is_not_linked_to_an_anchor_its_report_no_longer_has(
        weeks: Path) -> None:
    text = review("--week", "2025-W44").stdout
    row = next(line for line in text.splitlines() if "AI-3" in line)
    assert row.startswith(f"| {A}#AI-3 |")  # as text: the report has no #ai-3 any more
    assert "#ai-3" not in text
    assert f"[{A}#AI-2](incidents/{A}.md#ai-2)" in text  # items still there keep their link


def test_an_item_whose_report_is_not_there_is_not_linked(weeks: Path) -> None:
    """Every link the review writes leads somewhere: before `render` wrote an incident's
    report, its items are text (and the JSON names no report)."""
    (weeks / "incidents" / f"{A}.md").unlink()
    text = review("--week", "2025-W44").stdout
    assert f"| {A}#AI-2 |" in text and f"{A}.md" not in text
    assert f"[{B}#AI-1](incidents/{B}.md#ai-1)" in text
    week = review_json("--week", "2025-W44")
    assert {(e["incident"], e["report"]) for e in week["closed"] + week["opened"]} == {
        (B, f"incidents/{B}.md"), (A, None), (C, f"incidents/{C}.md")}


def test_check_links_covers_committed_reviews(weeks: Path, git: Callable[..., str]) -> None:
    assert CliRunner().invoke(main, ["render"]).exit_code == 0
    assert review("--week", "2025-W44", "--commit").exit_code == 0
    clean = CliRunner().invoke(main, ["check", "--links"])
    assert (clean.exit_code, clean.stdout) == (0, "")
    path = weeks / "reviews" / "2025-W44.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"{A}.md#ai-2", f"{A}.md#ai-9", 1), encoding="utf-8")
    broken = CliRunner().invoke(main, ["check", "--links"])
    assert broken.exit_code == 1
    assert "reviews/2025-W44.md:" in broken.stdout
    assert "has no heading or anchor 'ai-9'" in broken.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "31.10.2025"], "--as-of '31.10.2025' is not a date; write it as YYYY-MM-DD"),
    (["--as-of", "9999-12-31"], "--as-of '9999-12-31' is out of range"),
    (["--week", "0001-W01"], "--week '0001-W01' is out of range"),
    (["--week", "9999-W50"], "--week '9999-W50' is out of range"),
])
def test_bad_and_extreme_days_are_usage_errors(weeks: Path, args: list[str],
                                               message: str) -> None:
    result = CliRunner().invoke(main, ["review", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"postmortem: error: {message}")


def _commit_incident(root: Path, text: str, when: str, author: str) -> None:
    (root / "incidents" / "2025-10-01-cache.yaml").write_text(text, encoding="utf-8")
    env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
           "GIT_AUTHOR_NAME": author, "GIT_COMMITTER_NAME": author}
    for args in (["add", "--all", "incidents"], ["commit", "--quiet", "-m", "change"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)


def test_two_commits_in_the_repeated_hour_of_a_dst_change(repo: Path) -> None:
    """02:30 CEST comes before 02:10 CET: each list shows the item as its own commit left it,
    and the first slip is the first."""
    (repo / "pyproject.toml").write_text(f'[tool.postmortem]\ntimezone = "{ZONE}"\n',
                                         encoding="utf-8")
    inc = "2025-10-01-cache"
    _commit_incident(repo, incident_yaml(inc, [item("AI-1", "Fix", "ann", "high", "todo",
                                                    "2025-10-10")]),
                     "2025-10-20T10:00:00+02:00", "Ann")
    _commit_incident(repo, incident_yaml(inc, [
        item("AI-1", "Fix", "ann", "high", "todo", "2025-10-30"),
        item("AI-2", "Add", "ann", "high", "todo", "2025-11-10")]),
        "2025-10-26T02:30:00+02:00", "Ann")
    _commit_incident(repo, incident_yaml(inc, [
        item("AI-1", "Fix", "bob", "high", "todo", "2025-11-05"),
        item("AI-2", "Add", "bob", "high", "done", "2025-11-10")]),
        "2025-10-26T02:10:00+01:00", "Bob")

    data = review_json("--week", "2025-W43")

    assert [(o["id"], o["owner"], o["status"]) for o in data["opened"]] == [
        ("AI-1", "ann", "todo"), ("AI-2", "ann", "todo")]
    assert [(s["owner"], s["from"], s["to"], s["slips"]) for s in data["slipped"]] == [
        ("ann", "2025-10-10", "2025-10-30", 1), ("bob", "2025-10-30", "2025-11-05", 2)]


def test_a_drop_undone_within_the_week_is_not_counted(repo: Path) -> None:
    """As a close undone within the week: the file deleted and restored is open, not
    dropped, at the end of the week."""
    (repo / "pyproject.toml").write_text(f'[tool.postmortem]\ntimezone = "{ZONE}"\n',
                                         encoding="utf-8")
    inc = "2025-10-01-cache"
    text = incident_yaml(inc, [item("AI-1", "Fix", "ann", "high", "todo", "2025-10-30")])
    _commit_incident(repo, text, "2025-10-01T10:00:00+02:00", "Ann")
    (repo / "incidents" / f"{inc}.yaml").unlink()
    env = {**os.environ, "GIT_AUTHOR_DATE": "2025-10-07T10:00:00+02:00",
           "GIT_COMMITTER_DATE": "2025-10-07T10:00:00+02:00"}
    for args in (["add", "--all", "incidents"], ["commit", "--quiet", "-m", "oops"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    _commit_incident(repo, text, "2025-10-09T10:00:00+02:00", "Ann")

    data = review_json("--week", "2025-W41")

    assert data["dropped"] == []
    assert (data["totals"]["dropped"]["current"], data["totals"]["open"]["current"]) == (0, 1)
