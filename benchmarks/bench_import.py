"""Time `postmortem import` of N documents of the seeds' size against markdown-it-py's own
parse of the same texts (target: at most 3x, in CPU time)."""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "tests" / "data" / "seeds"
DOCUMENTS = ROOT / "tests" / "data" / "import" / "documents"
TARGET = 3.0


def cpu() -> float:
    """CPU seconds (user and system) of this process and of its finished children."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), \
        resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def timed(steps: list[list[Callable[[], Any]]], repeat: int) -> list[tuple[float, float]]:
    """(CPU seconds, wall seconds) of each step, the best of ``repeat`` rounds; the garbage
    collector as the code leaves it. ``steps[i]`` is step i in parts (a chunk of the
    documents each, or one part), and the steps take turns part by part: the machine's
    state, which changes from minute to minute on a shared machine, then weighs on every
    step alike (a step's figure varied by a quarter between runs when each ran whole). The
    ratios are of CPU time: the wall clock also counts the time other jobs hold the cores,
    the CPU time only this work."""
    best = [(float("inf"), float("inf"))] * len(steps)
    for _ in range(repeat):
        spent = [(0.0, 0.0)] * len(steps)
        for part in range(max(len(parts) for parts in steps)):
            for index, parts in enumerate(steps):
                if part >= len(parts):
                    continue
                gc.collect()
                start, wall = cpu(), time.perf_counter()
                parts[part]()
                cpu_s, wall_s = spent[index]
                spent[index] = (cpu_s + cpu() - start, wall_s + time.perf_counter() - wall)
        best = [min(b, s) for b, s in zip(best, spent, strict=True)]
    return best


def corpus(folder: Path, count: int, *, mixed: bool = False, chunk: int = 100) -> list[Path]:
    """``count`` documents: the three seeds in turn (two mis-decoded, as they came), with
    ``mixed`` the import corpus's twelve documents too; each gets a numbered title, so that
    every one has its own id. In sub-folders of ``chunk`` documents each."""
    import re

    sources = sorted(p for d in ([SEEDS, DOCUMENTS] if mixed else [SEEDS])
                     for p in d.iterdir() if p.suffix in (".md", ".markdown", ".txt"))
    out = []
    for n in range(count):
        source = sources[n % len(sources)]
        text = source.read_bytes().decode("utf-8")
        # The title (front matter, else the first ATX or setext heading) starts with a
        # number (at its start: a slug is cut at 60 characters).
        pattern = r'^title: "' if text.startswith("---") else r"^(?:# |(?=[^\n]+\n=+\n))"
        text = re.sub(pattern, lambda m, n=n: f"{m.group(0)}{n:04d} ", text, count=1,
                      flags=re.M)
        path = folder / f"{n // chunk:03d}" / f"{n:04d}-{source.name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000, help="number of documents")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds, each step once per round (best of them)")
    parser.add_argument("--mixed", action="store_true",
                        help="the seeds and the twelve documents of the import corpus")
    parser.add_argument("--chunk", type=int, default=100,
                        help="documents per part: the steps take turns part by part")
    args = parser.parse_args(argv)

    from postmortem.config import Config
    from postmortem.importer.document import parser as markdown_parser
    from postmortem.importer.run import import_documents

    temp = Path(tempfile.mkdtemp(prefix="pm-import-"))
    try:
        docs = corpus(temp / "docs", args.count, mixed=args.mixed, chunk=args.chunk)
        size = sum(p.stat().st_size for p in docs)
        folders = sorted({p.parent for p in docs})
        md = markdown_parser()

        def parse(folder: Path) -> Callable[[], None]:
            texts = [p.read_bytes().decode("utf-8") for p in sorted(folder.iterdir())]

            def go() -> None:
                for text in texts:
                    md.parse(text)
            return go

        def run(folder: Path, dry: bool) -> Callable[[], None]:
            # Each part into a folder of its own: no part finds the others' incidents.
            def go() -> None:
                out = temp / "repo" / folder.name
                shutil.rmtree(out, ignore_errors=True)
                (out / "incidents").mkdir(parents=True)
                config = Config(root=out, incidents_dir=out / "incidents")
                results = import_documents(config, [str(folder)], dry_run=dry)
                failed = [r for r in results if r.error]
                assert not failed, failed[0].error
            return go

        def command() -> None:
            out = temp / "cli"
            shutil.rmtree(out, ignore_errors=True)
            (out / "incidents").mkdir(parents=True)
            done = subprocess.run([sys.executable, "-m", "postmortem", "import",
                                   str(temp / "docs")], cwd=out, check=False,
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr[-500:]

        times = timed([[parse(f) for f in folders], [run(f, True) for f in folders],
                       [run(f, False) for f in folders], [command]], args.repeat)
        names = ["markdown-it-py: parse every document (baseline)",
                 "import, --dry-run (read, repair, parse, map, YAML, check)",
                 "import, files written",
                 "`postmortem import DIR` (a process, files written)"]
        base = times[0][0]
        print(f"{args.count} documents, {size / 1e6:.1f} MB "
              f"({size / args.count / 1000:.1f} KB each), best of {args.repeat}, the steps "
              f"taking turns every {args.chunk} documents (the process: all at once)")
        print("| step | CPU seconds | x parse | target | met | wall seconds |")
        print("|---|---:|---:|---:|:-:|---:|")
        missed = False
        for index, (name, (seconds, wall)) in enumerate(zip(names, times, strict=True)):
            ratio = seconds / base
            target = f"<= {TARGET:g}" if index else ""
            met = ("yes" if ratio <= TARGET else "**no**") if index else ""
            missed |= met == "**no**"
            print(f"| {name} | {seconds:.2f} | {ratio:.2f} | {target} | {met} | {wall:.2f} |")
        return 1 if missed else 0
    finally:
        shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
