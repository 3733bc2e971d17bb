"""Configuration errors: each names the file, the key and the way out, and exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from postmortem.cli import main


def render_with(repo: Path, pyproject: str) -> tuple[int, str]:
    (repo / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    result = CliRunner().invoke(main, ["render"])
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stderr


@pytest.mark.parametrize(("table", "message"), [
    ('incidents_dir = "../elsewhere"\n',
     "'incidents_dir' = '../elsewhere' points outside the repository"),
    ('language = "fr"\n', "language 'fr' is not one of: en, de"),
    ('timezone = "Mars/Olympus"\n',
     "unknown time zone 'Mars/Olympus'; use an IANA name such as 'Europe/Berlin' or 'UTC'"),
    ('emoji = "yes"\n', "'emoji' must be a boolean (true or false)"),
    ("max_file_size = 0\n", "'max_file_size' must be a positive number of bytes"),
    ('max_file_size = "1MB"\n', "'max_file_size' must be a whole number"),
    ("[tool.postmortem.due_days]\nhigh = -3\n", "due_days.high must be a whole number of days"),
    ("[tool.postmortem.due_days]\nurgent = 3\n",
     "due_days: unknown severity 'urgent'; use one of: critical, high, medium, low"),
])
def test_bad_values(repo: Path, table: str, message: str) -> None:
    if not table.startswith("["):
        table = "[tool.postmortem]\n" + table
    code, err = render_with(repo, table)
    # The line of the setting at fault: the last of the table in each of these.
    line = table.count("\n")
    assert (code, err) == (2, f"postmortem: error: pyproject.toml:{line}: {message}\n")


def test_the_table_must_be_a_table(repo: Path) -> None:
    code, err = render_with(repo, '[tool]\npostmortem = "on"\n')
    assert (code, err) == (2, "postmortem: error: pyproject.toml: [tool.postmortem] must be a "
                              "table of settings\n")


def test_invalid_toml_names_file_line_and_column(repo: Path) -> None:
    code, err = render_with(repo, "[tool.postmortem\nlanguage = 'de'\n")
    assert code == 2
    assert err.startswith("postmortem: error: pyproject.toml: not valid TOML: ")
    assert "line 1" in err



@pytest.mark.parametrize(("pyproject", "line", "message"), [
    # A setting in a table of its own, among other tools' settings.
    ('[project]\nname = "x"\n\n[tool.postmortem]\ntimezone = "UTC"\n\n'
     '[tool.postmortem.check]\nselect = "M"\n', 8, "check.select must be a list of strings"),
    # In an inline table, and under a dotted key: the line that sets it.
    ('[tool.postmortem]\nlanguage = "en"\ncheck = {select = "M"}\n', 3,
     "check.select must be a list of strings"),
    ('[tool.postmortem]\nlanguage = "en"\ncheck.severity.M006 = 3\n', 3,
     "check.severity.M006 must be 'error' or 'warning'"),
    # A quoted key (a glob) under its table's header.
    ('[tool.postmortem.check.per_file_ignores]\n"incidents/2019-*.yaml" = ["M"]\n'
     '"incidents/*.yaml" = "M"\n', 3,
     "check.per_file_ignores.incidents/*.yaml must be a list of strings"),
    # A nested table: the line of its header, the nearest setting there is.
    ('[tool.postmortem]\nlanguage = "en"\n\n[tool.postmortem.trackers.jira]\n'
     'pattern = "["\nurl = "https://t.example/{ref}"\n', 5,
     "trackers.jira.pattern is not a regular expression: unterminated character set at "
     "position 0"),
])
def test_a_configuration_error_names_the_line_of_its_setting(
        repo: Path, pyproject: str, line: int, message: str) -> None:
    code, err = render_with(repo, pyproject)
    assert (code, err) == (2, f"postmortem: error: pyproject.toml:{line}: {message}\n")
