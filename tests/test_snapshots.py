"""Whole-output snapshots of the bundled reports, with and without emoji markers."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_regressions.file_regression import FileRegressionFixture

from postmortem.cli import main

BUNDLED = Path(__file__).resolve().parents[1] / "incidents"
IDS = sorted(p.stem for p in BUNDLED.glob("*.yaml"))


@pytest.mark.parametrize("emoji", [True, False], ids=["emoji", "plain"])
@pytest.mark.parametrize("incident", IDS)
def test_bundled_report(repo: Path, runner: CliRunner, file_regression: FileRegressionFixture,
                        generated_body: Callable[[Path], str], incident: str,
                        emoji: bool) -> None:
    for source in BUNDLED.glob("*.yaml"):
        shutil.copy(source, repo / "incidents" / source.name)
    (repo / "postmortem.toml").write_text(f"emoji = {str(emoji).lower()}\n", encoding="utf-8")
    result = runner.invoke(main, ["render"])
    assert result.exit_code == 0, result.output
    report = generated_body(repo / "incidents" / f"{incident}.md")
    file_regression.check(report, basename=f"{incident}-{'emoji' if emoji else 'plain'}",
                          extension=".md")


def test_bundled_reports_are_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """The committed reports match what `render` makes of the committed YAML."""
    monkeypatch.chdir(BUNDLED.parent)
    result = CliRunner().invoke(main, ["render", "--check"])
    assert result.exit_code == 0, result.output
