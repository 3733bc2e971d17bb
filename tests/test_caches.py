"""Caches are untrusted input: a cache file with a valid checksum (or the right fingerprint)
but an unexpected structure is ignored and rebuilt, never a crash."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import GIT_ENV, git_init
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postmortem.cli import main
from postmortem.config import load_config
from postmortem.history import cache as history_cache
from postmortem.history.reader import read_history

INCIDENT = """\
id: {id}
title: Cache stale
date: 2025-10-01
status: resolved
severity: high
started: "10:00"
resolved: "11:00"
action_items:
  - {{id: AI-1, title: Fix it, owner: ops, priority: high, status: {status}, due: 2025-10-10}}
  - {{id: AI-2, title: Alert, owner: sre, priority: low, status: todo, due: {due}}}
"""

# Anything marshal writes, for the history cache; anything JSON holds, for the summaries.
_atom = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8)
         | st.sampled_from(["A", "D", "M", "R", "", "0" * 40, "todo", "done", "2025-13-45",
                            "incidents/x.yaml", "error", "warning"]))
_marshal: st.SearchStrategy[Any] = st.recursive(
    _atom | st.binary(max_size=4) | st.floats(allow_nan=True),
    lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=6).map(tuple)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=10)
_json: st.SearchStrategy[Any] = st.recursive(
    _atom | st.floats(allow_nan=True, allow_infinity=True),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3), max_leaves=10)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    """``value`` with the part at ``path`` replaced by ``new`` (tuples rebuilt)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replace(value[head], rest, new)}
    items = list(value)
    items[head] = _replace(items[head], rest, new)
    return tuple(items) if isinstance(value, tuple) else items


@st.composite
def _edits(draw: st.DrawFn, data: Any, values: st.SearchStrategy[Any]) -> Any:
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(_paths(data))[1:]))
        data = _replace(data, path, draw(values))
    return data


def _commit(root: Path, when: str) -> None:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "change"], cwd=root, check=True, env=env)


