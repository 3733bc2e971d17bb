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


def test_checking_one_file_judges_the_others_by_their_errors(repo: Path) -> None:
    """`check FILE` needs the summaries of the other files for X004 and X005, and a file has
    one only while it has no errors by itself: rules that report errors run on those files
    (here C003, made an error), and only those."""
    case = DATA / "cases" / "x004-overlap-unrelated"
    for name in ("2025-10-01-booking.yaml", "2025-10-01-checkout.yaml"):
        shutil.copy(case / name, repo / "incidents" / name)
    checkout = repo / "incidents" / "2025-10-01-checkout.yaml"
    checkout.write_text(checkout.read_text(encoding="utf-8")
                        + "summary: The downtime was 5 minutes.\n", encoding="utf-8")

    def booking() -> list[str]:
        result = CliRunner().invoke(main, ["check", "--format", "json",
                                           "incidents/2025-10-01-booking.yaml"])
        return [p["code"] for p in json.loads(result.stdout)]

    whole = CliRunner().invoke(main, ["check", "--format", "json"])
    assert ("2025-10-01-checkout.yaml", "C003") in [
        (Path(p["path"]).name, p["code"]) for p in json.loads(whole.stdout)]
    assert booking() == ["X004"]  # the checkout incident's C003 is a warning
    (repo / "postmortem.toml").write_text('[check]\nseverity = {C003 = "error"}\n',
                                          encoding="utf-8")
    assert booking() == []  # now an error: the checkout incident is left out


@pytest.mark.parametrize("summary", [
    "Die Zahlungen waren ~3 Stunden Ausfall.",   # rules C003's own example: "~1 Stunde Ausfall"
    "Das Problem war in 8 Minuten behoben.",
    "Nach 8 Minuten gelöst.",
    "It meant 3 hours of downtime.",
])
def test_a_duration_named_by_the_word_after_it_is_compared(repo: Path, summary: str) -> None:
    (repo / "incidents" / "2025-10-01-zahlung.yaml").write_text(
        "id: 2025-10-01-zahlung\ntitle: Zahlungen schlagen fehl\ndate: 2025-10-01\n"
        "timezone: Europe/Berlin\nlanguage: de\nstatus: resolved\nseverity: high\n"
        'started: "14:00"\nmitigated: "14:50"\nresolved: "15:00"\n'
        f"summary: {summary}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--select", "C003", "--format", "json"])
    assert [p["code"] for p in json.loads(result.stdout)] == ["C003"], result.stdout
