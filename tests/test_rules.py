"""The rule registry: codes and docs, choosing rules (`--select`, `--ignore`, [check]) and
silencing one line (`# noqa: CODE`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from postmortem.cli import main
from postmortem.rules.docs import reference
from postmortem.rules.registry import REGISTRY

Write = Callable[..., Path]
ROOT = Path(__file__).resolve().parents[1]

BASE = """\
id: {id}
title: Checkout returns 500
date: 2024-01-01
status: mitigated
severity: high
started: "10:30"
resolved: "11:45"
"""
# Line 10: M006 (timeline out of order); line 12 (the item): M010 (due policy).
FINDINGS = BASE + """\
timeline:
  - {{at: "10:40", event: Alert}}
  - {{at: "10:35", event: First error}}{noqa}
action_items:
  - {{id: AI-1, title: Fix, owner: ops, priority: high, status: todo, due: 2024-12-31}}
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def codes(out: str) -> list[str]:
    return re.findall(r"^\S+:(\d+):\d+: (?:error|warning): .*$", out, re.M)


def lines(out: str) -> list[tuple[str, str]]:
    """(line, kind of finding) of each printed problem."""
    return [(m.group(1), m.group(2)) for m in re.finditer(
        r"^\S+?:(\d+):\d+: (error|warning): ", out, re.M)]


# --- the catalogue and its documentation -----------------------------------------------------

def test_docs_rules_md_is_current() -> None:
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == reference(), \
        "run: postmortem rules --format markdown > docs/rules.md"


def test_every_rule_is_documented_and_reported_somewhere() -> None:
    package = "\n".join(p.read_text(encoding="utf-8")
                        for p in (ROOT / "postmortem").rglob("*.py"))
    names = set()
    for code, rule in REGISTRY.items():
        assert re.fullmatch(r"[A-Z][0-9]{3}", code), code
        assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.severity in ("error", "warning")
        assert rule.summary.endswith(".") and rule.bad and rule.good, code
        assert rule.bad != rule.good
        assert f'"{code}"' in package, f"{code} is in the catalogue but nothing reports it"
        names.add(rule.name)
    assert len(names) == len(REGISTRY)


def test_rules_command_lists_and_explains(runner: CliRunner) -> None:
    code, out, _ = run("rules")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["Y001", "error", "file-readable"]
    assert len(out.splitlines()) == len(REGISTRY)
    code, out, _ = run("rules", "timeline-order")
    assert code == 0 and out.startswith("M006 timeline-order (warning)\n")
    assert "Reported:\n    timeline:\n" in out and "\nFixed:\n" in out
    code, _, err = run("rules", "M06")
    assert code == 2
    assert err == ("postmortem: error: rules: 'M06' names no rule\n"
                   "  hint: did you mean 'M006'?\n")


# --- choosing rules ----------------------------------------------------------------------------

@pytest.fixture
def two_findings(write_incident: Write) -> Path:
    return write_incident("a", FINDINGS.format(id="a", noqa=""))


def test_both_findings_by_default(two_findings: Path) -> None:
    code, out, _ = run("check")
    assert (code, lines(out)) == (0, [("10", "warning"), ("12", "warning")])


@pytest.mark.parametrize(("args", "expected"), [
    (["--select", "M006"], [("10", "warning")]),
    (["--select", "timeline-order"], [("10", "warning")]),
    (["--select", "M00"], [("10", "warning")]),  # a prefix: M001 to M009
    (["--ignore", "M006"], [("12", "warning")]),
    (["--select", "M", "--ignore", "due-policy,M006"], []),
    (["--select", "X,Q"], []),
    (["--select", "ALL"], [("10", "warning"), ("12", "warning")]),
])
def test_select_and_ignore(two_findings: Path, args: list[str],
                           expected: list[tuple[str, str]]) -> None:
    code, out, _ = run("check", *args)
    assert (code, lines(out)) == (0, expected)


def test_an_unknown_code_is_a_usage_error(two_findings: Path) -> None:
    assert run("check", "--ignore", "M0066") == (
        2, "", "postmortem: error: --ignore: 'M0066' names no rule\n"
               "  hint: did you mean 'M006'?\n")


def test_configuration_selects_ignores_and_raises_severity(repo: Path,
                                                           two_findings: Path) -> None:
    (repo / "postmortem.toml").write_text(
        '[check]\nignore = ["M010"]\nseverity = {timeline-order = "error"}\n', "utf-8")
    code, out, _ = run("check")
    assert (code, lines(out)) == (1, [("10", "error")])
    # the command line's --select replaces the configured selection, --ignore adds to it
    code, out, _ = run("check", "--select", "M010")
    assert (code, lines(out)) == (0, [("12", "warning")])
    code, out, _ = run("check", "--ignore", "M006")
    assert (code, lines(out)) == (0, [])


def test_per_file_ignores(repo: Path, write_incident: Write) -> None:
    write_incident("2019-a", FINDINGS.format(id="2019-a", noqa=""))
    write_incident("2024-b", FINDINGS.format(id="2024-b", noqa=""))
    (repo / "postmortem.toml").write_text(
        '[check.per_file_ignores]\n"incidents/2019-*.yaml" = ["M"]\n', "utf-8")
    code, out, _ = run("check")
    assert code == 0
    assert [line.split(":")[0] for line in out.splitlines()] == ["incidents/2024-b.yaml"] * 2


