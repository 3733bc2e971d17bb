"""Fields for what real reports hold: test plans and known issues, action items as trackers
know them, values left unknown, milestones and detection, people and roles."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from postmortem.cli import main
from postmortem.reports.summary import Summary

Write = Callable[..., Path]

# A verification report and incident in one, with every new field (after the Cal.com
# webhook verification report of the import corpus and the Google SRE book example).
RICH = """\
id: 2025-11-20-webhook-signatures
title: Webhook signature enforcement
date: 2025-11-20
timezone: Europe/Berlin
language: {language}
status: mitigated
severity: unknown
started: "12:00"
detected: "12:09"
mitigated: "15:02"
impact_started: "12:05"
impact_ended: "15:02"
trigger: Signature check switched from log-only to enforce at 12:00
detection:
  source: alert
  note: WebhookRejectionsHigh fired
people:
  - name: L. Hoffmann
    role: incident_commander
  - name: R. Baumann
    role: reviewer
    note: Tests 1-7
  - name: Platform team
    role: responder
  - name: M. Weber
    role: responder
root_causes:
  - title: The middleware reads only the legacy header
    level: primary
    why:
      - Cal.com sends reschedules with X-Cal-Signature-256
      - The middleware was written against the legacy header only
    effects:
      - Reschedules are rejected with 401
    evidence:
      - title: Middleware (line 31)
        code: |
          $signature = $request->header('X-Cal-Signature');
        language: php
technical_details:
  - title: Files involved
    checks:
      - text: "`VerifyCalcomSignature.php` (reads one header)"
        state: failed
      - text: "`routes/api.php` (middleware on 9 routes)"
        state: passed
    code: |
      webhook.signature.missing provider=calcom
fixes:
  - title: Header fallback
    status: Applied
    at: "15:02"
    changes:
      - Middleware: reads X-Cal-Signature-256 first
      - The legacy header is still accepted
    verification:
      state: partial
      description: Backfill of the rejected reschedules.
      checks:
        - text: Retell webhooks accepted
          state: passed
        - text: Cal.com reschedules re-fetched
          state: pending
      commands: |
        php artisan calcom:sync-bookings --since="2025-11-20 12:00" --only=rescheduled
      expected: 4 reschedules applied
      observed: 3 of 4 applied
verification:
  - title: "Test 1: Valid Retell signature is accepted"
    state: passed
    commands: |
      curl -s -o /dev/null -w '%{{http_code}}' https://api.example/webhooks/retell
    expected: "`200`"
    observed: "`200`"
    by: L. Hoffmann
    at: "14:10"
  - title: "Test 4: BOOKING_CREATED with valid signature"
    phase: after
    state: passed
    commands: |
      SELECT id FROM appointments WHERE calcom_booking_id = 'bk_9f1c22';
    language: sql
    expected: one row
    observed: 1 row, `source = calcom_webhook`
  - title: "Test 5: BOOKING_RESCHEDULED"
    state: failed
    expected: "`200`, appointment time updated"
    observed: "`401 webhook.signature.missing`"
  - title: "Test 8: Secret rotation without downtime"
    state: pending
    checks:
      - text: New secret added as CALCOM_WEBHOOK_SECRET_NEXT
        state: passed
      - text: Rotated in Cal.com
        state: planned
    expected: |
      - no rejected webhook
      - first event signed with the new secret
known_issues:
  - id: KI-1
    title: Reschedule events use a different header
    impact: reschedules from Cal.com are not applied
    workaround: header fallback deployed at 15:02 as a hotfix
    commands: |
      $signature = $request->header('X-Cal-Signature-256')
          ?? $request->header('X-Cal-Signature');
    language: php
    ticket: GW-412
  - title: Scanner traffic inflates the rejection counter
    status: accepted
    workaround: alert threshold raised from 1 to 10 rejections / 5 min
prevention:
  - title: Contract tests against provider samples
    status: planned
    steps:
      - Collect signed samples of every event type
      - Replay them in CI
    commands: make contract-tests
monitoring:
  - title: Rejected webhooks
    check: webhook_rejected_total per provider and reason, every minute
    alert: Page on-call above 10 rejections in 5 minutes
    targets:
      - text: "Legitimate webhooks rejected: **0**"
        state: passed
