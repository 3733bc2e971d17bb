"""CI tests both ends of every dependency range: the constraints of the lowest run follow
pyproject.toml."""

from __future__ import annotations

import re
from pathlib import Path

from postmortem.config import tomllib

ROOT = Path(__file__).resolve().parents[1]
_REQUIREMENT = re.compile(r"^([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)\s*(?:;.*)?$")


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _version(text: str) -> tuple[int, ...]:
    parts = [int(p) for p in text.split(".")]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def declared() -> dict[str, tuple[int, ...]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    out = {}
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        m = _REQUIREMENT.match(requirement)
        assert m, f"{requirement!r}: every dependency needs a lower bound (name>=version)"
        out[_name(m[1])] = _version(m[2])
    return out


def pinned() -> dict[str, tuple[int, ...]]:
    out = {}
    for line in (ROOT / ".ci" / "lowest.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            out[_name(name)] = _version(version)
    return out


def test_the_lowest_run_pins_exactly_the_declared_lower_bounds() -> None:
    assert pinned() == declared()


def test_ci_runs_the_suite_at_both_ends() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "--constraint .ci/lowest.txt" in script
    assert script.count("\nsuite ") == 2
