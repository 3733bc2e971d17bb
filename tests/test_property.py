"""Property tests: whatever the input, checking reports problems and never raises."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from postmortem.cli import main
from postmortem.config import Config
from postmortem.format.load import load
from postmortem.format.model import Incident

MOJIBAKE = "‚úÖ"
BOUNDED = settings(max_examples=200, deadline=None)
_LINE = re.compile(r"^x\.yaml:[1-9]\d*:[1-9]\d*: (error|warning): \S")

VALID = """\
id: x
title: Checkout returns 500
date: 2024-01-01
timezone: Europe/Berlin
status: resolved
severity: high
started: 10:30
detected: "10:41"
resolved: 2024-01-01T11:45:00+01:00
tags: [database, cache]
impact: {summary: Checkout failed for an hour.}
root_causes: [{title: Stale cache}]
summary: |
  The cache was stale.
  ```bash
  redis-cli flushall
  ```
timeline:
  - at: ~10:30
    event: Deploy
    outcome: info
  - at: 10:41
    event: Alert
action_items:
  - id: AI-1
    title: Add a cache check
    owner: sre
    priority: high
    status: todo
    due: 2024-01-20
related:
  - incident: other
  - title: Runbook
    url: ../docs/runbook.md
"""


def _check(text: str | bytes) -> None:
    """The one loading path of `check` for one file, then what every result must hold."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    loaded = load(data, "x.yaml", Config(root=Path.cwd()), path=Path("x.yaml"))
    if loaded.model is not None:
        assert isinstance(loaded.model, Incident)
    if loaded.data is None or loaded.model is None:
        assert any(p.severity == "error" for p in loaded.problems)
    lines = max(len(text.splitlines()), 1) + 1
    for problem in loaded.problems:
        assert _LINE.match(problem.format()), problem
        assert problem.line <= lines, problem


@BOUNDED
@given(st.text())
@example("")
@example("\ufeff")
@example("id: x\x00")
@example("- [")
@example("a: &a [*a]")
@example("? [a]\n: b")
@example("<<: {id: x}")
@example("[" * 5000 + "]" * 5000)
def test_any_text(text: str) -> None:
    _check(text)


@BOUNDED
@given(st.binary())
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe\x00i\x00d")
@example(b"id: x\n" * 10)
def test_any_bytes(data: bytes) -> None:
    _check(data)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """The valid document with a few random edits: near-valid input reaches every rule."""
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 20)))
        insert = draw(st.sampled_from(["", ":", " ", "\n", "\t", "- ", "[", "]", "{", "}", "&a ",
                                       "*a", "!!str ", "!!binary ", "'", '"', "#", "~", "---\n",
                                       "25:99", "0", "null", "é", MOJIBAKE, "```"])
                      | st.text(max_size=5))
        text = text[:start] + insert + text[end:]
    return text


def test_valid_document_is_valid() -> None:
    loaded = load(VALID.encode(), "x.yaml", Config(root=Path.cwd()), path=Path("x.yaml"))
    assert loaded.model is not None
    assert loaded.problems == []


@BOUNDED
@given(mutated())
def test_mutated_document(text: str) -> None:
    _check(text)


FIELDS = [*Incident.model_fields, "sumary", "Id", ""]
_scalar = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(
    max_size=10) | st.sampled_from(["10:30", "~10:30", "2024-01-01", "resolved", "high",
                                    "AI-1", "x", "Europe/Berlin", "done", "todo", "../x",
                                    "a" * 300, "2024-01-01T25:00"])
_value: st.SearchStrategy[Any] = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "at", "event", "title", "owner", "status", "due",
                                       "priority", "incident", "url", "items", "body", "user",
                                       "figures", "went_well", "level", "text", "zzz"]),
                      inner, max_size=4),
    max_leaves=12)


_BASE = yaml.safe_load(VALID)
# Documents of the right shape but any content: they reach every schema message and rule.
structured = st.dictionaries(st.sampled_from(FIELDS), _value, max_size=8).map(
    lambda fields: yaml.dump({**_BASE, **fields}, Dumper=getattr(yaml, "CSafeDumper",
                                                                  yaml.SafeDumper),
                             allow_unicode=True, sort_keys=False))


@BOUNDED
@given(structured)
def test_any_structure(text: str) -> None:
    _check(text)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(mutated(), structured, st.text(max_size=200)))
def test_cli_never_fails_with_a_bug(text: str, repo: Path, runner: CliRunner) -> None:
    path = repo / "incidents" / "x.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    result = runner.invoke(main, ["check"])
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("1 file checked")


@pytest.mark.parametrize("text", ["", "[", "- a\n", "id: x\n\x07", VALID])
def test_cli_examples(text: str, repo: Path, runner: CliRunner) -> None:
    (repo / "incidents" / "x.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(main, ["check", "--format", "json"])
    assert "Traceback" not in result.output
    assert result.stderr.startswith("1 file checked")
    problems = json.loads(result.stdout)
    assert all(set(p) == {"path", "line", "col", "severity", "field", "message", "code"}
               for p in problems)
    assert result.exit_code == (1 if any(p["severity"] == "error" for p in problems) else 0)
