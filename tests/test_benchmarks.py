"""The benchmarks' corpora are what benchmarks/README.md says of them, and a measured run
counts the memory and CPU time of its workers (timings themselves are not tested)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from postmortem.cli import main
from postmortem.format.vocabulary import CLOSED_ITEM_STATES

sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
import bench_core  # (scripts in a folder, not a package)
import gen_incidents

# Enough incidents for several to overlap on a day with a tag in common and for every
# failure class to come back (each of the 10 recurs ~40 times).
COUNT = 400


def check_strict(root: Path) -> tuple[int, str, str]:
    cwd = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(main, ["check", "--strict"])
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("small", [False, True], ids=["project", "small"])
def test_a_generated_corpus_is_clean_under_strict(tmp_path: Path, small: bool) -> None:
    gen_incidents.generate(tmp_path, COUNT, seed=3, small=small)
    assert check_strict(tmp_path) == (0, "", f"{COUNT} files checked, no problems\n")


def test_the_project_corpus_has_what_the_rules_across_incidents_read(tmp_path: Path) -> None:
    """Clean, but not by leaving out what X004 and X005 look at: overlapping incidents
    (which refer to each other) and open action items (on each class's latest incident)."""
    paths = gen_incidents.generate(tmp_path, COUNT, seed=3)
    docs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in paths]
    overlapping = [r for d in docs for r in d["related"] if r.get("relation") ==
                   "at the same time"]
    owing = [d for d in docs if any(i["status"] not in CLOSED_ITEM_STATES
                                    for i in d["action_items"])]
    assert len(overlapping) >= 3
    assert 1 <= len(owing) <= len(gen_incidents.CATEGORY_NAMES)


def test_the_small_corpus_has_only_the_required_fields(tmp_path: Path) -> None:
    paths = gen_incidents.generate(tmp_path, 50, seed=3, small=True)
    keys = {line.split(":")[0].strip("- ") for p in paths
            for line in p.read_text(encoding="utf-8").splitlines()}
    assert keys == {"id", "title", "date", "status", "severity", "started", "resolved",
                    "action_items", "priority", "owner", "due"}


@pytest.mark.parametrize("small", [False, True], ids=["project", "small"])
def test_a_seed_gives_the_same_bytes(tmp_path: Path, small: bool) -> None:
    first = gen_incidents.generate(tmp_path / "a", 60, seed=5, small=small)
    second = gen_incidents.generate(tmp_path / "b", 60, seed=5, small=small)
    other = gen_incidents.generate(tmp_path / "c", 60, seed=6, small=small)
    assert [p.name for p in first] == [p.name for p in second]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]


def test_a_run_counts_the_memory_and_time_of_its_children(tmp_path: Path) -> None:
    """A parent of a few MB whose child holds 200 MB and computes for half a second of CPU:
    the peak is the sum of both, the CPU time includes the child's."""
    child = ("import time; block = bytearray(200 * 2**20); start = time.process_time()\n"
             "while time.process_time() - start < 0.5: pass\ntime.sleep(0.5)")
    parent = (f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}], "
              "check=True)")
    run = bench_core.Run([sys.executable, "-c", parent], tmp_path)
    assert run.code == 0
    assert run.peak >= 200 * 2**20 + 5 * 2**20  # the child and the parent, summed
    assert run.cpu >= 0.5
    assert run.wall >= 1.0
