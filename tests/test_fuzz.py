"""The bundled incidents, mutated: `check` and `render` never fail with a bug (exit 3), and
whatever `check` passes, `render` renders.

Mutations work on the documents' structure (replace, delete, duplicate, add, move values;
hostile text in any field), so most results are close to valid and reach the report
builders. POSTMORTEM_FUZZ_EXAMPLES sets the number of cases (default 60); each case's
outcome is counted, and the counts are printed at the end of the run (`-s`).
"""

from __future__ import annotations

import collections
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import git_init
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from postmortem.cli import main
from postmortem.format.model import Incident, markdown_fields
from postmortem.format.vocabulary import SECTION_KEYS
from postmortem.format.yamlread import parse_text
from postmortem.reports.anchors import (
    free_section_anchor,
    item_anchor,
    root_cause_anchor,
    section_anchor,
)

BUNDLED = Path(__file__).resolve().parents[1] / "incidents"
DOCUMENTS = {p.stem: parse_text(p.read_text(encoding="utf-8"), p.name).data
             for p in sorted(BUNDLED.glob("*.yaml"))}
EXAMPLES = int(os.environ.get("POSTMORTEM_FUZZ_EXAMPLES", "60"))
COUNTS: collections.Counter[str] = collections.Counter()
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")

HOSTILE = ["", " ", "x", "\n", "a\nb", "# heading", "- item", "1. first", "> quote", "---",
           "```", "````\n# injected", "x\n```\n# injected", "`", "~~~", "<a id=\"ai-1\"></a>",
           "<!--", "[x](javascript:alert(1))", "| a | b |", "**", "\\", "\t", "\x1b[31m",
           "\x00", "\u202e", "\u2066x\u2069", "\u2028", "\ufeff", "é", "‚úÖ", "😀",
           "10:30", "25:99", "~10:30", "2024-01-01", "2024-02-30", "0001-01-01",
           "9999-12-31T23:59:59+14:00", "resolved", "closed", "critical", "done", "wontfix",
           "AI-1", "ai-1", "Europe/Berlin", "Etc/GMT-14", "Mars/Olympus", "de", "../x.md",
           "/var/www/x.md", "https://example.com/(x)", "a" * 300, "null", "~", "yes"]
def _models() -> Iterator[type[Any]]:
    from pydantic import BaseModel

    import postmortem.format.model as model

    for obj in vars(model).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == \
                model.__name__:
            yield obj


FIELDS = sorted({name for model in (Incident, *_models()) for name in model.model_fields})
_text = st.sampled_from(HOSTILE) | st.text(max_size=12)
_scalar = st.none() | _text
_value: st.SearchStrategy[Any] = st.recursive(
    _scalar, lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(FIELDS) | _text, inner, max_size=3), max_leaves=8)


def _places(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path into ``doc`` (keys and indexes), the document itself first."""
    yield path
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _places(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _places(value, (*path, index))


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A bundled incident (its name and its data) after one to four structural edits."""
    name = draw(st.sampled_from(sorted(DOCUMENTS)))
    doc = yaml.safe_load(yaml.safe_dump(DOCUMENTS[name]))  # a deep copy
    for _ in range(draw(st.integers(1, 4))):
        places = list(_places(doc))
        path = draw(st.sampled_from(places[1:]))
        parent, last = _get(doc, path[:-1]), path[-1]
        value = _get(doc, path)
        edit = draw(st.sampled_from(["replace", "delete", "duplicate", "add", "text", "move",
                                     "empty"]))
        if edit == "replace":
            parent[last] = draw(_value)
        elif edit == "delete":
            del parent[last]
        elif edit == "duplicate" and isinstance(parent, list):
            parent.insert(last, yaml.safe_load(yaml.safe_dump(value)))
        elif edit == "add" and isinstance(value, dict):
            value[draw(st.sampled_from(FIELDS) | _text)] = draw(_value)
        elif edit == "add" and isinstance(value, list):
            value.append(draw(_value))
        elif edit == "text" and isinstance(value, str):
            cut = draw(st.integers(0, len(value)))
            parent[last] = value[:cut] + draw(st.sampled_from(HOSTILE)) + value[cut:]
        elif edit == "move":
            other = draw(st.sampled_from(places[1:]))
            parent[last] = yaml.safe_load(yaml.safe_dump(_get(doc, other)))
        elif edit == "empty":
            parent[last] = {} if isinstance(value, dict) else [] if isinstance(value, list) \
                else ""
    return name, doc


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = git_init(tmp_path_factory.mktemp("fuzz") / "repo")
    (root / "incidents").mkdir()
    before = Path.cwd()
    os.chdir(root)
    yield root
    os.chdir(before)


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output + result.stderr


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=mutated())
def test_check_and_render_never_fail_with_a_bug(project: Path,
                                                case: tuple[str, dict[str, Any]]) -> None:
    name, doc = case
    folder = project / "incidents"
    shutil.rmtree(folder)
    folder.mkdir()
    for other in DOCUMENTS:  # the others too: cross-file rules and links
        shutil.copy(BUNDLED / f"{other}.yaml", folder)
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
    (folder / f"{name}.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
    checked, said = _invoke("check", f"incidents/{name}.yaml")
    assert checked in (0, 1), said
    rendered, said = _invoke("render")
    assert rendered in (0, 1), said
    report = folder / f"{name}.md"
    COUNTS["cases"] += 1
    COUNTS["check passed" if checked == 0 else "check found errors"] += 1
    if checked == 0:
        # What check accepts renders: no error about this file, and its report is there.
        assert rendered == 0, said
        assert not [line for line in said.splitlines() if ": error:" in line], said
        assert report.read_text(encoding="utf-8").startswith("<!-- generated by postmortem")
        _structure_holds(report.read_text(encoding="utf-8"), doc)
        COUNTS["rendered"] += 1


def _structure_holds(report: str, doc: dict[str, Any]) -> None:
    """Nothing of the incident's one-line text added structure to its report: each anchor is
    one the report makes itself or one written in a Markdown field (HTML in a one-line field
    is escaped), no more often, and no heading was injected."""
    made = collections.Counter(section_anchor(key) for key in SECTION_KEYS)
    made.update(section_anchor(key) for key in ("related_incidents", "referenced_by",
                                                "similar_incidents"))
    made.update(root_cause_anchor(i) for i in range(len(doc.get("root_causes") or [])))
    made.update(item_anchor(str(i["id"])) for i in doc.get("action_items") or [])
    made.update(free_section_anchor(str(s["title"])) for s in doc.get("sections") or [])
    theirs = "\n".join(_markdown(doc))
    made.update(re.findall(r'<a id="([^"]*)"></a>', theirs))
    found = collections.Counter(re.findall(r'<a id="([^"]*)"></a>', report))
    assert not found - made, found - made
    tokens = MARKDOWN.parse(report)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    if not re.search(r"^ {0,3}#+ injected", theirs, re.M):  # else a Markdown field wrote it
        assert not [h for h in headings if "injected" in h], headings


def _markdown(value: Any, key: Any = None) -> Iterator[str]:
    """The texts of Markdown fields: Markdown is the author's, HTML included."""
    fields, lists = markdown_fields()
    if isinstance(value, dict):
        for name, item in value.items():
            yield from _markdown(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _markdown(item, key if key in lists else None)
    elif isinstance(value, str) and (key in fields or key in lists):
        yield value


def test_zz_counts() -> None:
    """Prints how many cases were tried (run with -s); runs after the fuzz test."""
    print(f"\nfuzz over mutated bundled incidents: {dict(COUNTS)}")
    assert COUNTS["cases"] > 0 or EXAMPLES == 0
