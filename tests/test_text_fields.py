"""One-line fields are one line, code blocks hold what they hold, and what an incident file
says is shown as text: it never adds headings, anchors, HTML or code blocks to its report.
What `check` accepts renders; a figure that cannot be rendered is a `check` error."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from postmortem.cli import main

Write = Callable[..., Path]

HEAD = """\
id: x
title: Checkout returns 500
date: 2024-01-01
status: mitigated
severity: high
started: "10:30"
resolved: "11:00"
"""

# field -> the YAML that sets it to {value}; {value} is a double-quoted YAML string.
ONE_LINE = {
    "title": "title: {value}",
    "severity_note": "severity_note: {value}",
    "root_cause_summary": "root_cause_summary: {value}",
    "timezone": "timezone: {value}",
    "authors[0]": "authors: [{value}]",
    "report_created": "report_created: {value}",
    "header[0]": "header: [{value}]",
    "header[0].Label": "header: [{{Label: {value}}}]",
    "footer[0]": "footer: [{value}]",
    "timeline[0].note": "timeline: [{{at: '10:30', event: e, note: {value}}}]",
    "root_causes[0].title": "root_causes: [{{title: {value}}}]",
    "impact.user.title": "impact: {{user: {{title: {value}}}}}",
    "impact.user.figures[0].Users": "impact: {{user: {{figures: [{{Users: {value}}}]}}}}",
    "fixes[0].title": "fixes: [{{title: {value}}}]",
    "fixes[0].status": "fixes: [{{title: F, status: {value}}}]",
    "verification[0].title": "verification: [{{title: {value}}}]",
    "prevention[0].title": "prevention: [{{title: {value}}}]",
    "lessons.went_well_title": "lessons: {{went_well_title: {value}}}",
    "lessons.went_wrong_title": "lessons: {{went_wrong_title: {value}}}",
    "action_items[0].title": "action_items: [{{id: AI-1, title: {value}, owner: o, "
                             "priority: low, status: todo, due: 2024-01-05}}]",
    "action_items[0].owner": "action_items: [{{id: AI-1, title: t, owner: {value}, "
                             "priority: low, status: todo, due: 2024-01-05}}]",
    "action_items[0].link": "action_items: [{{id: AI-1, title: t, link: {value}, "
                            "priority: low, status: done}}]",
    "next_steps[0].title": "next_steps: [{{title: {value}}}]",
    "next_steps[0].items[0]": "next_steps: [{{items: [{value}]}}]",
    "next_steps[0].items[0].text": "next_steps: [{{items: [{{text: {value}}}]}}]",
    "technical_details[0].title": "technical_details: [{{title: {value}, body: b}}]",
    "monitoring[0].title": "monitoring: [{{title: {value}, body: b}}]",
    "appendices[0].title": "appendices: [{{title: {value}, body: b}}]",
    "sections[0].title": "sections: [{{title: {value}, body: b}}]",
    "titles.summary": "titles: {{summary: {value}}}",
    "related[0].relation": "related: [{{title: T, relation: {value}}}]",
    "related[0].title": "related: [{{title: {value}}}]",
    "related[0].url": "related: [{{url: {value}}}]",
    "related[0].note": "related: [{{title: T, note: {value}}}]",
    "sign_off.fields[0]": "sign_off: {{fields: [{value}]}}",
    "sign_off.fields[0].By": "sign_off: {{fields: [{{By: {value}}}]}}",
}


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args])
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def render() -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["render"])
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("field", sorted(ONE_LINE))
def test_a_line_break_in_a_one_line_field_is_an_error(write_incident: Write, field: str) -> None:
    write_incident("x", _with(field, '"a\\n# injected"'))
    code, out, _ = check()
    assert code == 1
    assert (f": error: {field}: is one line, but holds a line break after 'a'; join the lines "
            "(longer text belongs in a Markdown field such as summary or description) "
            "[S006]\n") in out


@pytest.mark.parametrize("field", ["title", "action_items[0].owner", "header[0].Label"])
def test_a_control_character_in_a_one_line_field_is_an_error(write_incident: Write,
                                                             field: str) -> None:
    write_incident("x", _with(field, '"red\\e[31m"'))
    code, out, _ = check()
    assert code == 1
    assert (f": error: {field}: holds the control character U+001B (ESC) after 'red'; remove "
            "it [S006]\n") in out


def _with(field: str, value: str) -> str:
    line = ONE_LINE[field].format(value=value)
    key = line.partition(":")[0]
    lines = [existing for existing in HEAD.splitlines() if not existing.startswith(key + ":")]
    return "\n".join([*lines, line]) + "\n"


def test_the_language_of_a_code_block_is_one_word(write_incident: Write) -> None:
    write_incident("x", HEAD + 'fixes:\n  - title: F\n    commands: ls\n'
                               '    language: "x\\n```\\n# injected"\n')
    code, out, _ = check()
    assert (code, out) == (1, "incidents/x.yaml:11:15: error: fixes[0].language: 'x\\n```\\n# "
                              "injected' is not valid here: use one word such as bash, python or "
                              "yaml (letters, digits and _ + . # -) [S005]\n")


def test_messages_show_control_characters_as_escapes(write_incident: Write) -> None:
    write_incident("x", HEAD.replace("severity: high", 'severity: "\\e]0;pwned\\a"'))
    code, out, _ = check()
    assert code == 1
    assert "\x1b" not in out and "\x07" not in out
    assert "severity: '\\x1b]0;pwned\\x07' is not allowed here" in out


def test_bidirectional_controls_are_a_warning_at_their_place(write_incident: Write) -> None:
    write_incident("x", HEAD + "summary: |\n  Paid by\n  admin\u202e \u2066nimda\u2069\n"
                               'authors: ["\\u202eeve"]\n')
    assert check()[0] == 0
    assert check()[1] == (
        "incidents/x.yaml:10:8: warning: summary: Unicode bidirectional control U+202E "
        "(RIGHT-TO-LEFT OVERRIDE): it makes the text display in another order than it is "
        "written; remove it [T001]\n"
        "incidents/x.yaml:10:10: warning: summary: Unicode bidirectional control U+2066 "
        "(LEFT-TO-RIGHT ISOLATE): it makes the text display in another order than it is "
        "written; remove it [T001]\n"
        "incidents/x.yaml:10:16: warning: summary: Unicode bidirectional control U+2069 "
        "(POP DIRECTIONAL ISOLATE): it makes the text display in another order than it is "
        "written; remove it [T001]\n"
        "incidents/x.yaml:11:11: warning: authors[0]: Unicode bidirectional control U+202E "
        "(RIGHT-TO-LEFT OVERRIDE): it makes the text display in another order than it is "
        "written; remove it [T001]\n")
    assert check("--strict")[0] == 1


def test_the_bidi_rule_is_in_the_catalogue() -> None:
    from postmortem.rules.registry import REGISTRY

    rule = REGISTRY["T001"]
    assert (rule.name, rule.severity) == ("bidi-control", "warning")


HOSTILE = """\
severity_note: '<a id="ai-1"></a><!-- hidden'
header:
  - "# Injected heading"
  - "1. not a list"
  - Owner: "<script>alert(1)</script>"
