"""Failures of the machine are messages: unwritable and full folders, unreadable files, a file
where a folder belongs, runs at the same time, killed runs. Each names the path, exits 1,
leaves no temp file and nothing half-written. Run as processes of the installed command."""

from __future__ import annotations

import fcntl
import os
import resource
import shutil
import signal
import subprocess
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import GIT_ENV, MINIMAL_INCIDENT, POSTMORTEM, run_unprivileged

Write = Callable[..., Path]
TRACEBACK = "Traceback"


def files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def temps(repo: Path) -> list[str]:
    return [name for name in files(repo) if name.endswith(".tmp")]


def postmortem(repo: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([POSTMORTEM, *args], cwd=repo, capture_output=True, text=True,
                          timeout=120, **kwargs)  # type: ignore[call-overload]
    assert TRACEBACK not in done.stderr, done.stderr
    return done  # type: ignore[no-any-return]


def test_a_read_only_output_folder(repo: Path, write_incident: Write) -> None:
    write_incident("2024-01-01-a")
    folder = repo / "incidents"
    folder.chmod(0o555)
    try:
        done = run_unprivileged(repo, [POSTMORTEM, "render"])
        new = run_unprivileged(repo, [POSTMORTEM, "new", "Disk full", "--date", "2024-01-02"])
    finally:
        folder.chmod(0o755)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "postmortem: error: cannot write incidents/2024-01-01-a.md: Permission denied; nothing "
        "was half-written\n  hint: the folder is not writable: check its permissions\n")
    assert (new.returncode, new.stdout) == (1, "")
    assert new.stderr == ("postmortem: error: cannot write 'incidents/2024-01-02-disk-full.yaml':"
                          " Permission denied\n")
    assert files(folder) == ["2024-01-01-a.yaml"]


def test_an_unreadable_incident_file(repo: Path, write_incident: Write) -> None:
    write_incident("2024-01-01-a").chmod(0)
    write_incident("2024-01-01-b")
    problem = "incidents/2024-01-01-a.yaml:1:1: error: cannot read file: Permission denied [Y001]\n"
    check = run_unprivileged(repo, [POSTMORTEM, "check"])
    render = run_unprivileged(repo, [POSTMORTEM, "render"])
    assert (check.returncode, check.stdout) == (1, problem)
    assert (render.returncode, render.stderr.startswith(problem)) == (1, True)
    assert TRACEBACK not in render.stderr
    assert "created: incidents/2024-01-01-b.md\n" in render.stdout  # and the rest was rendered


def test_reports_of_an_unreadable_folder_are_kept(repo: Path, write_incident: Write) -> None:
    (repo / "postmortem.toml").write_text('output_dir = "reports"\n', encoding="utf-8")
    write_incident("sub/2024-01-01-a", MINIMAL_INCIDENT.format(id="2024-01-01-a"))
    assert postmortem(repo, "render").returncode == 0
    (repo / "incidents" / "sub").chmod(0)
    try:
        done = run_unprivileged(repo, [POSTMORTEM, "render"])
    finally:
        (repo / "incidents" / "sub").chmod(0o755)
    assert (done.returncode, done.stdout) == (1, "updated: reports/README.md\n")
    assert done.stderr.startswith("incidents/sub:1:1: error: cannot read this folder (Permission "
                                  "denied); the incident files in it are not checked [Y001]\n")
    assert TRACEBACK not in done.stderr
    assert (repo / "reports" / "sub" / "2024-01-01-a.md").is_file()


def _limit_file_size(limit: int) -> Callable[[], None]:
    """A write past ``limit`` bytes then fails with EFBIG (Python ignores SIGXFSZ)."""
    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_file_larger_than_the_system_allows(repo: Path, write_incident: Write) -> None:
    path = write_incident("2024-01-01-a")
    assert postmortem(repo, "render").returncode == 0
    report = repo / "incidents" / "2024-01-01-a.md"
    before = report.read_bytes()
    path.write_text(MINIMAL_INCIDENT.format(id="2024-01-01-a") + "summary: |\n"
                    + "  A long summary line.\n" * 500, encoding="utf-8")
    done = postmortem(repo, "render", preexec_fn=_limit_file_size(4096))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "postmortem: error: cannot write incidents/2024-01-01-a.md: File too large; nothing "
        "was half-written\n  hint: the file is larger than this system allows here (see "
        "`ulimit -f`)\n")
    assert report.read_bytes() == before
    assert temps(repo) == []


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                    reason="mounting a small file system needs root and unshare")
def test_a_full_disk(repo: Path, write_incident: Write, tmp_path: Path) -> None:
    write_incident("2024-01-01-a")
    mount = tmp_path / "small"
    mount.mkdir()
    # A 1 MB tmpfs, in a mount namespace of its own (gone when the process ends), holding a
    # copy of the repository and a file that takes up the rest of the space.
    script = textwrap.dedent(f"""\
        set -e
        mount -t tmpfs -o size=1m tmpfs {mount}
        cp -a {repo} {mount}/repo
        dd if=/dev/zero of={mount}/filler bs=4k 2>/dev/null || true
        cd {mount}/repo
        set +e
        {POSTMORTEM} render
        echo "exit $?"
        find . -name '*.tmp' -o -name '*.md' | sort
        """)
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, **GIT_ENV})
    assert TRACEBACK not in done.stderr
    assert done.stdout == "exit 1\n"  # no report, no temp file
    assert done.stderr == (
        "postmortem: error: cannot write incidents/2024-01-01-a.md: No space left on device; "
        "nothing was half-written\n  hint: the disk is full: free some space and run it "
        "again\n")