@pytest.mark.parametrize(("toml", "message"), [
    ('[check]\nselct = ["M"]\n',
     "postmortem.toml:2: check: unknown key 'selct'; did you mean 'select'?"),
    ('[check]\nselect = "M"\n', "postmortem.toml:2: check.select must be a list of strings"),
    ('[check]\nignore = ["M6"]\n', "postmortem.toml [check]: 'M6' names no rule\n"
                                   "  hint: did you mean 'M006'?"),
    ('[check]\nseverity = {M006 = "fatal"}\n',
     "postmortem.toml [check]: severity of 'M006' must be 'error' or 'warning', not 'fatal'"),
])
def test_configuration_errors(repo: Path, two_findings: Path, toml: str, message: str) -> None:
    (repo / "postmortem.toml").write_text(toml, "utf-8")
    assert run("check") == (2, "", f"postmortem: error: {message}\n")


def test_render_prints_only_the_selected_findings(repo: Path, two_findings: Path) -> None:
    (repo / "postmortem.toml").write_text('[check]\nignore = ["M006"]\n', "utf-8")
    code, _, err = run("render", "--quiet")
    assert code == 0
    assert [line.split(":")[1] for line in err.splitlines()] == ["12"]


# --- silencing one line --------------------------------------------------------------------------

def test_noqa_silences_its_line_only(write_incident: Write) -> None:
    write_incident("a", FINDINGS.format(id="a", noqa="  # noqa: M006 -- as the seed has it"))
    code, out, _ = run("check")
    assert (code, lines(out)) == (0, [("12", "warning")])


def test_noqa_by_name_and_several_codes(write_incident: Write) -> None:
    write_incident("a", FINDINGS.format(id="a", noqa="  # NOQA: timeline-order, M010"))
    code, out, _ = run("check")
    # M010 is reported on line 12, not here: that part of the comment is unused
    assert (code, lines(out)) == (0, [("10", "warning"), ("12", "warning")])
    assert "incidents/a.yaml:10:40: warning: M010: '# noqa: M010' silences nothing here" in out


def test_noqa_on_the_line_that_opens_a_block_of_text(repo: Path, write_incident: Write) -> None:
    text = BASE.format(id="a") + (
        "summary: |  # noqa: Q002 -- a block's findings are silenced from its first line\n"
        "  Restarted at 10:40. # noqa\n")
    write_incident("a", text)
    # the noqa inside the text is text, not a comment: no Q002 finding to silence...
    code, out, _ = run("check")
    assert (code, out) == (0, "incidents/a.yaml:8:13: warning: Q002: '# noqa: Q002' silences "
                              "nothing here: no Q002 finding on this line; remove it [Q001]\n")


def test_noqa_problems(write_incident: Write) -> None:
    write_incident("a", FINDINGS.format(id="a", noqa="  # noqa"))
    code, out, _ = run("check", "--select", "Q")
    assert (code, out) == (0, "incidents/a.yaml:10:40: warning: '# noqa' silences nothing "
                              "without codes: name them, e.g. '# noqa: M006' [Q002]\n")
    write_incident("a", FINDINGS.format(id="a", noqa="  # noqa: M666"))
    code, out, _ = run("check", "--select", "Q")
    assert (code, out) == (0, "incidents/a.yaml:10:40: warning: '# noqa: M666' names no rule; "
                              "`postmortem rules` lists them [Q003]\n")


def test_noqa_silences_findings_across_files(write_incident: Write) -> None:
    write_incident("a", BASE.format(id="a") + "related:\n"
                   "  - incident: gone  # noqa: X002 -- archived elsewhere\n")
    assert run("check")[:2] == (0, "")


@pytest.mark.parametrize("config", [
    '[check]\nignore = ["ALL"]\n',
    '[check]\nselect = ["M"]\n',
    '[check]\nseverity = {ALL = "warning"}\n',
    '[check]\nper_file_ignores = {"incidents/*" = ["S", "Y"]}\n',
])
def test_what_keeps_a_file_from_being_read_is_never_silenced(
        write_incident: Write, repo: Path, config: str) -> None:
    """Ignored or lowered, a YAML or schema error would leave the file out of `check` and
    `render` without a word: it is reported as an error all the same, saying so."""
    write_incident("a", BASE.format(id="a") + "bogus: 1\n")
    write_incident("b", "id: b\ntitle: [broken\n")
    (repo / "postmortem.toml").write_text(config, encoding="utf-8")
    note = (" (reported although the configuration ignores or lowers it: the file is neither "
            "checked nor rendered until it is fixed)")
    code, out, _ = run("check")
    assert code == 1
    assert [line.split(": ", 2)[:2] for line in out.splitlines()] == [
        ["incidents/a.yaml:8:1", "error"], ["incidents/b.yaml:3:1", "error"]]
    assert out.count(note) == 2 and "[S002]" in out and "[Y004]" in out
    code, _, err = run("render")
    assert code == 1 and err.count(note) == 2
    assert not (repo / "incidents" / "a.md").exists()


def test_an_unused_noqa_for_a_rule_across_files_is_reported(write_incident: Write) -> None:
    """The X rules report after every file is read: their unused comments are judged then
    (X004 and X005 only for a file without errors, the only ones they judge)."""
    write_incident("a", BASE.format(id="a") + "related:\n"
                   "  - {incident: gone}  # noqa: X002 -- kept for the record\n"
                   "tags: [db]  # noqa: X004, X005\n")
    write_incident("b", BASE.format(id="b").replace("severity: high", "severity: urgent")
                   + "tags: [db]  # noqa: X004\n"
                   "related: [{incident: a}]  # noqa: X002\n")
    code, out, _ = run("check", "--format", "json")
    found = sorted((p["path"][-6:], p["line"], p["code"], p["field"]) for p in json.loads(out))
    assert found == [
        ("a.yaml", 10, "Q001", "X004"), ("a.yaml", 10, "Q001", "X005"),
        ("b.yaml", 5, "S004", "severity"), ("b.yaml", 9, "Q001", "X002")]
    assert code == 1
