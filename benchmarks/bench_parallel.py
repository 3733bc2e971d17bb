"""Time `check` and `render` with 1 and 2 worker processes against a bare yaml.load."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen_incidents  # noqa: E402  (sibling scripts, not package modules)
from bench_core import (  # noqa: E402
    MB,
    Figure,
    Run,
    baseline,
    best,
    clear_outputs,
    cli,
    corpus,
    cpu_seconds,
    report,
    timed,
)

KINDS = ("project", "small")
JOBS = (1, 2)
TARGETS = {"check": 0.6, "render": 1.2}  # x baseline, with the CPUs of this machine (2)
MEMORY_TARGET = 1024 * MB


# ---- the two corpora ---------------------------------------------------------------------------

MEASURES = (  # what, arguments, outputs deleted first, label
    ("check", ["check", "--strict"], False, ""),
    ("render", ["render"], True, " (full)"),
    ("no-op render", ["render"], False, " (no change)"),
)


def measure(kind: str, root: Path, count: int, seed: int, repeat: int) -> list[Figure]:
    """Baseline, check, full and no-op render with each number of workers, on one corpus;
    ``repeat`` rounds of all of them, so that a change in the machine's load hits each."""
    paths = corpus(root, count, seed, small=kind == "small")
    size = sum(p.stat().st_size for p in paths)
    for path in paths:  # warm the page cache so that every contender reads from memory
        path.read_bytes()
    print(f"{kind} corpus: {len(paths):,} incident files, {size / 1e6:.1f} MB", file=sys.stderr)
    command = cli()
    bases: list[tuple[float, float]] = []
    runs: dict[tuple[str, int], list[Run]] = {}
    for round_ in range(1, repeat + 1):
        print(f"{kind}, round {round_}: baseline ...", file=sys.stderr)
        wall, cpu, docs = timed(lambda: baseline(paths), 1)
        del docs
        bases.append((wall, cpu))
        for what, args, clear, _ in MEASURES:
            for jobs in JOBS:
                print(f"{kind}, round {round_}: {what}, --jobs {jobs} ...", file=sys.stderr)
                if clear:
                    clear_outputs(root)
                runs.setdefault((what, jobs), []).append(
                    Run([*command, *args, "--jobs", str(jobs)], root))
    base, cpu = min(w for w, _ in bases), min(c for _, c in bases)
    figures = [Figure(f"{kind}: baseline: read + yaml.load", base, cpu,
                      note=f"{len(paths):,} files, {size / 1e6:.1f} MB")]
    peak = 0
    for what, args, _, label in MEASURES:
        walls = {}
        for jobs in JOBS:
            run = best(runs[what, jobs])
            walls[jobs] = run.wall
            peak = max(peak, run.peak)
            target = TARGETS.get(what) if jobs == max(JOBS) else None
            ok = None if target is None else run.wall <= target * base
            if run.code != 0:
                ok = False
            ended = f"exit {run.code}" + (f": {run.last}" if run.code or what == "check" else "")
            figures.append(Figure(
                f"{kind}: postmortem {' '.join(args)} -j {jobs}{label}", run.wall, run.cpu,
                target, f"{run.peak / MB:,.0f} MB", ok, f"cpu {run.cpu / cpu:.2f}x; {ended}"))
        figures.append(Figure(f"{kind}: {what}: speed-up -j 1 / -j {max(JOBS)}",
                              absolute=f"{walls[1] / walls[max(JOBS)]:.2f}x"))
    figures.append(Figure(f"{kind}: peak memory of the process tree", absolute=(
        f"{peak / MB:,.0f} MB (target <= {MEMORY_TARGET // MB:,} MB)"),
        ok=peak <= MEMORY_TARGET))
    return figures


