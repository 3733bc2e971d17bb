"""`check`, `render` and the history in worker processes: the same bytes, problems, outputs
and caches as one process.

The number of files a worker needs (workers.FILES_PER_WORKER, and for the history
reader.BLOBS_BEFORE_WORKERS, measured for real corpora) is lowered here so that a corpus
of a few dozen files starts two or three workers.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import GIT_ENV, POSTMORTEM, git_init

from postmortem import workers
from postmortem.cli import main
from postmortem.errors import Terminated
from postmortem.history import reader, replay

BUNDLED = Path(__file__).parent.parent / "incidents"
CATEGORIES = ("database", "deploy", "network")


def incident(i: int, *, related: str | None = None) -> tuple[str, str]:
    """Incident ``i`` of a corpus: three a day, in turns of three failure classes and two
    tags, so that they overlap (X004) and come back with open items (X005); some with
    personal data (P101), one with a secret (P003), some publishable."""
    day = 1 + i // 3
    key = f"2025-03-{day:02d}-incident-{i:02d}"
    status = "todo" if i % 4 else "done"
    refs = f"related:\n  - {{incident: {related}}}\n" if related else ""
    notes = "Checkout failed for some users."
    if i % 7 == 2:
        notes += f" Customer {i} (anna.schmidt{i}@kunde-mail.de) reported it first."
    if i == 12:
        notes += " Logs showed postgres://admin:S3cr3tPassw0rd@db-main:5432/shop."
    if i % 6 == 0:
        refs += "publishable: true\n"
    return key, f"""\
id: {key}
title: Incident {i} of the corpus
date: 2025-03-{day:02d}
timezone: Europe/Berlin
status: resolved
severity: {("high", "low", "critical")[i % 3]}
started: "{10 + i % 3}:{(7 * i) % 60:02d}"
resolved: "{13 + i % 3}:15"
impact:
  user:
    notes: {notes}
tags: [{("checkout", "search")[i % 2]}]
root_causes:
  - title: Cause {i}
    category: {CATEGORIES[i % 3]}
action_items:
  - {{id: AI-1, title: Fix cause {i}, owner: ops, priority: high, status: {status},
     due: 2025-04-01}}
{refs}"""


def make_corpus(root: Path, count: int = 40) -> Path:
    """A repository with ``count`` incidents plus the bundled ones, and files that give
    every kind of problem: YAML and schema errors, a duplicate id, a missing reference."""
    git_init(root)
    folder = root / "incidents"
    folder.mkdir()
    keys = []
    for i in range(count):
        related = keys[-1] if i % 5 == 1 else "2025-01-01-gone" if i % 17 == 3 else None
        key, text = incident(i, related=related)
        (folder / f"{key}.yaml").write_text(text, encoding="utf-8")
        keys.append(key)
    for path in BUNDLED.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    (folder / "2025-03-30-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (folder / "2025-03-30-schema.yaml").write_text(
        "id: 2025-03-30-schema\ntitle: x\ndate: 2025-03-30\nstatus: maybe\nseverity: high\n"
        "started: '10:00'\n", encoding="utf-8")
    (folder / "old").mkdir()
    shutil.copy(folder / f"{keys[0]}.yaml", folder / "old" / f"{keys[0]}.yaml")
    return root


@pytest.fixture
def few_files_per_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(workers.FILES_PER_WORKER, workers.start_method(), 4)


@pytest.fixture
def pools_started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of workers of each pool started, in order."""
    started: list[int] = []
    real = workers.Pool.__init__

    def counted(self: workers.Pool, n: int, *args: object) -> None:
        started.append(n)
        real(self, n, *args)

    monkeypatch.setattr(workers.Pool, "__init__", counted)
    return started


def run(root: Path, *args: str) -> tuple[int, str, str]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr


def files_of(root: Path) -> dict[str, bytes]:
    """Every file of the repository but git's own, and the render cache in it."""
    out = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
           if p.is_file() and ".git" not in p.relative_to(root).parts}
    cache = root / ".git" / "postmortem" / "render-cache.json"
    if cache.exists():
        out["render-cache.json"] = cache.read_bytes()
    return out


