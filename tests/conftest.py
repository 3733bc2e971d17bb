"""Shared fixtures: a real git repository per test, a helper to write incidents, the CLI runner."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

# Fixed identity and clock for every git command a test runs (ours and GitPython's), and no
# user or system configuration: a developer's commit.gpgsign or init.defaultBranch must not
# change what a test sees.
GIT_ENV: dict[str, str] = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_AUTHOR_DATE": "2024-01-15T12:00:00+00:00",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.invalid",
    "GIT_COMMITTER_DATE": "2024-01-15T12:00:00+00:00",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "TZ": "UTC",
}

# The smallest valid incident; ``{id}`` is replaced by the id (= file name without .yaml).
MINIMAL_INCIDENT = """\
id: {id}
title: Checkout returns 500
date: 2024-01-01
status: investigating
severity: high
started: 10:30
"""


@pytest.fixture
def git_env() -> dict[str, str]:
    """Environment variables that make git deterministic (identity, dates, no user config).

    Already applied to ``os.environ`` inside the ``repo`` fixture; use this dict for
    ``subprocess`` calls with ``env={**os.environ, **git_env}`` or to change a date.
    """
    return dict(GIT_ENV)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_env: dict[str, str]) -> Path:
    """A fresh git repository with an empty ``incidents/`` folder; the test runs inside it.

    The working directory is the repository root and ``git_env`` is set in the environment
    for the duration of the test. Nothing is committed.
    """
    root = tmp_path / "repo"
    root.mkdir()
    for key, value in git_env.items():
        monkeypatch.setenv(key, value)
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main", str(root)], check=True)
    (root / "incidents").mkdir()
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def git(repo: Path) -> Callable[..., str]:
    """Run git in ``repo`` with the fixed environment: ``git("commit", "-m", "x")`` -> stdout."""

    def run(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                              text=True)
        return done.stdout

    return run


@pytest.fixture
def write_incident(repo: Path) -> Callable[..., Path]:
    """Write ``incidents/<name>.yaml`` (``name`` without ``.yaml``) and return its path.

    ``content`` is written exactly: ``str`` as UTF-8 (no newline translation), ``bytes`` as
    given. Without ``content`` the file is ``MINIMAL_INCIDENT`` with ``id: <name>``.
    """

    def write(name: str, content: str | bytes | None = None) -> Path:
        path = repo / "incidents" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            content = MINIMAL_INCIDENT.format(id=name)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture
def runner() -> CliRunner:
    """click's CliRunner; ``result.stdout`` and ``result.stderr`` are kept apart."""
    return CliRunner()