@pytest.fixture(scope="module")
def history_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A repository whose history cache has a base (three commits) and a journal (two)."""
    root = git_init(tmp_path_factory.mktemp("caches") / "repo")
    folder = root / "incidents"
    folder.mkdir()
    path = folder / "2025-10-01-a.yaml"
    path.write_text(INCIDENT.format(id="2025-10-01-a", status="todo", due="2025-10-12"))
    _commit(root, "2025-10-02T10:00:00+00:00")
    path.write_text(INCIDENT.format(id="2025-10-01-a", status="todo", due="2025-10-20"))
    _commit(root, "2025-10-03T10:00:00+00:00")
    path.rename(folder / "2025-10-01-b.yaml")
    (folder / "2025-10-01-b.yaml").write_text(
        INCIDENT.format(id="2025-10-01-b", status="todo", due="2025-10-20"))
    _commit(root, "2025-10-04T10:00:00+00:00")
    read_history(load_config(root))
    (folder / "2025-10-01-b.yaml").write_text(
        INCIDENT.format(id="2025-10-01-b", status="done", due="2025-10-20"))
    _commit(root, "2025-10-05T10:00:00+00:00")
    (folder / "2025-10-02-c.yaml").write_text(
        INCIDENT.format(id="2025-10-02-c", status="blocked", due="2025-10-30"))
    _commit(root, "2025-10-06T10:00:00+00:00")
    read_history(load_config(root))
    files = sorted((root / ".git" / "postmortem").glob("history-*"))
    assert [p.suffix for p in files] == [".bin", ".journal"]
    yield root


def _history(root: Path) -> dict[str, Any]:
    history = read_history(load_config(root))
    return {f"{k[0]}#{k[1]}": [(e.kind, e.commit.sha, e.date.isoformat(), str(e.old),
                                str(e.new)) for e in v.events]
            for k, v in history.items.items()}


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_history_cache_of_any_structure_is_never_a_crash(history_repo: Path,
                                                           data: st.DataObject) -> None:
    folder = history_repo / ".git" / "postmortem"
    saved = {p: p.read_bytes() for p in folder.glob("history-*")}
    try:
        base = next(p for p in saved if p.suffix == ".bin")
        journal = next(p for p in saved if p.suffix == ".journal")
        target = data.draw(st.sampled_from([base, journal]))
        loaded = history_cache._load(target)
        assert loaded is not None
        history_cache._store(target, data.draw(_edits(loaded[1], _marshal)))
        _history(history_repo)  # ignored and rebuilt, or read as it is: never a crash
    finally:
        for path, raw in saved.items():
            path.write_bytes(raw)


@pytest.mark.parametrize("edit", [
    "journal names an unknown blob", "an added file without a blob", "a tip that is no commit",
    "a row of an item with a number", "a commit that is no sha"])
def test_well_formed_but_wrong_history_caches_are_rebuilt(history_repo: Path, edit: str) -> None:
    folder = history_repo / ".git" / "postmortem"
    saved = {p: p.read_bytes() for p in folder.glob("history-*")}
    base = next(p for p in saved if p.suffix == ".bin")
    journal = next(p for p in saved if p.suffix == ".journal")
    fresh = _history(history_repo)
    try:
        target = journal if edit.startswith("journal") else base
        _, data = history_cache._load(target)  # type: ignore[misc]
        commits = data["commits"]
        sha, stamp, author, changes = commits[-1]
        if edit == "journal names an unknown blob":
            changes = [(kind, old, new, "f" * 40 if blob else blob)
                       for kind, old, new, blob in changes]
        elif edit == "a commit that is no sha":
            sha = "HEAD"
        elif edit == "an added file without a blob":
            changes = [("A", "", "incidents/x.yaml", "")]
        elif edit == "a tip that is no commit":
            data["tip"] = "--output=/tmp/x"
        elif edit == "a row of an item with a number":
            blob = next(b for *_, b in changes if b)
            incident, rows, problem = data["blobs"][blob]
            data["blobs"][blob] = (incident, [(r[0], r[1], 7, *r[3:]) for r in rows], problem)
        data["commits"] = [*commits[:-1], (sha, stamp, author, changes)]
        history_cache._store(target, data)
        assert _history(history_repo) == fresh
    finally:
        for path, raw in saved.items():
            path.write_bytes(raw)


@pytest.fixture(scope="module")
def render_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A repository rendered once: its summary cache holds two incidents."""
    root = git_init(tmp_path_factory.mktemp("summaries") / "repo")
    (root / "incidents").mkdir()
    for ident in ("2025-10-01-a", "2025-10-02-b"):
        (root / "incidents" / f"{ident}.yaml").write_text(
            INCIDENT.format(id=ident, status="todo", due="2025-10-12")
            + f"tags: [db]\nroot_causes: [{{title: T, category: c, level: primary}}]\n"
              f"related: [{{incident: {'2025-10-01-a' if ident.endswith('b') else '2025-10-02-b'}"
              "}]\n", encoding="utf-8")
    before = Path.cwd()
    os.chdir(root)
    assert CliRunner().invoke(main, ["render"]).exit_code == 0
    yield root
    os.chdir(before)


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_a_summary_cache_of_any_structure_is_never_a_crash(render_repo: Path,
                                                           data: st.DataObject) -> None:
    path = render_repo / ".git" / "postmortem" / "render-cache.json"
    saved = path.read_bytes()
    reports = {p: p.read_bytes() for p in (render_repo / "incidents").glob("*.md")}
    try:
        cache = json.loads(saved)
        files = data.draw(_edits(cache["files"], _json))
        path.write_text(json.dumps({**cache, "files": files}), encoding="utf-8")
        for args in (["render", "--check"], ["render"]):
            result = CliRunner().invoke(main, args)
            assert result.exit_code in (0, 1), result.output + result.stderr
    finally:
        path.write_bytes(saved)
        for report, raw in reports.items():
            report.write_bytes(raw)
        for extra in set((render_repo / "incidents").glob("*.md*")) - set(reports):
            extra.unlink()


@pytest.mark.parametrize("edit", ["an infinite duration", "a language there is none of",
                                  "an id of another incident", "a report somewhere else",
                                  "an empty date", "a due date that is no date"])
def test_well_formed_but_wrong_summaries_are_parsed_again(render_repo: Path, edit: str) -> None:
    path = render_repo / ".git" / "postmortem" / "render-cache.json"
    saved = path.read_bytes()
    index = render_repo / "incidents" / "README.md"
    good = index.read_bytes()
    try:
        cache = json.loads(saved)
        entry = cache["files"]["incidents/2025-10-01-a.yaml"]["summary"]
        if edit == "an infinite duration":
            entry["duration_minutes"] = float("inf")
        elif edit == "a language there is none of":
            entry["language"] = "xx"
        elif edit == "an empty date":
            entry["date"] = ""
        elif edit == "a due date that is no date":
            entry["open_items"] = [["AI-1", "Fix it", "ops", "soon"]]
        elif edit == "an id of another incident":
            entry["id"] = "2025-10-02-b"
        else:
            entry["report"] = "elsewhere/2025-10-01-a.md"
        path.write_text(json.dumps(cache), encoding="utf-8")
        result = CliRunner().invoke(main, ["render", "--check"])
        assert (result.exit_code, result.stdout) == (0, ""), result.output + result.stderr
        index.unlink()  # made again from the summaries
        result = CliRunner().invoke(main, ["render"])
        assert (result.exit_code, result.stdout) == (0, "created: incidents/README.md\n"), \
            result.output + result.stderr
        assert index.read_bytes() == good
    finally:
        path.write_bytes(saved)
        index.write_bytes(good)


def test_caches_are_rebuilt_after_all(history_repo: Path) -> None:
    shutil.rmtree(history_repo / ".git" / "postmortem")
    assert _history(history_repo)