@pytest.mark.usefixtures("few_files_per_worker")
@pytest.mark.parametrize("args, codes", [
    (["check"], ("X001", "X002", "X004", "X005", "Y004", "S004", "M010", "P003", "P101")),
    (["check", "--format", "json"], ("X001", "X002", "X004", "Y004")),
    (["check", "--strict", "incidents/old"], ("X001",)),
    (["check", "--select", "X", "incidents"], ("X001", "X002", "X004", "X005")),
])
def test_check_says_the_same_with_any_number_of_workers(tmp_path: Path, args: list[str],
                                                        codes: tuple[str, ...]) -> None:
    root = make_corpus(tmp_path / "repo")
    one = run(root, *args, "--jobs", "1")
    assert one[0] == 1
    assert [code for code in codes if code not in one[1]] == []
    for jobs in ("2", "3"):
        assert run(root, *args, "--jobs", jobs) == one


@pytest.mark.usefixtures("few_files_per_worker")
def test_render_writes_the_same_bytes_with_any_number_of_workers(tmp_path: Path) -> None:
    roots = [make_corpus(tmp_path / f"repo{jobs}") for jobs in (1, 2, 3)]
    for root in roots:
        # A file that is not ours where a report goes: a problem from a worker.
        (root / "incidents" / "2025-03-03-incident-06.md").write_text("mine\n")
    results = [run(root, "render", "--jobs", str(jobs)) for jobs, root in
               zip((1, 2, 3), roots, strict=True)]
    assert results[0][0] == 1
    assert "[R001]" in results[0][2] and "[X004]" in results[0][2]
    assert "created: incidents/2025-03-02-incident-04.md" in results[0][1]
    assert results[1:] == [results[0]] * 2
    rendered = [files_of(root) for root in roots]
    assert rendered[1:] == [rendered[0]] * 2
    # A change renders again what it touches, alike.
    for jobs, root in zip((1, 2, 3), roots, strict=True):
        path = root / "incidents" / "2025-03-04-incident-10.yaml"
        path.write_text(path.read_text().replace("Incident 10 of", "Incident ten of"))
        (root / "incidents" / "2025-03-30-broken.yaml").unlink()
        (root / "incidents" / "2025-03-03-incident-06.md").unlink()
        results[jobs - 1] = run(root, "render", "--jobs", str(jobs))
    assert results[0][0] == 1  # the duplicate id and the schema error are still there
    assert "[R001]" not in results[0][2] and "[Y004]" not in results[0][2]
    assert "updated: incidents/2025-03-04-incident-10.md" in results[0][1]
    assert "updated: incidents/2025-03-04-incident-11.md" in results[0][1]  # links to it
    assert results[1:] == [results[0]] * 2
    assert [files_of(root) for root in roots[1:]] == [files_of(roots[0])] * 2


@pytest.mark.usefixtures("few_files_per_worker")
def test_a_render_starts_workers_for_the_files_it_parses(tmp_path: Path,
                                                        pools_started: list[int]) -> None:
    """Files the render cache knows as they are stay in this process (their reports too);
    workers start for the files to parse, and the bytes are those of one process."""
    roots = [make_corpus(tmp_path / f"repo{jobs}") for jobs in (1, 2)]
    for jobs, root in zip((1, 2), roots, strict=True):
        run(root, "render", "--jobs", str(jobs))
    assert pools_started == [2]  # nothing cached: every file parsed, in two workers
    unchanged = [run(root, "render", "--jobs", str(jobs))
                 for jobs, root in zip((1, 2), roots, strict=True)]
    assert pools_started == [2]  # nothing to parse: no workers
    assert unchanged[1] == unchanged[0]
    assert "0 files changed" in unchanged[0][2]
    results = []
    for jobs, root in zip((1, 2), roots, strict=True):
        for i in range(10, 22):  # 12 files to parse, and the reports that link to them
            path = next((root / "incidents").glob(f"*-incident-{i}.yaml"))
            path.write_text(path.read_text().replace(f"Cause {i}", f"Cause number {i}"))
        results.append(run(root, "render", "--jobs", str(jobs)))
    assert pools_started == [2, 2]
    assert "updated: incidents/2025-03-04-incident-10.md" in results[0][1]
    assert results[1] == results[0]
    assert files_of(roots[1]) == files_of(roots[0])


@pytest.mark.usefixtures("few_files_per_worker")
def test_a_worker_reports_a_hand_edited_report_as_one_process_does(tmp_path: Path) -> None:
    roots = [make_corpus(tmp_path / f"repo{jobs}", count=12) for jobs in (1, 2)]
    outputs = []
    for jobs, root in zip((1, 2), roots, strict=True):
        run(root, "render", "--jobs", str(jobs))
        report = root / "incidents" / "2025-03-02-incident-05.md"
        report.write_bytes(report.read_bytes().replace(b"Incident 5", b"Incident five"))
        outputs.append(run(root, "render", "--jobs", str(jobs)))
    assert outputs[0][0] == 1
    assert "incidents/2025-03-02-incident-05.md:1:1: error: edited by hand" in outputs[0][2]
    assert outputs[1] == outputs[0]