timeline:
  - at: "10:30"
    event: '<a id="ai-1"></a>Deploy'
    note: '<a id="rc-1"></a>'
root_causes:
  - title: "<img src=x onerror=alert(1)>"
    level: primary
fixes:
  - title: "> not a quote"
    commands: |
      cat <<'EOF'
      ```
      # not a heading
      ````
      EOF
    language: bash
verification:
  - title: Output
    output: "~~~\\n```\\n# still code"
action_items:
  - id: AI-1
    title: "--- "
    owner: "[x]: http://example.com"
    priority: low
    status: todo
    due: 2024-01-05
    link: "https://example.com/a (b)"
related:
  - title: "Runbook <b>"
    url: "/srv/a`b`.md"
  - title: "Guide"
    url: "docs/a guide.md"
sections:
  - title: "## Section"
    body: Text.
"""


def test_hostile_text_adds_no_structure_to_the_report(repo: Path, write_incident: Write) -> None:
    write_incident("x", HEAD + HOSTILE)
    (repo / "docs").mkdir()
    (repo / "docs" / "a guide.md").write_text("# Guide\n", encoding="utf-8")
    code, _, err = render()
    assert code == 0, err
    text = (repo / "incidents" / "x.md").read_text(encoding="utf-8")
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(text)
    html = [t.content.strip() for t in tokens if t.type == "html_block"
            and not t.content.startswith("<!-- generated by postmortem from incidents/x.yaml")]
    html += [c.content for t in tokens if t.children for c in t.children
             if c.type == "html_inline"]
    # The only HTML is the report's own anchors, each once.
    anchors = [h for h in html if h.startswith("<a id=")]
    assert len(anchors) == len(set(anchors))
    assert [h for h in html if not h.startswith("<a id=") and h != "</a>"] == []
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == "Incident Report: Checkout returns 500 (2024-01-01)"
    assert "Injected heading" not in " ".join(headings[1:])
    assert "\\## Section" in headings  # shown as written, a backslash keeping it a title
    code_blocks = [t.content for t in tokens if t.type == "fence"]
    assert code_blocks == [
        "cat <<'EOF'\n```\n# not a heading\n````\nEOF\n", "~~~\n```\n# still code\n"]
    assert "&lt;img src=x" in text and "<img" not in text
    assert "- ``/srv/a`b`.md`` - Runbook &lt;b>" in text
    assert "[Guide](<docs/a guide.md>)" in text
    # A link with a space is no address: shown as text, never as a broken link.
    assert "--- (https://example.com/a (b))" in text


@pytest.mark.parametrize("figures", ["[{a: x, b: y}]", "[{}]"], ids=["two keys", "no key"])
@pytest.mark.parametrize("where", ["header: {figures}", "footer: {figures}",
                                   "impact: {{user: {{figures: {figures}}}}}",
                                   "sign_off: {{fields: {figures}}}"],
                         ids=["header", "footer", "impact", "sign-off"])
def test_a_figure_is_one_pair_or_check_says_so(repo: Path, write_incident: Write,
                                               figures: str, where: str) -> None:
    write_incident("x", HEAD + where.format(figures=figures) + "\n")
    code, out, _ = check()
    assert code == 1
    keys = "2 keys" if "b:" in figures else "0 keys"
    assert (f"a figure is one `Label: value` pair, but this mapping has {keys}; write each "
            "pair as a list entry of its own (`- Label: value`), or plain text [S007]\n") in out
    code, _, err = render()
    assert code == 1
    assert "incidents/x.yaml:" in err
    assert not (repo / "incidents" / "x.md").exists()


def test_figures_of_one_pair_and_plain_text_render(repo: Path, write_incident: Write) -> None:
    write_incident("x", HEAD + textwrap.dedent("""\
        header: [{Region: eu-west-1}, plain line]
        sign_off: {fields: [{By: SRE}]}
        """))
    assert check() == (0, "", "1 file checked, no problems\n")
    assert render()[0] == 0
    text = (repo / "incidents" / "x.md").read_text(encoding="utf-8")
    assert "**Region**: eu-west-1\\\nplain line\n" in text
    assert "**By**: SRE\n" in text
