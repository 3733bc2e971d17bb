"""Time `check` and `render` on hostile files just under max_file_size against a plain load.

Each shape is one incident file of ~1 MB (the default max_file_size is 1 MiB) built by
repeating one unit: many keys, many list items, long scalars, nesting up to the limit,
aliases up to the value limit. Figures are the best of --repeat runs, with the ratio to
reading the same file and `yaml.load(text, Loader=yaml.CSafeLoader)`.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

TARGET = 1_000_000  # bytes a shape grows to (max_file_size is 1,048,576)
VALUES = 95_000  # values a shape grows to (a file of more than 100,000 is refused whole)
HEAD = ("id: x\ntitle: T\ndate: 2024-01-01\nstatus: investigating\nseverity: high\n"
        "started: '10:30'\n")


def grow(head: str, unit: Callable[[int], str], values: int = 1) -> str:
    """``head`` and units numbered 0, 1, ... (of ``values`` values each) until the text is
    about TARGET bytes or VALUES values."""
    parts, size, i = [head], len(head.encode()), 0
    while size < TARGET and (i + 1) * values < VALUES:
        part = unit(i)
        parts.append(part)
        size += len(part.encode())
        i += 1
    return "".join(parts)


def nested(depth: int) -> str:
    return "[" * depth + "x" + "]" * depth


def block_nesting(i: int) -> str:
    return f"k{i}:\n" + "".join("  " * d + "- \n" for d in range(1, 95)) + "  " * 95 + "- x\n"


SHAPES: dict[str, Callable[[], str]] = {
    "unknown keys": lambda: grow(HEAD, lambda i: f"k{i}: v\n"),
    "unknown keys in a nested mapping": lambda: grow(HEAD + "impact:\n  user:\n",
                                                     lambda i: f"    k{i}: v\n"),
    "tagged values": lambda: grow(HEAD, lambda i: f"k{i}: !!binary aGk=\n"),
    "duplicate keys": lambda: grow(HEAD, lambda i: f"severity_note: v{i}\n"),
    "list items with errors": lambda: grow(HEAD + "tags:\n", lambda i: f"  - Bad Tag {i}\n"),
    "list items, valid": lambda: grow(HEAD + "tags:\n", lambda i: f"  - tag-{i}\n"),
    "timeline entries, valid": lambda: grow(HEAD + "timeline:\n", lambda i: (
        f"  - {{at: '10:{i % 60:02d}', event: step {i}}}\n"), 3),
    "timeline entries with errors": lambda: grow(HEAD + "timeline:\n", lambda i: (
        f"  - {{at: '25:{i % 60:02d}', event: e, bogus: 1}}\n"), 4),
    "action items, valid": lambda: grow(HEAD + "action_items:\n", lambda i: (
        f"  - {{id: AI-{i}, title: Fix {i}, owner: ops, priority: low, status: todo, "
        "due: 2024-02-01}\n"), 7),
    "long ASCII scalar": lambda: HEAD.replace("title: T", "title: " + "a" * TARGET),
    "long non-ASCII scalar": lambda: HEAD + "summary: " + "Stör‚úÖung " * (TARGET // 16) + "\n",
    "long Markdown with code fences": lambda: grow(HEAD + "summary: |\n", lambda i: (
        f"  ```bash\n  echo {i}\n  ```\n")),
    "flow nesting at the limit": lambda: grow(HEAD, lambda i: f"k{i}: {nested(99)}\n", 100),
    "block nesting at the limit": lambda: grow(HEAD, block_nesting, 96),
    "aliases up to the value limit": lambda: HEAD + "anchor: &a [" + ", ".join(
        ["x"] * 990) + "]\n" + "".join(f"k{i}: *a\n" for i in range(99)),
}


def best(run: Callable[[], Any], repeat: int, setup: Callable[[], None] | None = None
         ) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        if setup is not None:
            setup()
        gc.collect()
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def project(folder: Path, text: str) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "incidents").mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", str(folder)], check=True)
    (folder / "incidents" / "x.yaml").write_text(text, encoding="utf-8")
    return folder


def measure(name: str, text: str, root: Path, repeat: int) -> dict[str, Any]:
    from postmortem.config import load_config
    from postmortem.reports.render import render_all
    from postmortem.rules.collection import load_all

    folder = project(root / "shape", text)
    path = folder / "incidents" / "x.yaml"
    config = load_config(folder)

    def plain() -> Any:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)

    def clear() -> None:
        for report in (folder / "incidents").glob("*.md"):
            report.unlink()
        shutil.rmtree(folder / ".git" / "postmortem", ignore_errors=True)

    base, _ = best(plain, repeat)
    check, collection = best(lambda: load_all(config), repeat)
    render, result = best(lambda: render_all(config), repeat, setup=clear)
    script = Path(sys.executable).parent / "postmortem"
    cli, _ = best(lambda: subprocess.run([str(script), "check"], cwd=folder,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                  1)
    errors = sum(p.severity == "error" for p in collection.problems)
    return {"shape": name, "bytes": len(text.encode()), "problems": len(collection.problems),
            "errors": errors, "base": base, "check": check, "render": render, "cli": cli,
            "written": sum(o.action == "created" for o in result.outcomes)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (best is kept)")
    parser.add_argument("--only", help="shapes whose name contains this text")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        measure("warm-up", HEAD, Path(tmp), 1)  # imports and first-use costs out of the figures
        for name, make in SHAPES.items():
            if args.only and args.only not in name:
                continue
            row = measure(name, make(), Path(tmp), args.repeat)
            rows.append(row)
            print(f"{name}: {row}", file=sys.stderr)
    print("| shape (one file) | KB | problems | `yaml.load` s | check s | x | render s | x | "
          "`postmortem check` s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['shape']} | {r['bytes'] / 1000:,.0f} | {r['problems']:,} | "
              f"{r['base']:.3f} | {r['check']:.3f} | {r['check'] / r['base']:.1f} | "
              f"{r['render']:.3f} | {r['render'] / r['base']:.1f} | {r['cli']:.2f} |")
    worst = max(rows, key=lambda r: max(r["check"], r["render"]) / r["base"])
    ratio = max(worst["check"], worst["render"]) / worst["base"]
    print(f"\nworst ratio to a plain load: {ratio:.1f}x ({worst['shape']})")


if __name__ == "__main__":
    main()
