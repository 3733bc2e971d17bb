"""The command line as a whole: help on every command, version, entry points, exit codes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import MINIMAL_INCIDENT, git_init

from postmortem import __version__
from postmortem.cli import COMMANDS, main
from postmortem.errors import Terminated


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: main {name} [OPTIONS]")
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
    assert result.stderr == ("postmortem: error: postmortem.toml:1: unknown key 'langauge'; "
                             "did you mean 'language'?\n")


def test_missing_incidents_folder_is_explained(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    git_init(tmp_path)
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
    assert out.stdout.startswith("Usage: python -m postmortem [OPTIONS] COMMAND [ARGS]...\n")


def test_installed_entry_point_renders_and_checks(tmp_path: Path) -> None:
    exe = _installed()
    assert exe is not None
    git_init(tmp_path)
    (tmp_path / "incidents").mkdir()
    (tmp_path / "incidents" / "2025-10-01-a.yaml").write_text(
        "id: 2025-10-01-a\ntitle: A\ndate: 2025-10-01\nstatus: investigating\n"
        "severity: low\nstarted: 10:30\n", encoding="utf-8")
    run = subprocess.run([exe, "render"], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "incidents" / "2025-10-01-a.md").is_file()
    run = subprocess.run([exe, "check"], cwd=tmp_path, capture_output=True, text=True)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "1 file checked, no problems\n")


# --- the exception boundary: a bug is exit 3 with its traceback, Ctrl-C is exit 130 --------

def _one_incident(repo: Path) -> None:
    (repo / "incidents" / "2025-10-01-a.yaml").write_text(
        MINIMAL_INCIDENT.format(id="2025-10-01-a"), encoding="utf-8")


def test_an_internal_error_exits_3_with_the_traceback_and_a_plea(
        repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import postmortem.reports.render as render

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in render_all")

    _one_incident(repo)
    monkeypatch.setattr(render, "render_all", broken)  # the only way to make a bug on purpose
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == 3
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert "RuntimeError: a bug in render_all\n" in result.stderr
    assert result.stderr.endswith(
        f"postmortem {__version__}: internal error (a bug, not a problem with your files); "
        "please report it with the traceback above.\n")


def test_an_interrupt_exits_130_without_a_traceback(repo: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import postmortem.reports.render as render

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    _one_incident(repo)
    monkeypatch.setattr(render, "render_all", interrupted)
    result = CliRunner().invoke(main, ["render"])
    assert (result.exit_code, result.stdout, result.stderr) == (130, "", "Interrupted.\n")


@pytest.mark.parametrize("stop, code, said", [(KeyboardInterrupt, 130, "Interrupted.\n"),
                                              (Terminated, 143, "Terminated.\n")])
def test_a_stop_that_comes_while_a_finalizer_runs_is_not_lost(
        repo: Path, monkeypatch: pytest.MonkeyPatch, stop: type[BaseException], code: int,
        said: str) -> None:
    """Python cannot raise an exception from ``__del__`` (where GitPython ends its git
    processes): a Ctrl-C or SIGTERM that comes then ends the command once it is back."""
    import postmortem.reports.render as render

    class Process:
        def __del__(self) -> None:
            raise stop

    real = render.render_all

    def finalizing(*args: Any, **kwargs: Any) -> Any:
        Process()  # at once garbage
        return real(*args, **kwargs)

    _one_incident(repo)
    monkeypatch.setattr(render, "render_all", finalizing)
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == code
    assert result.stderr.endswith(f" unchanged\n{said}")  # after render's summary


def test_a_missing_template_is_named(repo: Path) -> None:
    _one_incident(repo)
    (repo / "templates").mkdir()
    (repo / "templates" / "report.md.j2").write_text(
        "# {{ header.title }}\n{% include 'parts/footer.md.j2' %}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"postmortem: error: {repo / 'templates' / 'report.md.j2'}:2: template error: "
        "parts/footer.md.j2\n  hint: fix the template, or delete your override to use the "
        "shipped one\n")
    assert not (repo / "incidents" / "2025-10-01-a.md").exists()


def test_a_failing_git_is_reported_with_its_own_words(repo: Path, git: Any) -> None:
    _one_incident(repo)
    git("add", "-A")
    git("commit", "-qm", "incident")
    tree = git("rev-parse", "HEAD^{tree}").strip()
    (repo / ".git" / "objects" / tree[:2] / tree[2:]).unlink()  # a damaged repository
    result = CliRunner().invoke(main, ["actions"])
    assert (result.exit_code, result.stderr) == (
        1, "postmortem: error: git failed running `git status`: error: bad tree object HEAD\n")


def test_a_missing_git_is_explained(repo: Path) -> None:
    exe = _installed()
    assert exe is not None
    _one_incident(repo)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_PYTHON")}
    env["PATH"] = str(Path(exe).parent)  # the venv's own programs, no git among them
    done = subprocess.run([exe, "actions"], cwd=repo, capture_output=True, text=True, env=env)
    assert done.returncode == 1
    assert done.stderr.startswith("postmortem: error: git is not available: ")
    assert done.stderr.endswith(
        "\n  hint: install git, or set GIT_PYTHON_GIT_EXECUTABLE to its path\n")


def test_a_worktree_renders_and_reads_history(repo: Path, git: Any) -> None:
    """In a linked worktree `.git` is a file: caches go to the git folders it names."""
    (repo / "incidents" / "2025-10-01-a.yaml").write_text(
        MINIMAL_INCIDENT.format(id="2025-10-01-a") + "action_items:\n  - {id: AI-1, title: Fix, "
        "owner: ops, priority: high, status: todo, due: 2024-01-20}\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "incident")
    git("worktree", "add", "--quiet", str(repo.parent / "wt"))
    tree = repo.parent / "wt"
    assert (tree / ".git").is_file()
    env = {**os.environ}
    exe = _installed()
    assert exe is not None
    done = subprocess.run([exe, "render"], cwd=tree, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert (tree / "incidents" / "2025-10-01-a.md").is_file()
    assert (repo / ".git" / "worktrees" / "wt" / "postmortem" / "render-cache.json").is_file()
    done = subprocess.run([exe, "actions", "--as-of", "2024-02-01"], cwd=tree,
                          capture_output=True, text=True, env=env)
    assert (done.returncode, done.stderr) == (0, "1 action item as of 2024-02-01, 1 overdue\n")
    assert done.stdout.splitlines()[1].startswith("2025-10-01-a#AI-1  high      todo    "
                                                  "2024-01-20  12 d")
    assert list((repo / ".git" / "postmortem").glob("history-*.bin"))


# (situation, command) -> exit code; the README's table says the same.
ANSWERS = {
    "outside a repository": {"check": 0, "render": 0, "actions": 2, "review": 2},
    "no incidents folder": {"check": 2, "render": 2, "actions": 2, "review": 2},
    "empty repository": {"check": 0, "render": 0, "actions": 0, "review": 0},
}


@pytest.mark.parametrize("situation", list(ANSWERS))
def test_every_command_answers_alike_where_there_is_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, situation: str) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "postmortem.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    if situation != "outside a repository":
        git_init(folder)
    if situation != "no incidents folder":
        (folder / "incidents").mkdir()
    monkeypatch.chdir(folder)
    runner = CliRunner()
    codes = {}
    for command in ANSWERS[situation]:
        args = [command, "--as-of", "2025-10-20"] if command in ("actions", "review") \
            else [command]
        result = runner.invoke(main, args)
        assert "Traceback" not in result.output + result.stderr
        codes[command] = result.exit_code
        if result.exit_code == 2:
            assert result.stderr.startswith("postmortem: error: ")
    assert codes == ANSWERS[situation]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| {situation} |"))
    assert [int(c.strip().split()[0]) for c in row.strip("|").split("|")[1:]] == list(
        ANSWERS[situation].values())


def test_a_missing_file_version_is_reported_with_git_s_words(repo: Path, git: Any) -> None:
    _one_incident(repo)
    git("add", "-A")
    git("commit", "-qm", "incident")
    blob = git("rev-parse", "HEAD:incidents/2025-10-01-a.yaml").strip()
    path = repo / "incidents" / "2025-10-01-a.yaml"
    path.write_text(path.read_text() + "summary: more\n")
    git("commit", "-qam", "more")
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # a damaged repository
    result = CliRunner().invoke(main, ["actions"])
    assert (result.exit_code, result.stderr) == (
        1, f"postmortem: error: git cannot read the file version {blob[:10]}: missing\n"
           "  hint: `git fsck` checks the repository\n")
