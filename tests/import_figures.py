"""The figures of docs/import.md: for each corpus document, seed and public postmortem, the
round trip (where its facts are in the rendered report) and the structured share.

Each document is imported, checked and rendered as `tests/test_import.py` does it (the
real command in a fresh repository); the structured share is measured as
`test_structured_share_of_the_seeds` measures it (``structured_facts.measure``).

Run ``python tests/import_figures.py`` for both tables.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "import"
SEEDS = Path(__file__).parent / "data" / "seeds"


def sources() -> list[Path]:
    """The 18 documents of the round-trip test, in the order of docs/import.md."""
    return [*sorted((DATA / "documents").iterdir()), *sorted(SEEDS.glob("*.txt")),
            *sorted((DATA / "public").glob("dfds-*.md"))]


def name(source: Path) -> str:
    if source.parent == SEEDS:
        return f"seed {source.name[:3]}"
    if source.name.startswith("dfds-"):
        return f"dfds {source.stem.split('-')[1]}"
    return source.stem


def figures() -> list[tuple[str, dict[str, int], tuple[int, int, int, float]]]:
    """(document, round-trip counts by kind, (structured, free, not in report, share))."""
    import yaml
    from click.testing import CliRunner
    from conftest import git_init
    from import_facts import check, facts_of
    from structured_facts import load_incident, measure

    from postmortem.cli import main
    from postmortem.importer.convert import decode

    out = []
    runner = CliRunner()
    here = os.getcwd()
    for source in sources():
        with tempfile.TemporaryDirectory() as tmp:
            repo = git_init(Path(tmp) / "repo")
            (repo / "incidents").mkdir()
            os.chdir(repo)
            try:
                result = runner.invoke(main, ["import", str(source)])
                assert result.exit_code == 0, result.output
                target = repo / result.stderr.splitlines()[0].split(" -> ")[1]
                rendered = runner.invoke(main, ["render"])
                assert rendered.exit_code == 0, rendered.output
                report = target.with_suffix(".md").read_text(encoding="utf-8")
                data = yaml.safe_load(target.read_text(encoding="utf-8"))
                outcome = check(facts_of(source.stem), report, str(data.get("language", "en")))
                counts = {"facts": outcome.total, "as written": len(outcome.found),
                          "reworded": len(outcome.reworded),
                          "recomputed": len(outcome.recomputed),
                          "timeline": len(outcome.timeline), "action item": len(outcome.item),
                          "label": len(outcome.lazy),
                          "missing": len(outcome.missing)}
                text, _ = decode(source.read_bytes())
                share = measure(text, load_incident(target))
            finally:
                os.chdir(here)
        out.append((name(source), counts,
                    (share.structured, share.free, share.missing, share.ratio)))
    return out


def main() -> int:
    rows = figures()
    print("| document | facts | as written | reworded | recomputed | timeline | action item "
          "| label | missing |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for doc, counts, _ in rows:
        print(f"| {doc} | " + " | ".join(str(v) for v in counts.values()) + " |")
    print()
    print("| document | facts | structured | free text | not in report | structured share |")
    print("|---|---:|---:|---:|---:|---:|")
    for doc, _, (structured, free, missing, ratio) in rows:
        print(f"| {doc} | {structured + free + missing} | {structured} | {free} | {missing} "
              f"| {ratio:.0%} |")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())
