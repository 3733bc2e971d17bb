"""The command line as a whole: help on every command, version, entry points, exit codes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from postmortem import __version__
from postmortem.cli import COMMANDS, main


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: main {name}") or "Usage:" in result.output
    summary = result.output.split("\n\n")[1].strip()
    assert len(summary) > 20, f"{name} needs a help text"


def test_group_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f"  {name} " in result.output


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.output == f"postmortem, version {__version__}\n"


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.output


def test_configuration_errors_exit_2_with_a_hint(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "postmortem.toml").write_text('langauge = "de"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == 2
    assert result.stderr == ("postmortem: error: postmortem.toml: unknown key 'langauge'; "
                             "did you mean 'language'?\n")


def test_missing_incidents_folder_is_explained(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert result.stderr.startswith("postmortem: error: incidents folder 'incidents' does not "
                                    "exist\n  hint: create it with `postmortem new TITLE`")


def _installed() -> str | None:
    return shutil.which("postmortem", path=str(Path(sys.executable).parent))


def test_installed_entry_point_and_module_run(tmp_path: Path) -> None:
    exe = _installed()
    assert exe is not None, "the console script is installed with the package"
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == f"postmortem, version {__version__}\n"
    out = subprocess.run([sys.executable, "-m", "postmortem", "--help"], capture_output=True,
                         text=True, check=True)
    assert "Usage: python -m postmortem" in out.stdout or "Usage:" in out.stdout


def test_installed_entry_point_renders_and_checks(tmp_path: Path) -> None:
    exe = _installed()
    assert exe is not None
    (tmp_path / ".git").mkdir()
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "2025-10-01-a.yaml").write_text(
        "id: 2025-10-01-a\ntitle: A\ndate: 2025-10-01\nstatus: investigating\n"
        "severity: low\nstarted: 10:30\n", encoding="utf-8")
    run = subprocess.run([exe, "render"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "incidents" / "2025-10-01-a.md").is_file()
    run = subprocess.run([exe, "check"], cwd=tmp_path, capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "1 file checked, no problems\n")