def startup(repeat: int) -> Figure:
    """`postmortem check` of a repository without incidents: the start-up and imports that
    every figure above includes."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "incidents").mkdir()
        (root / "pyproject.toml").write_text(gen_incidents.CONFIG, encoding="utf-8")
        run = best([Run([*cli(), "check"], root) for _ in range(repeat)])
    return Figure("start-up: postmortem check, no incidents", run.wall, run.cpu,
                  absolute=f"{run.peak / MB:,.0f} MB", note=f"exit {run.code}")


# ---- where two workers start to pay ---------------------------------------------------------

def crossover_child(root: str, what: str, method: str, repeat: int) -> None:
    """In a process of its own (run by :func:`crossover`): ``what`` (check or render) of the
    repository ``root`` with 1 and 2 workers in turn, the workers forced for any number of
    files and started with ``method``; prints, for each number, the best wall seconds and
    CPU seconds of this process and of its workers."""
    from postmortem import workers
    from postmortem.config import load_config
    from postmortem.reports.render import render_all
    from postmortem.rules.collection import load_all

    # worker_count() decides as in a command, with one file enough for a worker.
    workers.FILES_PER_WORKER[method] = 1
    workers.start_method = lambda: method  # type: ignore[assignment]
    config = load_config(Path(root))
    fastest: dict[int, list[float]] = {}
    for _ in range(repeat):
        for jobs in JOBS:  # alternated, so that a change in the machine's load hits both
            if what == "render":
                clear_outputs(Path(root))
            before, wall = cpu_seconds(), time.perf_counter()
            if what == "check":
                load_all(config, jobs=jobs)
            else:
                render_all(config, jobs=jobs)
            wall, after = time.perf_counter() - wall, cpu_seconds()
            figures = [wall, after[0] - before[0], after[1] - before[1]]
            fastest[jobs] = [min(pair) for pair in zip(fastest.get(jobs, figures), figures,
                                                       strict=True)]
    print(json.dumps(fastest))


_CHILD = ("import sys; sys.path.insert(0, sys.argv[1]); import bench_parallel; "
          "bench_parallel.crossover_child(sys.argv[2], sys.argv[3], sys.argv[4], "
          "int(sys.argv[5]))")


def idle(figures: list[float], jobs: int) -> float:
    """The wall time on idle cores, from CPU times: this process's work, then the workers'
    shared evenly (their shares are dealt alike); what a loaded machine hides."""
    _, mine, theirs = figures
    return mine + theirs / jobs


def crossover(sizes: list[int], folder: Path, seed: int, repeat: int, methods: list[str]
              ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Check and full render of N small incidents with 1 and 2 workers, for each N; and the
    FILES_PER_WORKER each start method's figures suggest."""
    rows = []
    for size in sizes:
        root = folder / f"postmortem-bench-small-{size}-{seed}"
        corpus(root, size, seed, small=True)
        for method in methods:
            row: dict[str, Any] = {"files": size, "method": method}
            for what in ("check", "render"):
                print(f"{size} files, {method}, {what} ...", file=sys.stderr)
                # `python -c`: a spawned worker then imports no main module, as with the
                # command line's small entry script.
                out = subprocess.run([sys.executable, "-c", _CHILD, str(HERE), str(root), what,
                                      method, str(repeat)], check=True, stdout=subprocess.PIPE,
                                     ).stdout
                row[what] = {int(k): v for k, v in json.loads(out).items()}
            rows.append(row)
    proposal = {}
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        for how, time_of in (("measured", lambda f, j: f[0]), ("on idle cores", idle)):
            pays = [all(time_of(r[w][2], 2) < time_of(r[w][1], 1) for w in ("check", "render"))
                    for r in mine]
            # The smallest size from which two workers are faster at every size measured.
            start = next((i for i in range(len(mine)) if all(pays[i:])), None)
            if start is None:
                text = f"not faster up to {mine[-1]['files']} files"
            else:
                files = mine[start]["files"]
                text = f"faster from {files} files" + (
                    f" (not at {mine[start - 1]['files']})" if start else "") + (
                    f": FILES_PER_WORKER = {files // 2} starts 2 workers from {files}")
            proposal[f"{method}, {how}"] = f"2 workers {text}"
    return rows, proposal


def crossover_table(rows: list[dict[str, Any]]) -> str:
    lines = ["wall seconds with 1 and 2 workers, and (in brackets) on idle cores, from the CPU "
             "times", f"{'files':>6} {'method':6} | {'check -j 1':>16} {'-j 2':>16} | "
             f"{'render -j 1':>16} {'-j 2':>16}"]
    for r in rows:
        parts = [f"{r[w][1][0]:7.3f} ({idle(r[w][1], 1):6.3f}) "
                 f"{r[w][2][0]:7.3f} ({idle(r[w][2], 2):6.3f})" for w in ("check", "render")]
        lines.append(f"{r['files']:6} {r['method']:6} | {parts[0]} | {parts[1]}")
    return "\n".join(lines)


# ---- the command line ----------------------------------------------------------------------

def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="incidents in each corpus")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated corpora")
    parser.add_argument("--only", choices=KINDS, help="one corpus only (default: both)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()),
                        help="folder of the generated corpora (reused across runs)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every measure; the best of each counts")
    parser.add_argument("--threshold", action="store_true",
                        help="instead: where 2 workers start to pay (small incidents)")
    parser.add_argument("--sizes", default="25,50,100,200,400,800,1600",
                        help="--threshold: numbers of files, ascending")
    parser.add_argument("--methods", default="fork,spawn",
                        help="--threshold: start methods of the workers")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    repeat = max(args.repeat, 1)
    folder = args.dir.resolve()
    context = (f"(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, PyYAML "
               f"{yaml.__version__}, libyaml {'yes' if yaml.__with_libyaml__ else 'no'})")
    if args.threshold:
        print(f"load average before: {load_average()}", file=sys.stderr)
        rows, proposal = crossover(sorted(int(x) for x in args.sizes.split(",")), folder,
                                   args.seed, repeat, args.methods.split(","))
        print(crossover_table(rows))
        for how, text in proposal.items():
            print(f"{how}: {text}")
        print(f"{context}; load average after: {load_average()}")
        if args.json:
            args.json.write_text(json.dumps({"rows": rows, "proposal": proposal}, indent=2)
                                 + "\n")
        return 0
    figures = [startup(repeat)]
    for kind in (args.only,) if args.only else KINDS:
        name = "postmortem-bench" if kind == "project" else "postmortem-bench-small"
        print(f"load average: {load_average()}", file=sys.stderr)
        part = measure(kind, folder / f"{name}-{args.count}-{args.seed}", args.count,
                       args.seed, repeat)
        base = part[0].seconds
        assert base is not None
        print(report(part, base))
        figures += part
    print(f"{figures[0].name}: {figures[0].seconds:.2f} s wall, {figures[0].cpu:.2f} s cpu, "
          f"{figures[0].absolute}")
    print(f"{context}; load average after: {load_average()}")
    if args.json:
        args.json.write_text(json.dumps([f.__dict__ for f in figures], indent=2) + "\n")
    return 0 if all(f.ok is not False for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