def test_the_number_of_workers() -> None:
    per_worker = workers.FILES_PER_WORKER[workers.start_method()]
    assert workers.worker_count(1, 100_000) == 1  # --jobs 1: in this process
    assert workers.worker_count(8, per_worker * 2 - 1) == 1  # too few files to pay for two
    assert workers.worker_count(8, per_worker * 3) == 3
    assert workers.worker_count(2, 100_000) == 2
    assert workers.worker_count(None, 100_000) == workers.available_cpus()
    assert workers.shares("abcde", 2) == [[(0, "a"), (2, "c"), (4, "e")], [(1, "b"), (3, "d")]]
    assert workers.in_order(workers.shares("abcde", 3), 5) == list("abcde")


@pytest.mark.parametrize("setting, args, message", [
    ("jobs = 0", ["check"], "'jobs' must be at least 1 (1 runs everything in one process)"),
    ('jobs = "all"', ["render"], "'jobs' must be a whole number"),
    ("", ["check", "--jobs", "0"], "Invalid value for '-j' / '--jobs': 0 is not in the "
                                   "range x>=1."),
])
def test_a_wrong_number_of_jobs_is_a_usage_error(tmp_path: Path, setting: str,
                                                 args: list[str], message: str) -> None:
    root = make_corpus(tmp_path / "repo", count=1)
    (root / "postmortem.toml").write_text(setting + "\n")
    code, out, err = run(root, *args)
    assert (code, out) == (2, "")
    assert message in err


def test_the_jobs_setting_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  pools_started: list[int]) -> None:
    root = make_corpus(tmp_path / "repo", count=30)
    (root / "postmortem.toml").write_text("jobs = 1\n")
    monkeypatch.setitem(workers.FILES_PER_WORKER, workers.start_method(), 1)
    started = pools_started
    run(root, "check")
    run(root, "render")
    assert started == []
    (root / "postmortem.toml").write_text("jobs = 2\n")
    run(root, "check")
    run(root, "render", "--jobs", "3")
    assert started == [2, 3]


# ---- the history ------------------------------------------------------------------------

def history_text(i: int, n: int) -> str:
    """Incident ``i`` as commit ``n`` leaves it: its items' status, due date and owner move
    on; some versions cannot be read (a YAML error, action items that are no list) and the
    replay skips them with a warning."""
    key = f"2025-03-{1 + i:02d}-incident-{i}"
    if n % 9 == 4 + i % 2:
        return f"id: {key}\ntitle: [unclosed\n"
    if n % 7 == 3:
        return f"id: {key}\ntitle: Incident {i}\naction_items: none yet\n"
    items = "".join(
        f"  - {{id: AI-{k}, title: Fix {i}.{k}, owner: {('ops', 'dev', 'unknown')[(n + k) % 3]}, "
        f"priority: high, status: {('todo', 'in_progress', 'done')[(n + k) % 3]}, "
        f"due: 2025-04-{1 + (n * k) % 28:02d}}}\n" for k in range(1, 2 + (n + i) % 3))
    return (f"id: {key}\ntitle: Incident {i}\ndate: 2025-03-{1 + i:02d}\nstatus: resolved\n"
            f"severity: high\nstarted: '10:00'\naction_items:\n{items}")


def history_commits(root: Path, start: int, stop: int) -> None:
    """Commits ``start`` to ``stop``, on successive days, each changing two of six
    incidents; a file renamed, one deleted and added again."""
    folder = root / "incidents"
    for n in range(start, stop):
        for i in (n % 6, (n * 5 + 1) % 6):
            (folder / f"2025-03-{1 + i:02d}-incident-{i}.yaml").write_text(history_text(i, n))
        if n == 12:
            (folder / "2025-03-06-incident-5.yaml").rename(folder / "2025-03-06-renamed.yaml")
        if n in (20, 26):
            for path in folder.glob("2025-03-04-*.yaml"):
                path.unlink()
        when = f"2025-{4 + n // 28:02d}-{1 + n % 28:02d}T{8 + n % 9:02d}:00:00+00:00"
        env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
               "GIT_AUTHOR_NAME": ("Alice", "Bob")[n % 2]}
        subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", f"change {n}"], cwd=root, check=True,
                       env=env)


