"""`postmortem check` as a command: exit codes, output formats, paths, configuration."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from postmortem.cli import main

Write = Callable[..., Path]
MOJIBAKE = "‚úÖ"

CLEAN = """\
id: {id}
title: Checkout returns 500
date: 2024-01-01
status: mitigated
severity: high
started: 10:30
resolved: 11:45
"""
# Line 8 of each: a warning (timeline out of order) or an error (unknown enum value).
WARNING = CLEAN + """\
timeline:
  - at: 10:40
    event: Alert
  - at: 10:35
    event: First error
"""
ERROR = CLEAN.replace("severity: high", "severity: urgent")


def check(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(main, ["check", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def warning_line(name: str) -> str:
    return (f"incidents/{name}.yaml:11:9: warning: timeline[1].at: 10:35 is earlier than the "
            "entry before it (10:40); keep the timeline in chronological order [M006]")


def error_line(name: str) -> str:
    return (f"incidents/{name}.yaml:5:11: error: severity: 'urgent' is not allowed here; use "
            "'critical', 'high', 'medium', 'low' or 'unknown' [S004]")


def test_clean_files_exit_0(runner: CliRunner, write_incident: Write) -> None:
    write_incident("a", CLEAN.format(id="a"))
    write_incident("b", CLEAN.format(id="b"))
    result = check(runner)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "2 files checked, no problems\n")


def test_errors_exit_1(runner: CliRunner, write_incident: Write) -> None:
    write_incident("bad", ERROR.format(id="bad"))
    result = check(runner)
    assert (result.exit_code, result.stdout, result.stderr) == (
        1, error_line("bad") + "\n", "1 file checked: 1 error, 0 warnings\n")


def test_warnings_fail_only_with_strict(runner: CliRunner, write_incident: Write) -> None:
    write_incident("warn", WARNING.format(id="warn"))
    for args, code in (((), 0), (("--strict",), 1)):
        result = check(runner, *args)
        assert (result.exit_code, result.stdout, result.stderr) == (
            code, warning_line("warn") + "\n", "1 file checked: 0 errors, 1 warning\n")


def test_all_files_reported_in_one_run(runner: CliRunner, write_incident: Write) -> None:
    write_incident("c-warn", WARNING.format(id="c-warn"))
    write_incident("a-error", ERROR.format(id="a-error"))
    write_incident("b-clean", CLEAN.format(id="b-clean"))
    write_incident("d-broken", "id: [d-broken\n")
    result = check(runner)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        error_line("a-error"),
        warning_line("c-warn"),
        "incidents/d-broken.yaml:2:1: error: YAML syntax error: did not find expected ',' or "
        "']' (while parsing a flow sequence) [Y004]",
    ]
    assert result.stderr == "4 files checked: 2 errors, 1 warning\n"


def test_files_in_subfolders_are_checked(runner: CliRunner, write_incident: Write) -> None:
    write_incident("2024/a", ERROR.format(id="a"))
    result = check(runner)
    assert result.stdout == error_line("2024/a") + "\n"


def test_hidden_files_and_folders_are_no_incidents(runner: CliRunner, write_incident: Write,
                                                  repo: Path) -> None:
    """A hidden folder (a tool's, a draft folder) and an editor's lock file, a dangling link
    named `.#<file>`, are skipped, also with the incidents folder at the repository root."""
    write_incident("a", CLEAN.format(id="a"))
    write_incident(".drafts/b", ERROR.format(id="b"))
    (repo / "incidents" / ".#a.yaml").symlink_to("alice@laptop.4242:1700000000")
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yaml").write_text("on: push\n", encoding="utf-8")
    (repo / ".pre-commit-config.yaml").write_text("repos: []\n", encoding="utf-8")
    for config in ("", '[tool.postmortem]\nincidents_dir = "."\n'):
        (repo / "pyproject.toml").write_text(config, encoding="utf-8")
        result = check(runner)
        assert (result.exit_code, result.stdout, result.stderr) == (
            0, "", "1 file checked, no problems\n"), config
    # Named on the command line, a file in a hidden folder is checked as any other.
    named = check(runner, "incidents/.drafts/b.yaml")
    assert named.stdout == error_line(".drafts/b") + "\n"


def test_a_yml_file_is_named_not_skipped_without_a_word(
        runner: CliRunner, write_incident: Write, repo: Path) -> None:
    write_incident("a", CLEAN.format(id="a"))
    for name in ("b.yml", "c.YAML"):
        (repo / "incidents" / name).write_text(CLEAN.format(id=name[0]), encoding="utf-8")
    result = check(runner)
    assert (result.exit_code, result.stdout) == (0, "".join(
        f"incidents/{name}:1:1: warning: not read as an incident: incident files end in "
        f"'.yaml'; rename it to {name[0]}.yaml (`git mv`) [Y017]\n"
        for name in ("b.yml", "c.YAML")))
    assert check(runner, "--ignore", "Y017").stdout == ""
    render = runner.invoke(main, ["render"])
    assert render.exit_code == 0 and render.stderr.count("[Y017]") == 2


def test_json_format(runner: CliRunner, write_incident: Write) -> None:
    write_incident("bad", ERROR.format(id="bad"))
    write_incident("warn", WARNING.format(id="warn"))
    result = check(runner, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {"path": "incidents/bad.yaml", "line": 5, "col": 11, "severity": "error",
         "field": "severity",
         "message": "'urgent' is not allowed here; use 'critical', 'high', 'medium', 'low' or "
                    "'unknown'", "code": "S004"},
        {"path": "incidents/warn.yaml", "line": 11, "col": 9, "severity": "warning",
         "field": "timeline[1].at",
         "message": "10:35 is earlier than the entry before it (10:40); keep the timeline in "
                    "chronological order", "code": "M006"},
    ]
    assert result.stderr == "2 files checked: 1 error, 1 warning\n"


def test_json_format_keeps_non_ascii_and_whole_file_problems(
        runner: CliRunner, write_incident: Write) -> None:
    write_incident("empty", "")
    write_incident("moji", CLEAN.format(id="moji") + f"summary: Fixed {MOJIBAKE}\n")
    result = check(runner, "--format", "json")
    assert json.loads(result.stdout) == [
        {"path": "incidents/empty.yaml", "line": 1, "col": 1, "severity": "error", "field": "",
         "message": "file is empty; an incident needs at least id, title, date, status, "
                    "severity and started (`postmortem new` writes a complete scaffold)",
         "code": "Y007"},
        {"path": "incidents/moji.yaml", "line": 8, "col": 16, "severity": "warning",
         "field": "summary",
         "message": f"text looks mis-decoded (UTF-8 read as Mac Roman): 'Fixed {MOJIBAKE}' "
                    "probably should read 'Fixed ✅'; re-save the text as UTF-8", "code": "Y014"},
    ]
    assert "✅" in result.stdout  # not \u2705 escapes: the output is for people too


def test_json_format_clean(runner: CliRunner, write_incident: Write) -> None:
    write_incident("a", CLEAN.format(id="a"))
    result = check(runner, "--format", "json")
    assert (result.exit_code, result.stdout) == (0, "[]\n")


def test_explicit_paths(runner: CliRunner, write_incident: Write, repo: Path) -> None:
    write_incident("bad", ERROR.format(id="bad"))
    write_incident("good", CLEAN.format(id="good"))
    write_incident("sub/warn", WARNING.format(id="warn"))
    result = check(runner, "incidents/good.yaml")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "1 file checked, no problems\n")
    result = check(runner, "incidents/good.yaml", "incidents/sub")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, warning_line("sub/warn") + "\n", "2 files checked: 0 errors, 1 warning\n")
    result = check(runner, str(repo / "incidents" / "bad.yaml"))
    assert (result.exit_code, result.stdout) == (1, error_line("bad") + "\n")
    # A folder yields what `check` alone reads there: *.yaml; a *.YAML is named, not read.
    (repo / "incidents" / "sub" / "other.YAML").write_text("not: [an incident")
    result = check(runner, "incidents/sub")
    assert result.stderr == "1 file checked: 0 errors, 2 warnings\n"
    assert "incidents/sub/other.YAML:1:1: warning: not read as an incident" in result.stdout


def test_explicit_file_keeps_cross_file_checks(runner: CliRunner, write_incident: Write) -> None:
    # Only the named file is reported, but its references are checked against all incidents.
    write_incident("other")
    write_incident("refs", CLEAN.format(id="refs") + "related:\n  - incident: other\n"
                   "  - incident: ghost\n")
    result = check(runner, "incidents/refs.yaml")
    assert result.stdout == ("incidents/refs.yaml:10:15: error: related[1].incident: no "
                             "incident with id 'ghost' in incidents/; check the id [X002]\n")


def test_a_file_outside_the_incidents_folder_is_checked(runner: CliRunner, repo: Path,
                                                         write_incident: Write) -> None:
    # A draft elsewhere in the repository (it was an internal error: it has no report path).
    write_incident("other")
    (repo / "drafts").mkdir()
    (repo / "drafts" / "draft.yaml").write_text(CLEAN.format(id="draft"), encoding="utf-8")
    result = check(runner, "drafts/draft.yaml")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, "", "1 file checked, no problems\n")


def test_a_field_named_with_white_space_is_quoted(runner: CliRunner,
                                                  write_incident: Write) -> None:
    write_incident("x", CLEAN.format(id="x") + "\"\\u00a0\": 1\n")
    result = check(runner)
    assert result.stdout.startswith("incidents/x.yaml:8:1: error: '\u00a0': unknown field "
                                    "'\u00a0'; known fields here: ")


def test_run_from_a_subfolder(runner: CliRunner, write_incident: Write, repo: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    write_incident("bad", ERROR.format(id="bad"))
    deep = repo / "docs" / "notes"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    result = check(runner)
    assert (result.exit_code, result.stdout) == (1, error_line("bad") + "\n")
    result = check(runner, "../../incidents/bad.yaml")
    assert (result.exit_code, result.stdout) == (1, error_line("bad") + "\n")


def test_configured_incidents_folder(runner: CliRunner, repo: Path) -> None:
    (repo / "pyproject.toml").write_text('[tool.postmortem]\nincidents_dir = "docs/pm"\n')
    (repo / "docs" / "pm").mkdir(parents=True)
    (repo / "docs" / "pm" / "bad.yaml").write_text(ERROR.format(id="bad"))
    result = check(runner)
    assert result.stdout == error_line("bad").replace("incidents/", "docs/pm/") + "\n"


def test_path_that_does_not_exist_is_a_usage_error(
        runner: CliRunner, write_incident: Write) -> None:
    write_incident("a", CLEAN.format(id="a"))
    result = check(runner, "incidents/nope.yaml")
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "postmortem: error: 'incidents/nope.yaml' does not exist\n")


def test_path_the_os_refuses_is_a_usage_error(runner: CliRunner, repo: Path) -> None:
    name = "x" * 300
    result = check(runner, name)
    assert (result.exit_code, result.stdout) == (2, "")
    # The reason is the OS's wording ("File name too long" on Linux).
    assert result.stderr.startswith(f"postmortem: error: '{name}' cannot be read: ")


def test_missing_incidents_folder_is_a_usage_error(runner: CliRunner, repo: Path) -> None:
    (repo / "incidents").rmdir()
    result = check(runner)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "postmortem: error: incidents folder 'incidents' does not exist\n"
               "  hint: create it with `postmortem new TITLE`, or set incidents_dir in "
               "[tool.postmortem]\n")


def test_unknown_config_key_is_a_usage_error(
        runner: CliRunner, write_incident: Write, repo: Path) -> None:
    write_incident("a", CLEAN.format(id="a"))
    (repo / "pyproject.toml").write_text("[tool.postmortem]\nincident_dir = 'incidents'\n")
    result = check(runner)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", "postmortem: error: pyproject.toml:2: unknown key 'incident_dir'; did you mean "
               "'incidents_dir'?\n")


def test_unknown_key_in_postmortem_toml(
        runner: CliRunner, write_incident: Write, repo: Path) -> None:
    write_incident("a", CLEAN.format(id="a"))
    (repo / "postmortem.toml").write_text("max_filesize = 10\n")
    result = check(runner)
    assert (result.exit_code, result.stderr) == (
        2, "postmortem: error: postmortem.toml:1: unknown key 'max_filesize'; did you mean "
           "'max_file_size'?\n")


@pytest.mark.parametrize(("table", "message"), [
    ("max_file_size = 0", "'max_file_size' must be a positive number of bytes"),
    ("max_file_size = '1 MB'", "'max_file_size' must be a whole number"),
    ("due_days = { urgent = 3 }", "due_days: unknown severity 'urgent'; use one of: critical, "
                                  "high, medium, low"),
    ("timezone = 'Mars/Base'", "unknown time zone 'Mars/Base'; use an IANA name such as "
                               "'Europe/Berlin' or 'UTC'"),
])
def test_bad_config_values_are_usage_errors(runner: CliRunner, write_incident: Write,
                                            repo: Path, table: str, message: str) -> None:
    write_incident("a", CLEAN.format(id="a"))
    (repo / "pyproject.toml").write_text(f"[tool.postmortem]\n{table}\n")
    result = check(runner)
    assert (result.exit_code, result.stdout, result.stderr) == (
        2, "", f"postmortem: error: pyproject.toml:2: {message}\n")


def test_bad_option_is_a_usage_error(runner: CliRunner, repo: Path) -> None:
    result = check(runner, "--format", "xml")
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'xml' is not one of 'text', 'json'." in result.stderr


def test_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--help"])
    assert result.exit_code == 0
    assert "Usage: main check [OPTIONS] [PATHS]..." in result.stdout
    assert "--strict" in result.stdout and "--format [text|json]" in result.stdout


def test_installed_entry_point(write_incident: Write, repo: Path) -> None:
    """The console script, in a real process: exit code, both streams, no traceback."""
    script = Path(sys.executable).with_name("postmortem")
    if not script.exists():
        pytest.skip("the console script is not installed next to this interpreter")
    write_incident("bad", ERROR.format(id="bad"))
    write_incident("nul", b"id: nul\x00\n")
    done = subprocess.run([str(script), "check"], cwd=repo, capture_output=True, text=True,
                          encoding="utf-8", timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        error_line("bad") + "\n"
        "incidents/nul.yaml:1:8: error: control character U+0000 (NUL) is not allowed in YAML; "
        "remove it [Y006]\n",
        "2 files checked: 2 errors, 0 warnings\n")
