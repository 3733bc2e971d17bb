"""Time `read_history` against the raw git pipeline it builds on, first run (with 1 and 2
worker processes) and re-runs; with --break-even, the number of new file versions from
which worker processes pay for themselves."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from postmortem import workers  # noqa: E402
from postmortem.config import load_config  # noqa: E402
from postmortem.history import reader  # noqa: E402
from postmortem.history.git import _FORMAT, parse_log  # noqa: E402
from postmortem.history.reader import read_history  # noqa: E402

# Exactly the git invocation read_history makes (rename detection and first-parent diffs
# of merges included), so that the ratio measures our parsing and bookkeeping only.
LOG = ["git", "log", "--first-parent", "--diff-merges=first-parent", "--raw", "--no-abbrev",
       "-z", "-M", "--root", "--no-color", "--no-notes", "--no-show-signature",
       f"--format={_FORMAT}", "HEAD", "--", ":(top,literal)incidents"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          text=True).stdout


def raw_pipeline(repo: Path) -> tuple[float, int, int]:
    """Seconds for git log plus `git cat-file --batch` of every blob it lists."""
    started = time.perf_counter()
    out = subprocess.run(LOG, cwd=repo, check=True, capture_output=True).stdout
    commits = parse_log(out)
    blobs = list(dict.fromkeys(c[3] for _, _, _, changes in commits for c in changes if c[3]))
    cat = subprocess.run(["git", "cat-file", "--batch"], cwd=repo, check=True,
                         input=("\n".join(blobs) + "\n").encode(), capture_output=True)
    assert cat.stdout
    return time.perf_counter() - started, len(commits), len(blobs)


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def clear_cache(repo: Path) -> None:
    shutil.rmtree(repo / ".git" / "postmortem", ignore_errors=True)


def add_commits(repo: Path, count: int) -> None:
    """``count`` follow-up commits, each moving one action item's due date a week later."""
    files = sorted((repo / "incidents").glob("*.yaml"))[:count]
    env = {**os.environ, "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(    due: )(\d{4})-", lambda m: f"{m[1]}{int(m[2]) + 1}-", text, count=1)
        path.write_text(text, encoding="utf-8")
        subprocess.run(["git", "commit", "-q", "-m", f"Slip {path.stem}", "--", str(path)],
                       cwd=repo, check=True, env=env)


def fresh_read(repo: Path) -> float:
    """Seconds of one `read_history` call in a new process, as a command would make it."""
    code = ("import time\nfrom postmortem.config import load_config\n"
            "from postmortem.history.reader import read_history\nconfig = load_config()\n"
            "started = time.perf_counter()\nread_history(config)\n"
            "print(time.perf_counter() - started)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=repo, check=True,
                         capture_output=True, text=True, env={**os.environ,
                                                              "PYTHONPATH": str(HERE.parent)})
    return float(out.stdout)


def cli(repo: Path, *args: str) -> float:
    """Wall time of the whole command in a new process (interpreter start and imports too)."""
    exe = Path(sys.executable).with_name("postmortem")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "postmortem"]
    started = time.perf_counter()
    subprocess.run([*command, "actions", *args], cwd=repo, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def break_even(sizes: list[int], repeat: int, method: str) -> None:
    """Seconds of a first read (no cache) of small generated repositories (files in
    sub-folders, so that git's log is quick and parsing is most of the work) with 1 and
    with 2 worker processes started at once: where 2 break even is where they pay."""
    workers.start_method = lambda: method  # type: ignore[assignment]
    reader.BLOBS_BEFORE_WORKERS[method] = 0
    print(f"| new file versions | --jobs 1 | --jobs 2 ({method}, from the first) | 2 / 1 |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="pm-break-even-") as tmp:
        for commits in sizes:
            repo = Path(tmp) / f"repo-{commits}"
            subprocess.run([sys.executable, str(HERE / "gen_history_repo.py"), str(repo),
                            "--nested", "--commits", str(commits), "--files", str(commits)],
                           check=True, capture_output=True)
            _, _, blobs = raw_pipeline(repo)
            config = load_config(repo)
            times: dict[int, list[float]] = {1: [], 2: []}
            for _ in range(repeat):  # alternate, so that both see the same machine load
                for jobs in times:
                    times[jobs].append(timed(partial(read_history, config, use_cache=False,
                                                     jobs=jobs)))
            one, two = (statistics.median(times[j]) for j in (1, 2))
            print(f"| {blobs:,} | {one:.3f} | {two:.3f} | {two / one:.2f} |", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, help="a repository made by gen_history_repo.py "
                        "(commits are added to it); default: generate one in a temp folder")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median)")
    parser.add_argument("--break-even", action="store_true",
                        help="time small repositories with 1 and 2 workers instead")
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")],
                        default=[100, 200, 400, 800, 1600],
                        help="commits of the --break-even repositories (as many files)")
    parser.add_argument("--start-method", choices=["fork", "spawn"],
                        default=workers.start_method(),
                        help="how --break-even starts workers (default: this platform's)")
    args = parser.parse_args(argv)
    if args.break_even:
        break_even(args.sizes, args.repeat, args.start_method)
        return 0
    tmp = None
    if args.repo is None:
        tmp = Path(tempfile.mkdtemp(prefix="pm-history-"))
        args.repo = tmp / "repo"
        subprocess.run([sys.executable, str(HERE / "gen_history_repo.py"), str(args.repo)],
                       check=True)
    repo = args.repo.resolve()
    os.chdir(repo)
    config = load_config(repo)
    try:
        raw: list[float] = []
        first: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeat):  # alternate, so that all see the same machine load
            seconds, commits, blobs = raw_pipeline(repo)
            raw.append(seconds)
            for jobs in first:
                clear_cache(repo)
                first[jobs].append(timed(partial(read_history, config, jobs=jobs)))
        history = read_history(config)
        unchanged = [fresh_read(repo) for _ in range(args.repeat)]
        add_commits(repo, 10)
        after_ten = fresh_read(repo)  # the only run that sees them new
        add_commits(repo, 10)
        cli_after_ten = cli(repo, "--overdue")
        git(repo, "commit", "-q", "--amend", "-m", "Slip, reworded")
        rewritten = fresh_read(repo)
        cli_json = [cli(repo, "--format", "json") for _ in range(args.repeat)]
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    events = sum(len(i.events) for i in history.items.values())
    ratio = statistics.median(first[1]) / statistics.median(raw)
    rows = [
        ("raw: git log + git cat-file --batch", statistics.median(raw)),
        ("read_history, first run (no cache), --jobs 1", statistics.median(first[1])),
        ("read_history, first run (no cache), --jobs 2", statistics.median(first[2])),
        ("read_history, re-run, nothing new", statistics.median(unchanged)),
        ("read_history, re-run after 10 new commits", after_ten),
        ("read_history, re-run after amending HEAD", rewritten),
        ("`postmortem actions --overdue` after 10 new commits (whole process)",
         cli_after_ten),
        ("`postmortem actions --format json`, nothing new (whole process)",
         statistics.median(cli_json)),
    ]
    print(f"{commits:,} commits touching incidents/, {blobs:,} distinct blobs, "
          f"{len(history.items):,} action items, {events:,} events; "
          f"median of {args.repeat} runs where repeated\n")
    print("| run | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.2f} |")
    print(f"\nfirst run / raw pipeline: {ratio:.2f}x with --jobs 1, "
          f"{statistics.median(first[2]) / statistics.median(raw):.2f}x with --jobs 2 "
          "(target <= 2.5x); "
          f"re-run after 10 commits: {after_ten:.2f} s (target < 1 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