def history_state(root: Path) -> dict[str, bytes]:
    """The history cache's files."""
    return {p.name: p.read_bytes() for p in sorted((root / ".git" / "postmortem").iterdir())}


@pytest.fixture
def few_blobs_per_worker(monkeypatch: pytest.MonkeyPatch, pools_started: list[int]
                         ) -> list[int]:
    """Workers from the 6th new file version on, 4 versions a batch; the pools started."""
    monkeypatch.setitem(reader.BLOBS_BEFORE_WORKERS, workers.start_method(), 6)
    monkeypatch.setattr(reader, "_BATCH", 4)
    return pools_started


def command(root: Path, *args: str) -> tuple[int, str, str]:
    """A command as in a process of its own: the replay's cache of date texts (which keeps
    the first text of each date alive, and so decides which texts the history cache writes
    as shared objects) starts empty."""
    replay._DATES.clear()
    return run(root, *args)


HISTORY_COMMANDS = [
    ["actions", "--as-of", "2025-05-20"],
    ["actions", "--as-of", "2025-05-20", "--format", "json"],
    ["actions", "--as-of", "2025-05-20", "2025-03-02-incident-1#AI-1"],
    ["review", "--week", "2025-W19"],
    ["review", "--as-of", "2025-05-20", "--format", "json"],
]


def test_the_history_is_the_same_with_any_number_of_workers(
        tmp_path: Path, few_blobs_per_worker: list[int]) -> None:
    source = git_init(tmp_path / "source")
    (source / "incidents").mkdir()
    history_commits(source, 0, 40)
    roots = {jobs: tmp_path / f"repo{jobs}" for jobs in (1, 2, 3)}
    for root in roots.values():
        shutil.copytree(source, root, symlinks=True)
    for step in ("first", "after new commits"):
        outputs = {jobs: [command(root, *args, "--jobs", str(jobs)) for args in HISTORY_COMMANDS]
                   for jobs, root in roots.items()}
        assert [out[0] for out in outputs[1]] == [0] * len(HISTORY_COMMANDS)
        assert "warning: " in outputs[1][0][2] and "AI-2" in outputs[1][0][1]
        assert outputs[2] == outputs[1]
        assert outputs[3] == outputs[1]
        caches = {jobs: history_state(root) for jobs, root in roots.items()}
        assert caches[2] == caches[1] and caches[3] == caches[1]
        if step == "first":
            # Only the first command of each read anything: the others hit the cache.
            assert few_blobs_per_worker == [2, 3]
            assert list(caches[1]) == [next(iter(caches[1]))]  # the base file
            for root in roots.values():
                history_commits(root, 40, 52)
    assert few_blobs_per_worker == [2, 3, 2, 3]
    assert [name.rpartition(".")[2] for name in caches[1]] == ["bin", "journal"]


def test_few_new_file_versions_are_parsed_in_this_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools_started: list[int]) -> None:
    root = git_init(tmp_path / "repo")
    (root / "incidents").mkdir()
    history_commits(root, 0, 12)  # 24 file versions, fewer than the threshold
    started = pools_started
    assert run(root, "actions", "--jobs", "2")[0] == 0
    assert started == []
    # Nothing new: the cache answers, with no work to share out.
    monkeypatch.setitem(reader.BLOBS_BEFORE_WORKERS, workers.start_method(), 1)
    assert run(root, "actions", "--jobs", "2")[0] == 0
    assert started == []


@pytest.mark.parametrize("name", ["actions", "review"])
def test_the_history_commands_take_the_jobs_setting(
        tmp_path: Path, few_blobs_per_worker: list[int], name: str) -> None:
    root = git_init(tmp_path / "repo")
    (root / "incidents").mkdir()
    history_commits(root, 0, 10)
    (root / "postmortem.toml").write_text("jobs = 1\n")
    assert run(root, name, "--as-of", "2025-05-01")[0] == 0
    assert few_blobs_per_worker == []
    shutil.rmtree(root / ".git" / "postmortem")
    (root / "postmortem.toml").write_text("jobs = 3\n")
    assert run(root, name, "--as-of", "2025-05-01")[0] == 0
    shutil.rmtree(root / ".git" / "postmortem")
    assert run(root, name, "--as-of", "2025-05-01", "-j", "2")[0] == 0
    assert few_blobs_per_worker == [3, 2]
    code, out, err = run(root, name, "--jobs", "0")
    assert (code, out) == (2, "")
    assert "Invalid value for '-j' / '--jobs': 0 is not in the range x>=1." in err


