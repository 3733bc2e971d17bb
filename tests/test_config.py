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
    assert (code, err) == (2, f"postmortem: error: pyproject.toml [tool.postmortem]: {message}\n")


def test_the_table_must_be_a_table(repo: Path) -> None:
    code, err = render_with(repo, '[tool]\npostmortem = "on"\n')
    assert (code, err) == (2, "postmortem: error: pyproject.toml: [tool.postmortem] must be a "
                              "table of settings\n")


def test_invalid_toml_names_file_line_and_column(repo: Path) -> None:
    code, err = render_with(repo, "[tool.postmortem\nlanguage = 'de'\n")
    assert code == 2
    assert err.startswith("postmortem: error: pyproject.toml: not valid TOML: ")
    assert "line 1" in err

