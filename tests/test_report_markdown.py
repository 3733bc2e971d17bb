"""Reports read right as GitHub-flavoured Markdown: lines stay lines, lists stay lists, one
icon per heading, and a German report in German."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from postmortem.cli import main
from postmortem.reports.labels import DE, EN

MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def report(repo: Path, runner: CliRunner, body: str, language: str = "en") -> str:
    (repo / "incidents" / "2025-10-01-x.yaml").write_text(textwrap.dedent(f"""\
        id: 2025-10-01-x
        title: Checkout down
        date: 2025-10-01
        timezone: Europe/Berlin
        language: {language}
        status: resolved
        severity: high
        started: "11:16"
        resolved: "12:20"
        authors: [Ana, Ben]
        tags: [cache]
        report_created: 2025-10-01 12:30
        """) + textwrap.dedent(body), encoding="utf-8")
    result = runner.invoke(main, ["render"])
    assert result.exit_code == 0, result.output + result.stderr
    text = (repo / "incidents" / "2025-10-01-x.md").read_text(encoding="utf-8")
    return text.partition("\n")[2]


def paragraphs(markdown: str) -> list[str]:
    """The HTML of each paragraph as GitHub would render it."""
    html = MD.render(markdown)
    return [p.split("</p>")[0] for p in html.split("<p>")[1:]]


def test_header_and_footer_lines_are_lines(repo: Path, runner: CliRunner) -> None:
    text = report(repo, runner, """\
        root_cause_summary: Stale route cache
        header:
          - Ticket: OPS-1
        footer:
          - Follow-up: yes
        """)
    html = paragraphs(text)
    header = next(p for p in html if p.startswith("<strong>Status</strong>"))
    assert header.split("<br />\n") == [
        "<strong>Status</strong>: ✅ RESOLVED", "<strong>Severity</strong>: 🟡 HIGH",
        "<strong>Duration</strong>: 1 h 4 min (11:16 – 12:20 CEST)",
        "<strong>Root Cause</strong>: Stale route cache", "<strong>Ticket</strong>: OPS-1"]
    footer = next(p for p in html if p.startswith("<strong>Report Created</strong>"))
    assert footer.split("<br />\n") == [
        "<strong>Report Created</strong>: 2025-10-01 12:30",
        "<strong>Authors</strong>: Ana, Ben", "<strong>Status</strong>: ✅ RESOLVED",
        "<strong>Follow-up</strong>: yes", "<strong>Tags</strong>: <code>cache</code>"]


def test_a_fix_result_written_as_a_list_is_a_list(repo: Path, runner: CliRunner) -> None:
    text = report(repo, runner, """\
        fixes:
          - title: Cache rebuilt
            result: |
              - 500 errors stopped
              - p95 back to 120 ms
          - title: Config reloaded
            result: Errors stopped.
        """)
    html = MD.render(text)
    assert ("<p><strong>Result</strong>:</p>\n<ul>\n<li>500 errors stopped</li>\n"
            "<li>p95 back to 120 ms</li>\n</ul>") in html
    assert "<p><strong>Result</strong>: Errors stopped.</p>" in html


def test_an_effect_or_reason_of_several_lines_stays_one_list_item(
        repo: Path, runner: CliRunner) -> None:
    """Effects and reasons are Markdown, as lessons are: a second line stays in its item
    (it broke out of the list: here a heading of the report's own level)."""
    text = report(repo, runner, """\
        root_causes:
          - title: Stale route cache
            level: primary
            effects:
              - |
                Old routes served
                # for 64 minutes
              - "`php artisan route:cache` not run"
            why:
              - Deploy script skipped the step
        """)
    html = MD.render(text)
    assert ("<ul>\n<li>Old routes served\n<h1>for 64 minutes</h1>\n</li>\n"
            "<li><code>php artisan route:cache</code> not run</li>\n</ul>") in html
    assert "<ul>\n<li>Deploy script skipped the step</li>\n</ul>" in html


@pytest.mark.parametrize("title, heading", [
    ("✅ Immediate Fix (Applied)", "## ✅ Immediate Fix (Applied)"),
    ("🛠️ Fixes", "## 🛠️ Fixes"),
    ("Immediate Fix (Applied)", "## ✅ Immediate Fix (Applied)"),
])
def test_a_custom_title_with_its_own_emoji_gets_no_second_icon(
        repo: Path, runner: CliRunner, title: str, heading: str) -> None:
    text = report(repo, runner, f"""\
        fixes:
          - title: Cache rebuilt
        titles:
          fixes: "{title}"
        """)
    assert [line for line in text.splitlines() if line.startswith("## ") and "Fix" in line] \
        == [heading]


# Words German uses as they are in English.
LOANWORDS = {"Status", "ID", "Tags", "Incident", "Incidents", "Commit", "Ticket", "Test"}


def test_the_german_labels_are_german() -> None:
    same = {key: value for key, value in DE.items() if value == EN[key]}
    assert set(same.values()) <= LOANWORDS, same


def test_a_german_report_is_german_throughout(repo: Path, runner: CliRunner) -> None:
    text = report(repo, runner, """\
        lessons:
          went_well: [Schnelle Reaktion]
        monitoring:
          - title: Alarm
            body: Fehlerrate über 1 %
        """, language="de")
    assert text.startswith("# Incident-Bericht: Checkout down (2025-10-01)\n")
    assert "## 📡 Überwachung" in text
    assert "## 📚 Erkenntnisse" in text
    for english in ("Incident Report", "Lessons Learned", "Monitoring"):
        assert english not in text


@pytest.mark.parametrize("link, shown", [
    ("Bug 5554823", "Alert on stale caches (Bug 5554823)"),
    ("JIRA-123", "Alert on stale caches (JIRA-123)"),
    ("https://tracker.example/OPS-1", "Alert on stale caches ([link](https://tracker.example/OPS-1))"),
    ("../docs/runbook.md", "Alert on stale caches ([link](../docs/runbook.md))"),
])
def test_an_item_link_that_is_no_address_is_text(repo: Path, runner: CliRunner, link: str,
                                                 shown: str) -> None:
    text = report(repo, runner, f"""\
        action_items:
          - id: AI-1
            title: Alert on stale caches
            owner: sre
            priority: high
            status: todo
            due: 2025-10-15
            link: "{link}"
        """)
    row = next(line for line in text.splitlines() if 'id="ai-1"' in line)
    assert f"| {shown} |" in row


def test_an_expected_result_written_as_a_list_is_a_list(repo: Path, runner: CliRunner) -> None:
    """Expected and observed results, a known issue's impact and workaround, a monitor's
    check and alert and a measure's steps keep their lists (the first item was escaped into
    text: the seed's "Expected" list lost an item), but add no heading, fence or HTML."""
    text = report(repo, runner, """\
        verification:
          - title: Health
            expected: |
              - `"healthy": true`
              - `"database": "healthy"`
            observed: Both healthy.
        known_issues:
          - title: Slow search
            impact: |
              - search p95 2 s
              - exports delayed
        prevention:
          - title: Guard
            steps:
              - |
                Add a check
                - in CI
                - in the deploy script
        monitoring:
          - title: Workers
            alert: |
              Alert if workers <a id="x"></a>< 3
              # paged
              ```
        """)
    html = MD.render(text)
    assert ("<p><strong>Expected</strong>:</p>\n<ul>\n<li><code>&quot;healthy&quot;: true</code>"
            "</li>\n<li><code>&quot;database&quot;: &quot;healthy&quot;</code></li>\n</ul>"
            ) in html
    assert "<p><strong>Observed</strong>: Both healthy.</p>" in html
    assert "<ul>\n<li>search p95 2 s</li>\n<li>exports delayed</li>\n</ul>" in html
    assert ("<ol>\n<li>Add a check\n<ul>\n<li>in CI</li>\n<li>in the deploy script</li>\n"
            "</ul>\n</li>\n</ol>") in html
    assert ("<p><strong>Alert</strong>:\nAlert if workers &lt;a id=&quot;x&quot;&gt;&lt;/a&gt;"
            "&lt; 3\n# paged\n```</p>") in html


def test_a_less_than_sign_in_a_code_span_is_shown_as_written(repo: Path,
                                                               runner: CliRunner) -> None:
    """Outside code ``<`` is an entity (no HTML); inside a code span an entity would be shown
    as ``&lt;``: it stays ``<`` there, in headings, table cells, lists and links alike."""
    text = report(repo, runner, """\
        timeline:
          - at: "11:16"
            event: "Alert `queue_depth < 10` fired <b>"
        root_causes:
          - title: "Limit `x < y` and [`a[0]`]"
        action_items:
          - {id: AI-1, title: "Fix `a < b`", owner: ops, priority: high, status: todo,
             due: 2025-10-08}
        """)
    html = MD.render(text)
    assert "<td>Alert <code>queue_depth &lt; 10</code> fired &lt;b&gt;</td>" in html
    assert "Limit <code>x &lt; y</code> and [<code>a[0]</code>]</h3>" in html
    assert "<td>Fix <code>a &lt; b</code></td>" in html
    assert "&amp;lt;" not in html


def test_a_link_to_an_incident_shows_its_title_as_written() -> None:
    from postmortem.reports.markdown import md_link
    html = MD.renderInline(md_link("Fix `arr[0]` in `C:\\tmp` [x] <b>", "x.md"))
    assert html == ('<a href="x.md">Fix <code>arr[0]</code> in <code>C:\\tmp</code> [x] '
                    "&lt;b&gt;</a>")


def test_sign_off_lines_are_lines(repo: Path, runner: CliRunner) -> None:
    text = report(repo, runner, """\
        sign_off:
          fields:
            - Incident: Checkout down
            - Verification: PASSED
          body: All code changes are active.
        """)
    html = paragraphs(text)
    assert ("<strong>Incident</strong>: Checkout down<br />\n"
            "<strong>Verification</strong>: PASSED") in html
    assert "All code changes are active." in html


def test_a_fix_verification_state_is_not_run_into_its_description(
        repo: Path, runner: CliRunner) -> None:
    text = report(repo, runner, """\
        fixes:
          - title: Cache rebuilt
            verification:
              state: partial
              description: Checked on one node.
        """)
    html = paragraphs(text)
    assert "<strong>Verification</strong>: ⚠️ PARTIAL" in html
    assert "Checked on one node." in html


def test_times_written_with_seconds_keep_them(repo: Path, runner: CliRunner) -> None:
    text = report(repo, runner, """\
        detected: "11:16:45"
        timeline:
          - at: "2025-10-01T11:17:30"
            event: Fix applied
        """)
    assert "**Detected**: 11:16:45 (time to detect: 45 s)" in text
    assert "| 2025-10-01 11:17:30 | Fix applied |" in text
