"""Hostile shapes: the work of checking a file grows linearly with its size.

Work is counted as Python function calls (a profiler hook), not timed: the count is the same
on every machine, and a step that scans the file once per problem shows as a count that
grows with the square of the file (the timings are in benchmarks/bench_hostile.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from postmortem.config import Config
from postmortem.format.load import load

HEAD = ("id: x\ntitle: T\ndate: 2024-01-01\nstatus: investigating\nseverity: high\n"
        "started: '10:30'\n")

# name -> the text of a file with n repetitions of the shape
SHAPES: dict[str, Callable[[int], str]] = {
    "unknown keys": lambda n: HEAD + "".join(f"k{i}: v\n" for i in range(n)),
    "unknown keys in a nested mapping": lambda n: HEAD + "impact:\n  user:\n" + "".join(
        f"    k{i}: v\n" for i in range(n)),
    "tagged values": lambda n: HEAD + "".join(f"k{i}: !!binary aGk=\n" for i in range(n)),
    "bad list items": lambda n: HEAD + "tags:\n" + "".join(f"  - Bad Tag {i}\n"
                                                           for i in range(n)),
    "timeline entries with errors": lambda n: HEAD + "timeline:\n" + "".join(
        f"  - {{at: '25:{i % 60:02d}', event: e, bogus: 1}}\n" for i in range(n)),
    "duplicate keys": lambda n: HEAD + "".join(f"severity_note: v{i}\n" for i in range(n)),
    "code fences": lambda n: HEAD + "summary: |\n" + "  ```\n  x\n" * n,
}


def calls(text: str) -> int:
    """Python and built-in function calls made while `check` loads ``text``."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    config = Config(root=Path.cwd())
    data = text.encode("utf-8")
    load(data, "x.yaml", config, path=Path("x.yaml"))  # imports and caches out of the count
    sys.setprofile(profile)
    try:
        load(data, "x.yaml", config, path=Path("x.yaml"))
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_work_grows_linearly(shape: str) -> None:
    small, large = calls(SHAPES[shape](250)), calls(SHAPES[shape](1000))
    # Four times the shape: four times the work, plus a little (quadratic would be 16x).
    assert large / small < 5, (shape, small, large)


def test_a_file_of_too_many_values_without_aliases_is_not_called_an_alias_bomb() -> None:
    text = HEAD + "".join(f"k{i}: v\n" for i in range(100_001))  # 1 MB, under the size limit
    loaded = load(text.encode(), "x.yaml", Config(root=Path.cwd()), path=Path("x.yaml"))
    assert [p.format() for p in loaded.problems] == [
        "x.yaml:100000:1: error: k99993: the document holds more than 100,000 values; "
        "incident files hold a few hundred: is this an incident file? [Y002]"]