action_items:
  - id: AI-1
    title: Permanent header handling with tests for both names
    type: repair
    owner: L. Hoffmann
    priority: high
    status: in_progress
    due: 2025-11-24
    ticket: GW-412
  - id: AI-2
    title: Per-IP rate limiting for webhook routes
    type: prevent
    owner: unknown
    priority: unknown
    status: todo
    due: unknown
    ticket: Bug 5554823
  - id: AI-3
    title: Write the rotation runbook
    owner: Platform team
    priority: low
    status: todo
    due: 2025-12-01
    ticket: "#42"
"""

TRACKERS = """\
[trackers.gateway]
pattern = "GW-[0-9]+"
url = "https://tracker.example/browse/{ref}"
[trackers.bugs]
pattern = "Bug (?P<number>[0-9]+)"
url = "https://bugs.example/show?id={number}"
"""


def render(runner: CliRunner) -> None:
    result = runner.invoke(main, ["render"])
    assert result.exit_code == 0, result.output + result.stderr


def check(runner: CliRunner, *args: str) -> Result:
    # The files here are reduced to the fields under test; whether a resolved report is
    # complete (C009) is tested in tests/test_consistency.py.
    result = runner.invoke(main, ["check", "--ignore", "C009", *args])
    assert "Traceback" not in result.output + result.stderr
    return result


def minimal(name: str, extra: str = "", **fields: str) -> str:
    header = {"id": name, "title": "Checkout returns 500", "date": "2024-01-01",
              "status": "investigating", "severity": "high", "started": '"10:30"', **fields}
    return "".join(f"{k}: {v}\n" for k, v in header.items()) + textwrap.dedent(extra)


@pytest.mark.parametrize(("language", "emoji"), [("en", True), ("de", True), ("en", False)],
                         ids=["en", "de", "en-plain"])
def test_the_report_holds_every_new_field(repo: Path, runner: CliRunner, write_incident: Write,
                                          generated_body: Callable[[Path], str],
                                          file_regression: Any, language: str,
                                          emoji: bool) -> None:
    (repo / "postmortem.toml").write_text(f"emoji = {str(emoji).lower()}\n" + TRACKERS,
                                          encoding="utf-8")
    write_incident("2025-11-20-webhook-signatures", RICH.format(language=language))
    assert check(runner).exit_code == 0
    render(runner)
    body = generated_body(repo / "incidents/2025-11-20-webhook-signatures.md")
    file_regression.check(body, basename=f"rich-{language}{'' if emoji else '-plain'}",
                          extension=".md")


# --- Item 1: verification and test plans ------------------------------------------------


def test_verification_commands_keep_their_language(repo: Path, runner: CliRunner,
                                                   write_incident: Write) -> None:
    """Regression: every verification command rendered as bash."""
    write_incident("lang", minimal("lang", """\
        fixes:
          - title: Index fix
            verification:
              commands: SELECT count(*) FROM appointments;
              language: sql
        verification:
          - title: Config loaded
            commands: var_dump(config('cache.default'));
            language: php
          - title: Health
            commands: curl -fsS https://example.com/health
        """))
    assert check(runner).exit_code == 0
    render(runner)
    report = (repo / "incidents/lang.md").read_text(encoding="utf-8")
    assert "```sql\nSELECT count(*) FROM appointments;\n```" in report
    assert "```php\nvar_dump(config('cache.default'));\n```" in report
    assert "```bash\ncurl -fsS https://example.com/health\n```" in report  # the default


def test_step_states_are_a_closed_list(runner: CliRunner, write_incident: Write) -> None:
    write_incident("state", minimal("state", """\
        verification:
          - title: Test 1
            state: done
        """))
    assert check(runner).stdout.splitlines()[0] == (
        "incidents/state.yaml:9:12: error: verification[0].state: 'done' is not allowed here; "
        "use 'planned', 'pending', 'passed', 'partial', 'failed' or 'skipped' [S004]")


# --- Item 2: action items as trackers know them -------------------------------------------


def test_ticket_references_become_links_through_tracker_patterns(
        repo: Path, runner: CliRunner, write_incident: Write) -> None:
    (repo / "postmortem.toml").write_text(TRACKERS, encoding="utf-8")
    write_incident("tickets", minimal("tickets", """\
        action_items:
          - {id: AI-1, title: A, owner: ops, priority: low, status: done, ticket: GW-412}
          - {id: AI-2, title: B, owner: ops, priority: low, status: done, ticket: Bug 5554823}
          - {id: AI-3, title: C, owner: ops, priority: low, status: done, ticket: "#42"}
          - {id: AI-4, title: D, owner: ops, priority: low, status: done, ticket: xGW-412}
        """))
    render(runner)
    report = (repo / "incidents/tickets.md").read_text(encoding="utf-8")
    assert "| A ([GW-412](https://tracker.example/browse/GW-412)) |" in report
    assert "| B ([Bug 5554823](https://bugs.example/show?id=5554823)) |" in report
    assert "| C (#42) |" in report  # no tracker knows it: shown as written
    assert "| D (xGW-412) |" in report  # a pattern matches the whole reference only


def test_the_type_column_appears_when_an_item_has_a_type(repo: Path, runner: CliRunner,
                                                         write_incident: Write) -> None:
    """Regression: `type` was validated but never shown."""
    write_incident("typed", minimal("typed", """\
        action_items:
          - {id: AI-1, title: A, owner: ops, priority: low, status: done, type: detect}
        """))
    write_incident("untyped", minimal("untyped", """\
        action_items:
          - {id: AI-1, title: A, owner: ops, priority: low, status: done}
        """))
    render(runner)
    typed = (repo / "incidents/typed.md").read_text(encoding="utf-8")
    untyped = (repo / "incidents/untyped.md").read_text(encoding="utf-8")
    assert "| ID | Item | Type | Priority | Owner | Status | Due |" in typed
    assert "| A | detect | ⚪ LOW |" in typed
    assert "| ID | Item | Priority | Owner | Status | Due |" in untyped


@pytest.mark.parametrize(("table", "message"), [
    ('[trackers]\njira = "https://jira.example/{ref}"\n',
     "trackers.jira must be a table with the texts `pattern` and `url`, e.g. "
     '[tool.postmortem.trackers.jira] pattern = "[A-Z]+-[0-9]+", '
     'url = "https://tracker.example/browse/{ref}"'),
    ('[trackers.jira]\npattern = "(GW-[0-9]+"\nurl = "https://jira.example/{ref}"\n',
     "trackers.jira.pattern is not a regular expression: missing ), unterminated subpattern "
     "at position 0"),
    ('[trackers.jira]\npattern = "[A-Z]+-[0-9]+"\nurl = "https://jira.example/{id}"\n',
     "trackers.jira.url uses {id}, which is neither {ref} nor a named group (?P<name>...) of "
     "its pattern"),
    ('[teams]\nsre = "Jane Doe"\n',
     'teams.sre must be a list of names, e.g. sre = ["Jane Doe", "Max Mustermann"]'),
    ('check_owners = "yes"\n', "'check_owners' must be a boolean (true or false)"),
])
def test_bad_tracker_and_team_settings(repo: Path, runner: CliRunner, table: str,
                                       message: str) -> None:
    (repo / "postmortem.toml").write_text(table, encoding="utf-8")
    result = runner.invoke(main, ["render"])
    # The line of the setting the message names (its last part: jira, pattern, url, sre).
    name = message.split(" ", 1)[0].strip("'").split(".")[-1]
    line = next(n for n, text in enumerate(table.splitlines(), 1) if text.startswith(name))
    assert (result.exit_code, result.stderr) == (
        2, f"postmortem: error: postmortem.toml:{line}: {message}\n")


# --- Item 3: no invented values --------------------------------------------------------------

UNTRIAGED = """\
    action_items:
      - id: AI-1
        title: Find out who owns the cache
        owner: unknown
        priority: unknown
        status: todo
        due: unknown
    """


@pytest.mark.parametrize(("status", "severity"), [("investigating", "warning"),
                                                  ("resolved", "warning"),
                                                  ("closed", "error")])
def test_unknown_values_warn_while_open_and_are_errors_once_closed(
        runner: CliRunner, write_incident: Write, status: str, severity: str) -> None:
    write_incident("unk", minimal("unk", UNTRIAGED, status=status, severity="unknown",
                                  started="unknown", resolved="unknown"))
    result = check(runner)
    approx = ' (a time may be approximate: "~10:30")'
    expected = []
    for at, field, time in [("5:11", "severity", False), ("6:10", "started", True),
                            ("7:11", "resolved", True), ("11:12", "action_items[0].owner", False),
                            ("12:15", "action_items[0].priority", False),
                            ("14:10", "action_items[0].due", False)]:
        said = (f"is still unknown but the incident is closed; state it{approx if time else ''}"
                ", or reopen the incident [M014]" if status == "closed"
                else "is unknown; settle it before the incident is closed [M013]")
        expected.append(f"incidents/unk.yaml:{at}: {severity}: {field}: {field} {said}")
    assert result.stdout.splitlines() == expected
    assert result.exit_code == (1 if severity == "error" else 0)


def test_without_unknown_values_nothing_is_reported(runner: CliRunner,
                                                   write_incident: Write) -> None:
    write_incident("known", minimal("known", status="closed", resolved='"11:00"'))
    assert check(runner, "--strict").exit_code == 0


@pytest.mark.parametrize(("language", "lines"), [
    ("en", ["**Severity**: ❔ unknown", "**Duration**: unknown",
            "| Find out who owns the cache | ❔ unknown | unknown | 📋 TODO | unknown |"]),
    ("de", ["**Schweregrad**: ❔ unbekannt", "**Dauer**: unbekannt",
            "| Find out who owns the cache | ❔ unbekannt | unbekannt | 📋 OFFEN | unbekannt |"]),
])
def test_the_report_says_unknown(repo: Path, runner: CliRunner, write_incident: Write,
                                 language: str, lines: list[str]) -> None:
    write_incident("unk", minimal("unk", UNTRIAGED, severity="unknown", started="unknown",
                                  language=language))
    render(runner)
    report = (repo / "incidents/unk.md").read_text(encoding="utf-8")
    for line in lines:
        assert line in report


def test_an_unknown_end_gives_no_duration(repo: Path, runner: CliRunner,
                                          write_incident: Write) -> None:
    write_incident("end", minimal("end", status="resolved", mitigated='"10:40"',
                                  resolved="unknown"))
    write_incident("done", minimal("done", status="resolved", resolved='"11:30"'))
    render(runner)
    report = (repo / "incidents/end.md").read_text(encoding="utf-8")
    assert "**Duration**: unknown (started 10:30 UTC)\\\n" in report
    index = (repo / "incidents/README.md").read_text(encoding="utf-8")
    # The median time to resolve counts only the incident whose end is known.
    assert "| 🟡 HIGH | 2 | 1 h |" in index


def test_the_index_counts_incidents_not_yet_triaged(repo: Path, runner: CliRunner,
                                                    write_incident: Write) -> None:
    write_incident("a", minimal("a"))
    render(runner)
    index = (repo / "incidents/README.md").read_text(encoding="utf-8")
    assert "unknown" not in index  # no row for them while there are none
    write_incident("b", minimal("b", severity="unknown"))
    render(runner)
    index = (repo / "incidents/README.md").read_text(encoding="utf-8")
    assert "| ❔ unknown | 1 | — |" in index
    assert "| **Total** | **2** | — |" in index


def test_the_due_policy_waits_for_known_values(runner: CliRunner, write_incident: Write) -> None:
    write_incident("policy", minimal("policy", """\
        action_items:
          - {id: AI-1, title: A, owner: ops, priority: low, status: todo, due: 2024-12-31}
          - {id: AI-2, title: B, owner: ops, priority: low, status: todo, due: unknown}
        """, severity="unknown"))
    result = check(runner, "--format", "json")
    # Only the unknown values themselves are reported: no due-date policy for an unknown
    # severity, and none for an unknown due date.
    assert [(p["severity"], p["field"], p["message"]) for p in json.loads(result.stdout)] == [
        ("warning", "severity", "severity is unknown; settle it before the incident is closed"),
        ("warning", "action_items[1].due", "action_items[1].due is unknown; settle it before "
                                           "the incident is closed")]


def test_summaries_with_an_unknown_severity_come_back_from_the_cache() -> None:
    summary = Summary(id="x", title="X", date="2024-01-01",
                      started="2024-01-01T00:00:00.000000Z", severity="unknown",
                      status="investigating", language="en", duration_minutes=None,
                      source="incidents/x.yaml", report="incidents/x.md", categories=(),
                      category_anchors=(), tags=(), related=(), items_open=1, items_total=1,
                      ended="", open_items=(("AI-1", "Triage", "unknown", "unknown"),))
    assert Summary.from_json(json.loads(json.dumps(summary.to_json()))) == summary
    assert Summary.from_json({**summary.to_json(), "severity": "urgent"}) is None


def test_history_reads_an_untriaged_item_as_unowned_and_due_on_no_day(
        repo: Path, runner: CliRunner, write_incident: Write,
        git_env: dict[str, str]) -> None:
    def commit(when: str) -> None:
        env = {**os.environ, **git_env, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", when], cwd=repo, check=True, env=env)

    write_incident("2024-01-01-cache", minimal("2024-01-01-cache", UNTRIAGED))
    commit("2024-01-02T10:00:00+00:00")
    write_incident("2024-01-01-cache", minimal("2024-01-01-cache", UNTRIAGED.replace(
        "owner: unknown", "owner: ops").replace("due: unknown", "due: 2024-01-10")
        .replace("priority: unknown", "priority: high")))
    commit("2024-01-05T10:00:00+00:00")
    result = runner.invoke(main, ["actions", "2024-01-01-cache#AI-1", "--as-of", "2024-01-03",
                                  "--format", "json"])
    before = json.loads(result.stdout)
    assert {k: before[k] for k in ("owner", "priority", "due", "overdue")} == {
        "owner": None, "priority": "unknown", "due": None, "overdue": False}
    result = runner.invoke(main, ["actions", "2024-01-01-cache#AI-1", "--as-of", "2024-01-20",
                                  "--format", "json"])
    after = json.loads(result.stdout)
    assert [(e["kind"], e["from"], e["to"]) for e in after["events"]] == [
        ("opened", None, "todo"), ("due", None, "2024-01-10"), ("owner", None, "ops")]
    assert (after["slips"], after["overdue"], after["days_overdue"]) == (0, True, 10)
    review = runner.invoke(main, ["review", "--as-of", "2024-01-03"])
    assert review.exit_code == 0, review.output
    assert "| ❔ unknown |" in review.stdout  # the priority, as the reports show it


# --- Item 4: milestones and detection ---------------------------------------------------------


def test_the_header_shows_detection_and_mitigation_with_their_durations(
        repo: Path, runner: CliRunner, write_incident: Write) -> None:
    write_incident("ms", minimal("ms", status="resolved", detected='"10:45"',
                                 mitigated='"2024-01-02T01:30"', resolved='"2024-01-02T02:00"'))
    write_incident("unk", minimal("unk", detected="unknown", started="unknown",
                                  mitigated='"11:00"', impact_started='"10:40"'))
    render(runner)
    report = (repo / "incidents/ms.md").read_text(encoding="utf-8")
    assert ("**Duration**: 15 h 30 min (2024-01-01 10:30 – 2024-01-02 02:00 UTC)\\\n"
            "**Detected**: 10:45 (time to detect: 15 min)\\\n"
            "**Mitigated**: 2024-01-02 01:30 (time to mitigate: 15 h)\n") in report
    report = (repo / "incidents/unk.md").read_text(encoding="utf-8")
    assert ("**Detected**: unknown\\\n**Mitigated**: 11:00\\\n**Impact window**: 10:40 – ?\n"
            in report)


def test_an_impact_window_ending_before_it_starts_is_a_warning(
        runner: CliRunner, write_incident: Write) -> None:
    write_incident("win", minimal("win", impact_started='"10:40"', impact_ended='"10:35"'))
    assert check(runner).stdout.splitlines()[0] == (
        "incidents/win.yaml:8:15: warning: impact_ended: impact_ended (10:35) is before "
        "impact_started (10:40) [M015]")


def test_detection_sources_are_a_closed_list(runner: CliRunner, write_incident: Write) -> None:
    write_incident("det", minimal("det", "detection:\n  source: pager\n"))
    assert check(runner).stdout.splitlines()[0] == (
        "incidents/det.yaml:8:11: error: detection.source: 'pager' is not allowed here; did "
        "you mean 'alert'? use 'alert', 'customer', 'user', 'support', 'engineer', 'test' or "
        "'other' [S004]")


# --- Item 6: people and roles -------------------------------------------------------------------

OWNED = """\
    authors: [Kim Meier]
    people:
      - {name: Tom Sato, role: responder}
    action_items:
      - {id: AI-1, title: A, owner: Tom Sato, priority: low, status: todo, due: 2024-01-10}
      - {id: AI-2, title: B, owner: kim meier, priority: low, status: todo, due: 2024-01-10}
      - {id: AI-3, title: C, owner: sre, priority: low, status: todo, due: 2024-01-10}
      - {id: AI-4, title: D, owner: Jane Doe, priority: low, status: todo, due: 2024-01-10}
      - {id: AI-5, title: E, owner: Tom Sat, priority: low, status: todo, due: 2024-01-10}
      - {id: AI-6, title: F, owner: Mallory, priority: low, status: todo, due: 2024-01-10}
    """


def test_owners_are_not_checked_by_default(runner: CliRunner, write_incident: Write) -> None:
    write_incident("own", minimal("own", OWNED))
    assert check(runner, "--strict").exit_code == 0


def test_owners_no_role_or_team_names_are_warnings(repo: Path, runner: CliRunner,
                                                   write_incident: Write) -> None:
    (repo / "postmortem.toml").write_text('check_owners = true\n[teams]\nsre = ["Jane Doe"]\n',
                                          encoding="utf-8")
    write_incident("own", minimal("own", OWNED))
    result = check(runner)
    assert result.stdout.splitlines() == [
        "incidents/own.yaml:15:33: warning: action_items[4].owner: owner 'Tom Sat' is named by "
        "no role of this incident and no team; did you mean 'Tom Sato'? [M016]",
        "incidents/own.yaml:16:33: warning: action_items[5].owner: owner 'Mallory' is named by "
        "no role of this incident and no team; add them to `people` with their role, or "
        "their team to [teams] in the configuration [M016]"]


def test_roles_are_shown_in_the_header_in_the_order_of_the_role_list(
        repo: Path, runner: CliRunner, write_incident: Write) -> None:
    write_incident("roles", minimal("roles", """\
        people:
          - {name: Ana, role: attendee}
          - {name: Ben, role: responder}
          - {name: Cem, role: incident_commander, note: from 09:24}
          - {name: Dan, role: responder}
        """, language="de"))
    render(runner)
    report = (repo / "incidents/roles.md").read_text(encoding="utf-8")
    assert ("**Incident-Leitung**: Cem (from 09:24)\\\n**Einsatzteam**: Ben, Dan\\\n"
            "**Teilnehmende am Review**: Ana\n") in report


# The least an incident needs, for the tests of one part of the report.
BASE = """\
id: {id}
title: Checkout returns 500
date: 2025-10-01
status: mitigated
severity: high
started: "10:30"
"""


@pytest.mark.parametrize("first", ["went_well", "went_wrong"])
def test_lessons_keep_the_order_the_file_writes_them(
        repo: Path, runner: CliRunner, write_incident: Callable[..., Path], first: str) -> None:
    """Reports differ: what went wrong first (Google's template, two of the seeds), or what
    worked (the third); the report keeps the file's order, titles included."""
    groups = {"went_well": "  went_well_title: What Worked\n  went_well: [Fast rollback]\n",
              "went_wrong": "  went_wrong: [No canary]\n"}
    second = "went_wrong" if first == "went_well" else "went_well"
    write_incident("lessons", BASE.format(id="lessons") + "lessons:\n  lucky: [Low traffic]\n"
                   + groups[first] + groups[second])
    render(runner)
    report = (repo / "incidents" / "lessons.md").read_text(encoding="utf-8")
    headings = [line for line in report.splitlines() if line.startswith("### ")]
    titles = {"went_well": "### What Worked", "went_wrong": "### What Went Wrong"}
    assert [h for h in headings if h in (*titles.values(), "### Where We Got Lucky")] == [
        "### Where We Got Lucky", titles[first], titles[second]]


def test_results_count_the_steps_before_the_fix_apart(
        repo: Path, runner: CliRunner, write_incident: Callable[..., Path]) -> None:
    """A step before the fix that fails reproduces the bug: the fix's results do not read
    as failed."""
    write_incident("steps", BASE.format(id="steps") + """\
verification:
  - {title: Booking fails as reported, phase: before, state: failed}
  - {title: Booking succeeds, phase: after, state: passed}
  - {title: Cancellation succeeds, state: passed}
""")
    render(runner)
    report = (repo / "incidents" / "steps.md").read_text(encoding="utf-8")
    assert "**Results**: 2 × ✅ PASSED; 1 × ❌ FAILED before the fix\n" in report