# ---- Ctrl-C and kill, on the installed command ------------------------------------------

def _project(tmp_path: Path) -> Path:
    """Enough files for two workers at the measured threshold, and a render long enough to
    be interrupted while it writes."""
    root = git_init(tmp_path / "repo")
    folder = root / "incidents"
    folder.mkdir()
    count = workers.FILES_PER_WORKER[workers.start_method()] * 2 + 400
    _, text = incident(1)
    for i in range(count):
        key = f"2025-03-01-incident-{i:04d}"
        (folder / f"{key}.yaml").write_text(
            text.replace("2025-03-01-incident-01", key), encoding="utf-8")
    return root


def _left_behind(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "incidents").iterdir() if p.name.endswith(".tmp"))


def _processes_in(root: Path) -> list[int]:
    """Processes whose working folder is ``root``: the command and its workers."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "cwd") == str(root):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _workers_of(pid: int) -> list[int]:
    """The worker processes of ``pid``: its children running the same command, seen twice
    50 ms apart (a child that starts git has the same command line until it runs git)."""
    command = Path(f"/proc/{pid}/cmdline").read_bytes()

    def children() -> set[int]:
        found = set()
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and (entry / "cmdline").read_bytes() == command and \
                        int((entry / "stat").read_text().rpartition(")")[2].split()[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, ValueError):
                continue
        return found

    first = children()
    time.sleep(0.05)
    return sorted(first & children())


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
@pytest.mark.parametrize("how", ["group", "parent", "terminate"])
def test_an_interrupted_render_stops_its_workers_and_leaves_no_temp_files(
        tmp_path: Path, how: str) -> None:
    root = _project(tmp_path)
    process = subprocess.Popen([POSTMORTEM, "render", "--jobs", "2"], cwd=root,
                               env={**os.environ, **GIT_ENV}, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not any(p.suffix == ".md" for p in (root / "incidents").iterdir()):
        assert process.poll() is None and time.monotonic() < deadline, "the render ended early"
        time.sleep(0.005)
    if how == "group":  # Ctrl-C in a terminal: the whole foreground group
        os.killpg(process.pid, signal.SIGINT)
    else:
        process.send_signal(signal.SIGINT if how == "parent" else signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == (143 if how == "terminate" else 130), err
    assert err.endswith("Terminated.\n" if how == "terminate" else "Interrupted.\n"), err
    assert "Traceback" not in err
    assert _left_behind(root) == []
    assert _processes_in(root) == []
    # What was written is whole: the next run finishes the job.
    done = subprocess.run([POSTMORTEM, "render", "--jobs", "2"], cwd=root, capture_output=True,
                          text=True, env={**os.environ, **GIT_ENV}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _left_behind(root) == []


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
def test_a_killed_worker_is_an_error_naming_it_and_leaves_no_temp_files(
        tmp_path: Path) -> None:
    root = _project(tmp_path)
    process = subprocess.Popen([POSTMORTEM, "render", "--jobs", "2"], cwd=root,
                               env={**os.environ, **GIT_ENV}, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_workers_of(process.pid)) < 2:
        assert process.poll() is None and time.monotonic() < deadline, "no workers started"
        time.sleep(0.005)
    os.kill(_workers_of(process.pid)[1], signal.SIGKILL)  # as the out-of-memory killer would
    _, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "of 2 was killed by signal 9 before it finished" in err, err
    assert "hint: run again with --jobs 1" in err
    assert _left_behind(root) == []
    assert _processes_in(root) == []


@pytest.mark.usefixtures("few_files_per_worker")
def test_the_external_render_is_the_same_with_any_number_of_workers(tmp_path: Path) -> None:
    roots = [make_corpus(tmp_path / f"repo{jobs}") for jobs in (1, 2)]
    results = []
    for jobs, root in zip((1, 2), roots, strict=True):
        (root / "postmortem.toml").write_text('[external]\noutput_dir = "public"\n')
        results.append(run(root, "render", "--audience", "external", "--jobs", str(jobs)))
    assert results[0][0] == 1  # the broken files
    assert "created: public/2025-03-03-incident-06.md" in results[0][1]
    # Its secret keeps it out, and render says so.
    assert "incident-12" not in results[0][1]
    assert "incidents/2025-03-05-incident-12.yaml:" in results[0][2]
    assert "[R003]" in results[0][2]
    assert results[1] == results[0]
    assert files_of(roots[1]) == files_of(roots[0])


@pytest.fixture(scope="module")
def big_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One commit of enough incidents, each with many action items, for a history read
    long enough to be interrupted while its workers parse them."""
    root = git_init(tmp_path_factory.mktemp("history") / "repo")
    folder = root / "incidents"
    folder.mkdir()
    items = "".join(f"  - id: AI-{k}\n    title: Fix part {k}\n    owner: ops\n"
                    f"    priority: high\n    status: todo\n    due: 2025-04-{k:02d}\n"
                    for k in range(1, 21))
    for i in range(reader.BLOBS_BEFORE_WORKERS[workers.start_method()] + 1500):
        key = f"2025-03-01-incident-{i:04d}"
        (folder / f"{key}.yaml").write_text(
            f"id: {key}\ntitle: Incident {i}\ndate: 2025-03-01\nstatus: resolved\n"
            f"severity: high\nstarted: '10:00'\naction_items:\n{items}", encoding="utf-8")
    for args in (["add", "-A"], ["commit", "-q", "-m", "Import"]):
        subprocess.run(["git", *args], cwd=root, check=True, env={**os.environ, **GIT_ENV})
    return root


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
@pytest.mark.parametrize("how", ["group", "parent", "terminate", "kill a worker"])
def test_an_interrupted_history_read_stops_its_workers_and_writes_no_cache(
        big_history: Path, tmp_path: Path, how: str) -> None:
    root = tmp_path / "repo"
    shutil.copytree(big_history, root, symlinks=True)
    command = [POSTMORTEM, "actions", "--overdue", "--as-of", "2025-03-02", "--jobs", "2"]
    process = subprocess.Popen(command, cwd=root, env={**os.environ, **GIT_ENV},
                               start_new_session=True, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_workers_of(process.pid)) < 2:
        assert process.poll() is None and time.monotonic() < deadline, "no workers started"
        time.sleep(0.005)
    if how == "group":  # Ctrl-C in a terminal: the whole foreground group, git too
        os.killpg(process.pid, signal.SIGINT)
    elif how == "kill a worker":  # as the out-of-memory killer would
        os.kill(_workers_of(process.pid)[1], signal.SIGKILL)
    else:
        process.send_signal(signal.SIGINT if how == "parent" else signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    if how == "kill a worker":
        assert process.returncode == 1, err
        assert "of 2 was killed by signal 9 before it finished" in err, err
    else:
        assert process.returncode == (143 if how == "terminate" else 130), err
        assert err.endswith("Terminated.\n" if how == "terminate" else "Interrupted.\n"), err
    assert "Traceback" not in err
    assert list((root / ".git").glob("postmortem/*")) == []  # no cache, whole or half
    assert _processes_in(root) == []  # git's processes included
    done = subprocess.run(command, cwd=root, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert [p.suffix for p in (root / ".git" / "postmortem").iterdir()] == [".bin"]


_INTERRUPT_AFTER_FORK: list[bool] = []
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_parent=lambda: _INTERRUPT_AFTER_FORK and (
        _INTERRUPT_AFTER_FORK.pop(), os.kill(os.getpid(), signal.SIGINT)))


@pytest.mark.skipif(workers.start_method() != "fork", reason="fork only")
def test_ctrl_c_while_a_worker_is_forked_is_not_lost() -> None:
    """Python runs the fork hooks (logging's, ...) and ignores exceptions raised in them: a
    Ctrl-C that arrives then must wait until the workers have started."""
    _INTERRUPT_AFTER_FORK.append(True)
    with pytest.raises(KeyboardInterrupt), workers.workers(2, dict) as pool:
        pool.each(dict.get, ["a", "b"])  # not reached
    assert _INTERRUPT_AFTER_FORK == []


class _Finalizing:
    def __del__(self) -> None:
        raise Terminated  # as the SIGTERM handler does when the signal comes here


def _lose_a_stop(state: object, arg: int) -> int:
    _Finalizing()  # at once garbage
    return arg


def test_a_worker_ends_after_a_stop_that_came_while_a_finalizer_ran() -> None:
    """Python cannot raise from ``__del__``: the worker finishes its task and ends, instead
    of waiting for more (and for the parent to kill it after a timeout)."""
    with workers.workers(2, dict) as pool:
        assert pool.each(_lose_a_stop, [1, 2]) == [1, 2]
        with pytest.raises(workers.WorkerDied, match="ended with exit code 0 before"):
            pool.each(_lose_a_stop, [3, 4])
