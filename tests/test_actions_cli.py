"""`postmortem actions` through the real CLI on a repository with a month of follow-up work."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from postmortem.cli import main

A, B = "2025-10-01-cache", "2025-10-06-db-failover"


def incident(ident: str, items: list[dict[str, str]]) -> str:
    lines = [f"id: {ident}", f"title: Incident {ident}", f"date: {ident[:10]}",
             "status: resolved", "severity: high", 'started: "10:00"', 'resolved: "11:00"']
    if items:
        lines.append("action_items:")
        for it in items:
            lines.append(f"  - id: {it['id']}")
            lines += [f"    {key}: {value}" for key, value in it.items() if key != "id"]
    return "\n".join(lines) + "\n"


def ai(ident: str, title: str, owner: str, priority: str, status: str,
       due: str) -> dict[str, str]:
    return {"id": ident, "title": title, "owner": owner, "priority": priority,
            "status": status, "due": due}


# (committer date, author, {incident: items}): each step rewrites the files it names.
STEPS: list[tuple[str, str, dict[str, list[dict[str, str]]]]] = [
    ("2025-10-02T10:00:00+02:00", "Alice", {A: [
        ai("AI-1", "Rebuild the route cache on deploy", "ops", "high", "todo", "2025-10-10"),
        ai("AI-2", "Alert on 5xx after deploys", "dev", "medium", "todo", "2025-10-20"),
        ai("AI-3", "Write the runbook", "ops", "low", "todo", "2025-10-15")]}),
    ("2025-10-07T09:30:00+02:00", "Bob", {B: [
        ai("AI-1", "Test the failover monthly", "dba", "critical", "todo", "2025-10-14"),
        ai("AI-2", "Raise the pool size", "dba", "high", "in_progress", "2025-10-31")]}),
    ("2025-10-09T16:00:00+02:00", "Bob", {A: [
        ai("AI-1", "Rebuild the route cache on deploy", "ops", "high", "in_progress",
           "2025-10-17"),
        ai("AI-2", "Alert on 5xx after deploys", "dev", "medium", "todo", "2025-10-20"),
        ai("AI-3", "Write the runbook", "ops", "low", "todo", "2025-10-15")]}),
    ("2025-10-16T11:00:00+02:00", "Carol", {A: [
        ai("AI-1", "Rebuild the route cache on deploy", "sre", "high", "in_progress",
           "2025-10-24"),
        ai("AI-2", "Alert on 5xx after deploys", "dev", "medium", "done", "2025-10-20"),
        ai("AI-3", "Write the runbook", "ops", "low", "todo", "2025-10-15")]}),
    ("2025-10-18T12:00:00+02:00", "Carol", {A: [
        ai("AI-1", "Rebuild the route cache on deploy", "sre", "high", "in_progress",
           "2025-10-24"),
        ai("AI-2", "Alert on 5xx after deploys", "dev", "medium", "done", "2025-10-20")]}),
    ("2025-10-27T08:00:00+01:00", "Alice", {A: [
        ai("AI-1", "Rebuild the route cache on deploy", "sre", "high", "done", "2025-10-24"),
        ai("AI-2", "Alert on 5xx after deploys", "dev", "medium", "done", "2025-10-20")]}),
]


@pytest.fixture
def month(repo: Path) -> Path:
    """The repository after the steps above, time zone Europe/Berlin."""
    (repo / "postmortem.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    for when, author, files in STEPS:
        for ident, items in files.items():
            (repo / "incidents" / f"{ident}.yaml").write_text(incident(ident, items),
                                                             encoding="utf-8")
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
               "GIT_AUTHOR_NAME": author, "GIT_COMMITTER_NAME": author}
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", f"Follow-up {when[:10]}"], cwd=repo,
                       check=True, env=env)
    return repo


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["actions", *args], catch_exceptions=False)


def refs(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [f"{r['incident']}#{r['id']}" for r in json.loads(result.stdout)]


def test_table_on_a_day(month: Path, file_regression: Any) -> None:
    result = run("--as-of", "2025-10-20")
    assert result.exit_code == 0
    assert result.stderr == "5 action items as of 2025-10-20, 1 overdue\n"
    file_regression.check(result.stdout, extension=".txt")


def test_json_on_a_day(month: Path, file_regression: Any) -> None:
    result = run("--as-of", "2025-10-20", "--format", "json")
    assert result.exit_code == 0
    file_regression.check(result.stdout, extension=".json")


def test_one_items_full_history(month: Path, file_regression: Any) -> None:
    result = run(f"{A}#AI-1", "--as-of", "2025-10-31")
    assert result.exit_code == 0
    file_regression.check(result.stdout, extension=".txt")


def test_one_item_as_json(month: Path) -> None:
    result = run(f"{A}#AI-1", "--as-of", "2025-10-31", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("status", "due", "overdue", "days_overdue", "opened",
                                 "closed", "closed_late", "slips", "days_slipped")} == {
        "status": "done", "due": "2025-10-24", "overdue": False, "days_overdue": 0,
        "opened": "2025-10-02", "closed": "2025-10-27", "closed_late": True, "slips": 2,
        "days_slipped": 14}
    assert [(e["kind"], e["date"], e["from"], e["to"], e["author"]) for e in data["events"]] == [
        ("opened", "2025-10-02T10:00:00+02:00", None, "todo", "Alice"),
        ("status", "2025-10-09T16:00:00+02:00", "todo", "in_progress", "Bob"),
        ("due", "2025-10-09T16:00:00+02:00", "2025-10-10", "2025-10-17", "Bob"),
        ("due", "2025-10-16T11:00:00+02:00", "2025-10-17", "2025-10-24", "Carol"),
        ("owner", "2025-10-16T11:00:00+02:00", "ops", "sre", "Carol"),
        ("status", "2025-10-27T08:00:00+01:00", "in_progress", "done", "Alice")]
    assert all(len(e["commit"]) == 40 for e in data["events"])


@pytest.mark.parametrize(("day", "overdue", "days"), [
    ("2025-10-16", False, 0), ("2025-10-17", False, 0), ("2025-10-18", False, 0),
    ("2025-10-24", False, 0), ("2025-10-25", True, 1), ("2025-10-26", True, 2),
    ("2025-10-27", False, 0)])
def test_overdue_around_the_due_day(month: Path, day: str, overdue: bool, days: int) -> None:
    # Due the 17th until the 16th, then the 24th; done on the 27th.
    result = run(f"{A}#AI-1", "--as-of", day, "--format", "json")
    data = json.loads(result.stdout)
    assert (data["overdue"], data["days_overdue"]) == (overdue, days)


@pytest.mark.parametrize(("args", "expected"), [
    ([], [f"{B}#AI-1", f"{A}#AI-1", f"{B}#AI-2", f"{A}#AI-2", f"{A}#AI-3"]),
    (["--owner", "DBA"], [f"{B}#AI-1", f"{B}#AI-2"]),
    (["--owner", "dba", "--owner", "dev"], [f"{B}#AI-1", f"{B}#AI-2", f"{A}#AI-2"]),
    (["--incident", A], [f"{A}#AI-1", f"{A}#AI-2", f"{A}#AI-3"]),
    (["--status", "open"], [f"{B}#AI-1", f"{A}#AI-1", f"{B}#AI-2"]),
    (["--status", "closed"], [f"{A}#AI-2"]),
    (["--status", "dropped"], [f"{A}#AI-3"]),
    (["--status", "done", "--status", "in_progress"],
     [f"{A}#AI-1", f"{B}#AI-2", f"{A}#AI-2"]),
    (["--overdue"], [f"{B}#AI-1"]),
    (["--due-within", "4"], [f"{A}#AI-1"]),
    (["--due-within", "11"], [f"{A}#AI-1", f"{B}#AI-2"]),
    (["--overdue", "--due-within", "4"], [f"{B}#AI-1", f"{A}#AI-1"]),
    (["--overdue", "--owner", "ops"], []),
])
def test_filters(month: Path, args: list[str], expected: list[str]) -> None:
    assert refs(run("--as-of", "2025-10-20", "--format", "json", *args)) == expected


def test_before_anything_was_opened(month: Path) -> None:
    result = run("--as-of", "2025-10-01")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == "0 action items as of 2025-10-01, 0 overdue\n"
    result = run(f"{B}#AI-1", "--as-of", "2025-10-06")
    assert result.exit_code == 1
    assert "was not opened yet on 2025-10-06" in result.stderr


def test_default_as_of_is_today_in_the_configured_zone(month: Path) -> None:
    today = dt.datetime.now(dt.timezone.utc).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Berlin")).date()
    result = run()
    assert result.exit_code == 0
    assert f"as of {today.isoformat()}" in result.stderr


@pytest.mark.parametrize(("ref", "hint"), [
    (f"{A}#AI-7", f"{A} has AI-1, AI-2, AI-3"),
    ("2025-10-01-cahce#AI-1", f"did you mean '{A}#AI-1'?"),
    ("nothing#AI-1", "`postmortem actions` lists them all"),
])
def test_unknown_item(month: Path, ref: str, hint: str) -> None:
    result = run(ref)
    assert result.exit_code == 1
    assert result.stderr == (f"postmortem: error: no action item '{ref}' in the history of "
                             f"incidents/\n  hint: {hint}\n")


@pytest.mark.parametrize(("args", "message"), [
    ([A], f"'{A}' does not name an action item; write INCIDENT#ID"),
    ([f"{A}#AI-1", "--overdue"], "they do not combine with INCIDENT#ID"),
    (["--due-within", "-1"], "Invalid value for '--due-within'"),
    (["--status", "late"], "Invalid value for '--status'"),
    (["--as-of", "20.10.2025"], "postmortem: error: --as-of '20.10.2025' is not a date; "
                                "write it as YYYY-MM-DD"),
    (["--as-of", "9999-12-31"], "postmortem: error: --as-of '9999-12-31' is out of range"),
    (["--as-of", "0001-01-01"], "postmortem: error: --as-of '0001-01-01' is out of range"),
    (["--as-of", "2025-10-20", "--due-within", "3000000"],
     "postmortem: error: --due-within 3000000 reaches past 9998-12-31"),
])
def test_usage_errors(month: Path, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_not_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "plain"
    (folder / "incidents").mkdir(parents=True)
    (folder / "postmortem.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(folder)
    result = run()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"postmortem: error: '{folder}' is not in a git "
                                    "repository")
    assert "hint: run this inside a clone of the incident repository" in result.stderr


def test_warnings_go_to_standard_error(month: Path) -> None:
    (month / "incidents" / f"{A}.yaml").write_text("id: changed\n", encoding="utf-8")
    result = run("--as-of", "2025-10-20", "--format", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)) == 5  # the committed state
    assert result.stderr.splitlines()[0] == (
        f"postmortem: warning: uncommitted changes to incidents/{A}.yaml: the history shows "
        "the committed state only; commit them to include them")


def test_help_explains_renames_and_changed_ids(month: Path) -> None:
    result = run("--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "An item whose own id changes counts as the old item dropped and a new one" in text
    assert "--due-within DAYS" in text


def test_the_installed_command_prints_the_same(month: Path) -> None:
    exe = Path(sys.executable).with_name("postmortem")
    done = subprocess.run([str(exe), "actions", "--as-of", "2025-10-20", "--format", "json"],
                          cwd=month, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == run("--as-of", "2025-10-20", "--format", "json").stdout


def test_an_item_named_as_its_anchor_is_found(month: Path) -> None:
    spelled = run(f"{A}#ai-1", "--as-of", "2025-10-20")
    assert spelled.exit_code == 0
    assert spelled.stdout == run(f"{A}#AI-1", "--as-of", "2025-10-20").stdout


def test_an_unknown_incident_filter_is_an_error(month: Path) -> None:
    result = run("--incident", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("postmortem: error: no incident 'nope' with action items "
                                    "in the history of incidents/")


def test_text_from_history_does_not_drive_the_terminal(repo: Path, git: Any) -> None:
    # An old version of a file is never checked: its owner could be an escape sequence.
    (repo / "incidents" / "2025-10-01-a.yaml").write_text(
        "id: 2025-10-01-a\naction_items:\n  - {id: AI-1, title: \"Fix\\e]0;pwned\\a\", "
        "owner: \"\\e[2Jops\", priority: high, status: todo, due: 2025-10-10}\n",
        encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "a")
    for args in (["actions", "--as-of", "2025-10-01"],
                 ["actions", "2025-10-01-a#AI-1", "--as-of", "2025-10-01"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "\\x1b[2Jops" in result.stdout