def test_a_file_where_the_reviews_folder_belongs(repo: Path, write_incident: Write,
                                                 git: Callable[..., str]) -> None:
    write_incident("2024-01-01-a")
    git("add", "--all")
    git("commit", "--quiet", "-m", "a")
    (repo / "reviews").write_text("not a folder\n", encoding="utf-8")
    done = postmortem(repo, "review", "--week", "2024-W03", "--commit")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        "postmortem: error: cannot create the folder reviews: reviews is a file, not a folder\n"
        "  hint: move the file away, or configure another folder\n")
    done = postmortem(repo, "review", "--week", "2024-W03", "--output", "reviews/w3.md")
    assert done.stderr.startswith("postmortem: error: cannot create the folder reviews: reviews "
                                  "is a file, not a folder\n")
    assert git("status", "--porcelain") == "?? reviews\n"


def _lock(repo: Path) -> int:
    """Hold the render lock as another render would."""
    folder = repo / ".git" / "postmortem"
    folder.mkdir(exist_ok=True)
    fd = os.open(folder / "render.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _wait_for(predicate: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 60
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_render_waits_for_the_one_running(repo: Path, write_incident: Write) -> None:
    write_incident("2024-01-01-a")
    fd = _lock(repo)
    proc = subprocess.Popen([POSTMORTEM, "render"], cwd=repo, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()  # blocks until the render says it waits
        assert line == "postmortem: waiting for another render of this repository to finish ...\n"
        time.sleep(0.5)
        assert proc.poll() is None
        assert not (repo / "incidents" / "2024-01-01-a.md").exists()
    finally:
        os.close(fd)
    out, _ = proc.communicate(timeout=120)
    assert (proc.returncode, out) == (0, "created: incidents/2024-01-01-a.md\n"
                                         "created: incidents/README.md\n")


def test_sigterm_ends_a_run_cleanly(repo: Path, write_incident: Write) -> None:
    write_incident("2024-01-01-a")
    fd = _lock(repo)
    try:
        proc = subprocess.Popen([POSTMORTEM, "render"], cwd=repo, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        proc.stderr.readline()  # waiting for the lock
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(fd)
    assert (proc.returncode, out, err) == (143, "", "Terminated.\n")
    assert temps(repo) == []


def test_renders_at_the_same_time_take_turns(repo: Path, write_incident: Write) -> None:
    # Each round deletes the previous round's incidents: every run has 120 orphaned reports
    # to remove, and runs that overlap would remove the same ones.
    for round_ in range(3):
        for n in range(120):
            write_incident(f"2024-{n // 28 + 1:02d}-{n % 28 + 1:02d}-r{round_}")
            (repo / "incidents" / f"2024-{n // 28 + 1:02d}-{n % 28 + 1:02d}-r{round_ - 1}"
                                  ".yaml").unlink(missing_ok=True)
        procs = [subprocess.Popen([POSTMORTEM, "render", "-q"], cwd=repo,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
        for proc in procs:
            _, err = proc.communicate(timeout=300)
            assert (proc.returncode, TRACEBACK in err) == (0, False), err
        assert len(files(repo / "incidents")) == 241  # 120 incidents, their reports, the index
    assert temps(repo) == []


def test_a_killed_renders_temp_files_are_removed_by_the_next(repo: Path,
                                                           write_incident: Write) -> None:
    write_incident("2024-01-01-a")
    (repo / "incidents" / "sub").mkdir()
    left = [repo / "incidents" / ".2024-01-01-a.md.0a1b2c3d.tmp",
            repo / "incidents" / ".README.md.deadbeef.tmp",
            repo / "incidents" / "sub" / ".old.md.12345678.tmp",
            repo / ".git" / "postmortem" / ".render-cache.json.cafe0123.tmp"]
    kept = [repo / "incidents" / ".notes.tmp", repo / "incidents" / ".x.yaml.0a1b2c3d.tmp"]
    (repo / ".git" / "postmortem").mkdir()
    for path in [*left, *kept]:
        path.write_text("half", encoding="utf-8")
    assert postmortem(repo, "render", "--check").returncode == 1
    assert all(p.exists() for p in left)  # --check writes and removes nothing
    assert postmortem(repo, "render").returncode == 0
    assert [p for p in left if p.exists()] == []
    assert all(p.exists() for p in kept)  # not the temp file of a report: not ours
