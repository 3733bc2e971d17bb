"""The schema is written once (the models); JSON Schema and documentation derive from it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from postmortem.cli import main


def _schema() -> dict[str, Any]:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    schema: dict[str, Any] = json.loads(result.output)
    return schema


def test_schema_is_draft_2020_12_with_the_core_contract() -> None:
    schema = _schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["required"]) == {"id", "title", "date", "status", "severity", "started"}
    assert schema["properties"]["status"]["enum"] == ["investigating", "mitigated", "resolved",
                                                      "closed"]
    assert schema["additionalProperties"] is False


def test_every_field_has_a_description() -> None:
    schema = _schema()
    missing = []
    objects = [("Incident", schema), *schema["$defs"].items()]
    for name, obj in objects:
        for field, spec in obj.get("properties", {}).items():
            if not spec.get("description"):
                missing.append(f"{name}.{field}")
    assert missing == []


def test_markdown_fields_are_marked() -> None:
    schema = _schema()
    assert schema["properties"]["summary"]["anyOf"][0]["contentMediaType"] == "text/markdown"


class _EditorLoader(yaml.SafeLoader):
    """YAML 1.2's core schema, as an editor (yaml-language-server) reads a file: `yes`,
    `on` and dates are text, `0o17` and `0x1F` are numbers (PyYAML reads YAML 1.1)."""


_EditorLoader.yaml_implicit_resolvers = {}
for _tag, _rx, _first in [
        ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
        ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                  r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+0123456789."))]:
    _EditorLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_rx), _first)


def _scalar(convert: Any) -> Any:
    return lambda loader, node: convert(loader.construct_scalar(node))


_EditorLoader.add_constructor("tag:yaml.org,2002:bool",
                              _scalar(lambda v: v in ("true", "True", "TRUE")))
_EditorLoader.add_constructor("tag:yaml.org,2002:int", _scalar(
    lambda v: int(v, 0) if v.startswith(("0o", "0x")) else int(v)))
_EditorLoader.add_constructor("tag:yaml.org,2002:float", _scalar(
    lambda v: float(v.lower().replace(".inf", "inf").replace(".nan", "nan"))))


def editor_view(text: str) -> Any:
    """The YAML as an editor validates it: YAML 1.2, keys as JSON writes them."""
    return json.loads(json.dumps(yaml.load(text, Loader=_EditorLoader)))


ROOT = Path(__file__).parent.parent
REAL_FILES = sorted([*ROOT.joinpath("incidents").glob("*.yaml"),
                     *ROOT.joinpath("tests", "data").rglob("*.yaml")])
# The findings of `check` that the JSON Schema expresses: shapes, values and formats, known
# zones, and the fields a status requires. Orders, references and prose are `check`'s alone.
SCHEMA_CODES = frozenset({"S001", "S002", "S003", "S004", "S005", "S006", "S007", "M002",
                          "M003", "M008"})


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_schema_validates_the_bundled_incidents(path: Path) -> None:
    """The bundled incidents and the test data, as an editor reads them: what `check` finds
    no schema error in, the schema accepts."""
    from jsonschema import Draft202012Validator

    text = path.read_text(encoding="utf-8")
    codes, _ = _findings(text, path.stem)
    assert not codes & SCHEMA_CODES
    validator = Draft202012Validator(_schema())
    assert [e.message for e in validator.iter_errors(editor_view(text))] == []


def test_the_field_reference_in_the_docs_is_derived_from_the_schema() -> None:
    result = CliRunner().invoke(main, ["schema", "--format", "markdown"])
    assert result.exit_code == 0
    docs = Path(__file__).parent.parent / "docs" / "fields.md"
    assert docs.read_text(encoding="utf-8") == result.output, (
        "docs/fields.md is stale: run `postmortem schema --format markdown > docs/fields.md`")
    for name in ("`id`", "`action_items`", "## ActionItem", "`due`"):
        assert name in result.output


# ---- the schema agrees with `check` ---------------------------------------------------------

BASE: dict[str, Any] = {"id": "x", "title": "Checkout returns 500", "date": "2024-01-01",
                        "status": "investigating", "severity": "high", "started": "10:30"}


def _verdicts(doc: dict[str, Any]) -> tuple[bool, bool]:
    """(what `check` says, what the schema says) of ``doc`` as an editor parses it: the file
    is the document written as YAML, and `check` reads every scalar as the text written."""
    from jsonschema import Draft202012Validator

    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    codes, _ = _findings(text, str(doc.get("id", "x")))
    # Only what a schema can say: not the order of milestones (a drawn date of 2000 puts
    # `detected` before the base's `started`), which is check's alone.
    return not codes & SCHEMA_CODES, Draft202012Validator(json_schema()).is_valid(doc)


def _findings(text: str, stem: str) -> tuple[set[str], list[str]]:
    """The codes of the errors `check` finds in ``text`` as the file ``<stem>.yaml``, and
    their messages."""
    from postmortem.config import Config
    from postmortem.format.load import load

    loaded = load(text.encode("utf-8"), f"{stem}.yaml", Config(root=Path.cwd()),
                  path=Path(f"{stem}.yaml"))
    errors = [p for p in loaded.problems if p.severity == "error"]
    return {p.code for p in errors}, [f"{p.code} {p.field}: {p.message}" for p in errors]


def json_schema() -> dict[str, Any]:
    from postmortem.format import model

    return _cached.setdefault("schema", model.json_schema())


_cached: dict[str, Any] = {}


@pytest.mark.parametrize("change", [
    {"header": [{"Ticket": 4711}]},
    {"header": [{"Peak error rate": 0.38}]},
    {"title": 500},
    {"authors": ["Sam", 42]},
    {"action_items": [{"id": "AI-1", "title": "t", "owner": 42, "priority": "high",
                       "status": "todo", "due": "2024-01-20"}]},
    {"tags": [2024, True]},
    {"next_steps": [{"items": [{"text": "x", "done": "yes"}, {"text": "y", "done": 1}]}]},
    {"date": "2024-02-29"}, {"date": "2000-02-29"}, {"started": "2024-02-29T23:59"},
    {"header": [{"Peak rate (5xx)": "38 %"}]},
    {"timeline": [{"at": "12:49-12:50", "event": "Deploy"},
                  {"at": "11:55 CET", "event": "x"}, {"at": "~2024-01-02T09:02Z", "event": "y"}]},
], ids=lambda c: ",".join(c))
def test_what_check_accepts_the_schema_accepts(change: dict[str, Any]) -> None:
    assert _verdicts({**BASE, **change}) == (True, True)


@pytest.mark.parametrize("change", [
    {"started": "25:00"}, {"started": "14:60"}, {"started": "23:59:60"},
    {"started": "١٠:٠٠"}, {"started": "12:49-12:50"}, {"started": "11:55 IST"},
    {"timezone": "europe/berlin"}, {"timezone": "Europe/Atlantis"},
    {"date": "2024-02-30"}, {"date": "1704067200"},
    {"status": "resolved"}, {"status": "closed", "resolved": None},
    {"action_items": [{"id": "AI-1", "title": "t", "priority": "high", "status": "todo"}]},
    {"related": [{"relation": "same"}]},
    {"related": [{"incident": "other", "url": "https://example.invalid"}]},
    {"tags": [1.5]}, {"tags": [-1]},
    # 29 February of a year that has none, and year 0: no day for `check` (Python's dates).
    {"date": "2025-02-29"}, {"date": "1900-02-29"}, {"date": "0000-01-01"},
    {"started": "2023-02-29T10:00"},
    {"action_items": [{"id": "AI-1", "title": "t", "owner": "sam", "priority": "high",
                       "status": "todo", "due": "2025-02-29"}]},
    # A figure's label is one line, as its value (pydantic's patternProperties let it pass).
    {"header": [{"Peak\nrate": "5"}]}, {"footer": [{"Owner\tteam": "x"}]},
    {"impact": {"user": {"figures": [{"Users\n# heading": 5}]}}},
], ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_what_check_rejects_the_schema_rejects(change: dict[str, Any]) -> None:
    assert _verdicts({**BASE, **change}) == (False, False)


# Values for the generated documents: text, numbers and booleans where text goes, valid and
# invalid times, dates, zones and states. Left out are the findings JSON Schema cannot make
# (ids against file names, the order of times, unique item ids, references to other files,
# code fences) and numbers whose written form an editor does not keep (1e3, 0x1F, +5, -0).
_TEXT = st.one_of(st.text(max_size=8), st.integers(-10, 10**6), st.booleans(),
                  st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 2)),
                  st.sampled_from(["", "null", "yes", "10:30", "a\nb", "ä €"]))
_TIME = st.sampled_from(["10:30", "~10:30", "9:05", "10:30:15", "23:59", "11:55 CET",
                         "09:02 UTC", "11:55 +01:00", "10:00Z", "2024-01-01T11:00",
                         "2024-01-01T11:00+01:00", "2024-01-02 00:10", "25:00", "14:60",
                         "23:59:60", "morning", "1030", "11:55+01:00", "10:00 Z", "11:55 IST",
                         "12:49-12:50", "１０:００", "2024-13-01T10:00", "2024-01-01T9:00", 10,
                         "2023-02-29T10:00", "2024-02-29T10:00"])
# (A range that ends before it starts, 12:50-12:49, is an order: `check` rejects it, the
# schema cannot tell.)
_RANGE = st.one_of(_TIME, st.sampled_from(["12:49-12:50", "12:49 – 12:50 CEST", "~12:49-~12:50",
                                           "2024-01-01T23:50 - 2024-01-02T00:10"]))
_DATE = st.sampled_from(["2024-01-01", "2024-02-29", "2024-12-31", "2024-1-1", "20240101",
                         "2025-02-29", "1900-02-29", "2000-02-29", "0000-01-01", "0001-01-01",
                         "2024-02-30", "2024-04-31", "0", "1704067200", "2024-01-01T00:00",
                         2024, None])
_ZONE = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "europe/berlin",
                         "Europe/Atlantis", "CEST", "CET", "../etc", "", None, 1])
_ITEM = st.fixed_dictionaries(
    {"title": _TEXT, "priority": st.sampled_from(["high", "low", "High", 1]),
     "status": st.sampled_from(["todo", "in_progress", "blocked", "done", "wontfix", "Done"])},
    optional={"owner": st.one_of(_TEXT, st.none()), "due": _DATE, "link": _TEXT,
              "note": st.text(min_size=1, max_size=5),
              "type": st.sampled_from(["prevent", "detect", "other"])})
_RELATED = st.fixed_dictionaries({}, optional={
    "url": st.one_of(st.none(), st.sampled_from(["https://example.invalid/a", "#x"])),
    "title": st.one_of(st.none(), _TEXT), "relation": _TEXT,
    "incident": st.sampled_from(["other-incident"])})
_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "title": _TEXT, "date": _DATE, "timezone": _ZONE, "severity_note": _TEXT,
    "status": st.sampled_from(["investigating", "mitigated", "resolved", "closed", "Resolved"]),
    "severity": st.sampled_from(["critical", "low", "urgent", 3]),
    # `started` before any other time this document can hold: their order is no schema's.
    "started": st.sampled_from(["2023-12-31T00:00+14:00", "~2023-12-31T00:00+14:00", "25:00",
                                "14:60", "noon", "12:49-12:50"]),
    "detected": _TIME, "mitigated": _TIME, "resolved": st.one_of(_TIME, st.none()),
    "authors": st.lists(_TEXT, max_size=3),
    "tags": st.lists(st.one_of(st.sampled_from(["db", "cache-1", "Db", "a b", "-x"]),
                               st.integers(-3, 3000), st.booleans()), max_size=3),
    "header": st.lists(st.one_of(_TEXT, st.dictionaries(st.sampled_from(["Ticket", "Rate",
                                                                          "Peak\nrate"]),
                                                        _TEXT, min_size=1, max_size=1)),
                       max_size=2),
    "timeline": st.lists(st.fixed_dictionaries(
        {"at": _RANGE, "event": _TEXT},
        optional={"outcome": st.sampled_from(["ok", "failed", "bad"])}), max_size=3),
    "next_steps": st.lists(st.fixed_dictionaries({"items": st.lists(st.one_of(
        _TEXT, st.fixed_dictionaries({"text": _TEXT}, optional={"done": st.sampled_from(
            [True, False, "yes", "No", "on", "maybe", 0, 1, 2, "TRUE", None])})),
        max_size=2)}), max_size=1),
    "fixes": st.lists(st.fixed_dictionaries({"title": _TEXT}, optional={"at": _TIME}),
                      max_size=1),
    "related": st.lists(_RELATED, max_size=2),
}


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc = {**BASE, "started": "2023-12-31T00:00+14:00"}
    for name in draw(st.lists(st.sampled_from(sorted(_FIELDS)), max_size=6, unique=True)):
        doc[name] = draw(_FIELDS[name])
    if "related" in doc:  # an incident reference must not reach the other-file rules
        doc["related"] = [r for r in doc["related"] if "incident" not in r or r.get("url")]
    items = draw(st.lists(_ITEM, max_size=3))
    if items:
        doc["action_items"] = [{"id": f"AI-{n}", **item} for n, item in enumerate(items, 1)]
    return doc


@settings(max_examples=300, deadline=None)
@given(documents())
def test_the_schema_and_check_agree(doc: dict[str, Any]) -> None:
    # PyYAML writes some text so that it reads back as other text (U+0085 in single quotes
    # reads as a space): such a file is not this document.
    assume(yaml.safe_load(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)) == doc)
    check_ok, schema_ok = _verdicts(doc)
    assert check_ok == schema_ok, doc


# ---- ... and on the real files, each with one thing wrong -----------------------------------

# What goes wrong in a hand-edited file: a value of another shape or out of its list, a line
# break in a one-line field, a field added or left out.
_WRONG: list[Any] = ["a\nb", "", None, ["x"], {"k": "v"}, 42, -3, 1.5, True, "bogus-value",
                     "unknown", "2025-02-29", "10:30", "yes", [], {}, "a\x85b", "a\tb"]


def _places(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [at]
    if isinstance(node, dict):
        found += [p for k, v in node.items() for p in _places(v, (*at, k))]
    elif isinstance(node, list):
        found += [p for i, v in enumerate(node) for p in _places(v, (*at, i))]
    return found


@st.composite
def broken_files(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    path = draw(st.sampled_from(REAL_FILES))
    doc = editor_view(path.read_text(encoding="utf-8"))
    at = draw(st.sampled_from(_places(doc)))
    parent = doc
    for key in at[:-1]:
        parent = parent[key]
    change = draw(st.sampled_from(["add", "delete", "set"] if at else ["add"]))
    if change == "add":
        target = parent[at[-1]] if at else doc
        if isinstance(target, dict):
            target["bogus_field"] = "x"
    elif change == "delete":
        del parent[at[-1]]
    else:
        parent[at[-1]] = draw(st.sampled_from(_WRONG))
    return path.stem, doc


@settings(max_examples=200, deadline=None)
@given(broken_files())
def test_the_schema_and_check_agree_on_real_files_with_one_thing_wrong(
        case: tuple[str, dict[str, Any]]) -> None:
    """Each bundled or test incident with one change, as an editor reads it: the schema
    rejects it exactly when `check` finds a finding of the schema's kind in it."""
    from jsonschema import Draft202012Validator

    stem, doc = case
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    data = editor_view(text)
    assume(data == doc)  # a file that reads back as this document
    codes, messages = _findings(text, stem)
    assume(not any(code.startswith("Y") for code in codes))
    schema_ok = Draft202012Validator(json_schema()).is_valid(data)
    assert schema_ok == (not codes & SCHEMA_CODES), messages
