"""Consistency rules: every case of the contradiction corpus is found where its file says, and
the clean corpus raises no consistency finding.

Each file in data/consistency/cases/ starts with `# expect: CODE at LINE[, CODE at LINE]`;
the files in data/consistency/clean/ are reports in the style of real ones that contradict
themselves nowhere. precision and recall over both: benchmarks/consistency_figures.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from postmortem.cli import main
from postmortem.rules.registry import REGISTRY

DATA = Path(__file__).parent / "data" / "consistency"
# A case is one file, or a folder of files for the rules across incidents.
CASES = sorted((DATA / "cases").iterdir())
# The bundled incidents (their contradictions, real ones of the seeds, silenced inline with
# the reason) and reports written in the style of real ones.
CLEAN = sorted([*(Path(__file__).parents[1] / "incidents").glob("*.yaml"),
                *(DATA / "clean").glob("*.yaml")])
# The consistency rules: within one incident (C) and across incidents.
CONSISTENCY = sorted(code for code in REGISTRY if code.startswith("C") or code in ("X004",
                                                                                   "X005"))
_EXPECT = re.compile(r"^# expect: (.+)$", re.M)


def files(case: Path) -> list[Path]:
    return sorted(case.glob("*.yaml")) if case.is_dir() else [case]


def expected(case: Path) -> list[tuple[str, str, int]]:
    """(file, code, line) the case says it holds: an `# expect:` line in each file that holds
    a finding (one in a single-file case)."""
    out = []
    for path in files(case):
        m = _EXPECT.search(path.read_text(encoding="utf-8"))
        if m is None:
            assert case.is_dir(), f"{path.name} says what it expects in its first line"
            continue
        out += [(path.name, code, int(line)) for code, line in
                (part.split(" at ") for part in m.group(1).split(", "))]
    assert out, f"{case.name} expects nothing"
    return sorted(out)


def found(repo: Path, *paths: Path) -> list[tuple[str, str, int]]:
    """(file, code, line) of each consistency finding in ``paths``, checked together."""
    for path in paths:
        shutil.copy(path, repo / "incidents" / path.name)
    result = CliRunner().invoke(main, ["check", "--select", ",".join(CONSISTENCY),
                                       "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return sorted((Path(p["path"]).name, p["code"], p["line"])
                  for p in json.loads(result.stdout))


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_each_contradiction_is_found_where_it_is(repo: Path, case: Path) -> None:
    assert found(repo, *files(case)) == expected(case)


def test_every_consistency_rule_has_a_case() -> None:
    covered = {code for case in CASES for _, code, _ in expected(case)}
    assert covered == set(CONSISTENCY)


def test_the_clean_corpus_raises_nothing(repo: Path) -> None:
    assert CLEAN, "the clean corpus is missing"
    assert found(repo, *CLEAN) == []
