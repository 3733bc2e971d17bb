"""Time the link graph and the index for N incidents (~3 references each), and render with links."""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` runs (GC paused, as render pauses it) and the last result."""
    times, result = [], None
    for _ in range(repeat):
        gc.disable()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        gc.enable()
    return statistics.median(times), result


def yaml_baseline(paths: list[Path]) -> float:
    import yaml

    def load() -> None:
        for path in paths:
            yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)

    return best(load, 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="number of incidents")
    parser.add_argument("--dir", type=Path, help="an existing corpus from gen_incidents.py "
                                                 "(default: generate one in a temp folder)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing (median)")
    parser.add_argument("--no-render", action="store_true",
                        help="skip the full and the no-op render")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(HERE))
    from gen_incidents import generate

    from postmortem.config import load_config
    from postmortem.reports.fingerprint import fingerprint
    from postmortem.reports.index import index_inputs, render_index_text
    from postmortem.reports.links import LinkGraph
    from postmortem.reports.render import gather, render_all
    from postmortem.reports.summary import SummaryCache

    temp = None
    root = args.dir
    if root is None:
        temp = tempfile.mkdtemp(prefix="pm-links-")
        root = Path(temp)
        start = time.perf_counter()
        generate(root, args.count, seed=1)
        print(f"generated {args.count} incidents in {time.perf_counter() - start:.1f} s",
              file=sys.stderr)
    try:
        config = load_config(root)
        paths = sorted(config.incidents_dir.glob("*.yaml"))
        base = yaml_baseline(paths)

        digest = fingerprint(config)
        entries, problems = best(lambda: gather(config, SummaryCache(config, digest)), 1)[1]
        summaries = {e.summary.id: e.summary for e in entries if e.summary is not None}
        refs = sum(len(s.related) for s in summaries.values())
        print(f"{len(summaries)} valid incidents, {refs} references "
              f"({refs / max(len(summaries), 1):.1f} each), {len(problems)} problems")
        index_rel = config.rel(config.index_path)

        def graph_and_digests() -> LinkGraph:
            graph = LinkGraph(summaries, index_rel)
            for key in summaries:
                graph.digest(key)
            return graph

        def all_links() -> dict[str, Any]:
            graph = LinkGraph(summaries, index_rel)
            return {key: graph.links(key) for key in summaries}

        sources = [(e.source.rel, e.source.sha) for e in entries if e.summary is not None]
        t_digest, _ = best(graph_and_digests, args.repeat)
        t_links, links = best(all_links, args.repeat)
        t_inputs, _ = best(lambda: index_inputs(config, sources, digest), args.repeat)
        t_index, text = best(lambda: render_index_text(config, summaries), args.repeat)
        similar = sum(len(g.similar) for g in links.values())
        back = sum(len(g.referenced_by) for g in links.values())
        rows = [
            ("bare yaml.load (CSafeLoader), all files", base),
            ("link graph + every report's links digest (no-op render's share)", t_digest),
            ("link graph + every report's links built (full render's share)", t_links),
            ("index inputs digest (no-op render's share)", t_inputs),
            ("index: data, labels, template, tidy (when anything changed)", t_index),
        ]
        print(f"link graph: {back} back-links, {similar} similar entries; index "
              f"{len(text) / 1e6:.1f} MB")
        if not args.no_render:
            cache = root / ".git" / "postmortem" / "render-cache.json"
            cache.unlink(missing_ok=True)
            for report in config.incidents_dir.glob("*.md"):
                report.unlink()
            t_full, result = best(lambda: render_all(config), 1)
            rows.append((f"full render with links ({len(result.changed())} files written)",
                         t_full))
            t_noop, result = best(lambda: render_all(config), 1)
            rows.append((f"no-op render with links ({len(result.changed())} written)", t_noop))
        print(f"\n| step ({len(summaries)} incidents) | seconds | x yaml.load |")
        print("|---|---:|---:|")
        for name, seconds in rows:
            print(f"| {name} | {seconds:.3f} | {seconds / base:.3f} |")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"\npeak memory (max RSS): {peak:.0f} MB")
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
