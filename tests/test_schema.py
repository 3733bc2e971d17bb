"""The schema is written once (the models); JSON Schema and documentation derive from it."""

from __future__ import annotations

import json
from typing import Any

import pytest
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


def test_the_schema_validates_the_bundled_incidents() -> None:
    import pathlib

    import yaml
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_schema())
    for path in sorted(pathlib.Path(__file__).parent.parent.joinpath("incidents").glob("*.yaml")):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")),
                                     default=str))
        assert [e.message for e in validator.iter_errors(data)] == [], path


def test_the_field_reference_in_the_docs_is_derived_from_the_schema() -> None:
    import pathlib

    result = CliRunner().invoke(main, ["schema", "--format", "markdown"])
    assert result.exit_code == 0
    docs = pathlib.Path(__file__).parent.parent / "docs" / "fields.md"
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
    from pathlib import Path

    import yaml
    from jsonschema import Draft202012Validator

    from postmortem.config import Config
    from postmortem.format.load import load

    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    stem = str(doc.get("id", "x"))
    loaded = load(text.encode("utf-8"), f"{stem}.yaml", Config(root=Path.cwd()),
                  path=Path(f"{stem}.yaml"))
    check_ok = not any(p.severity == "error" for p in loaded.problems)
    return check_ok, Draft202012Validator(json_schema()).is_valid(doc)


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
], ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_what_check_rejects_the_schema_rejects(change: dict[str, Any]) -> None:
    assert _verdicts({**BASE, **change}) == (False, False)


# Values for the generated documents: text, numbers and booleans where text goes, valid and
# invalid times, dates, zones and states. Left out are the findings JSON Schema cannot make
# (ids against file names, the order of times, unique item ids, references to other files,
# code fences, 29 February of a year that has none) and numbers whose written form an editor
# does not keep (1e3, 0x1F).
_TEXT = st.one_of(st.text(max_size=8), st.integers(-10, 10**6), st.booleans(),
                  st.floats(-1e6, 1e6, allow_nan=False).map(lambda f: round(f, 2)),
                  st.sampled_from(["", "null", "yes", "10:30", "a\nb", "ä €"]))
_TIME = st.sampled_from(["10:30", "~10:30", "9:05", "10:30:15", "23:59", "11:55 CET",
                         "09:02 UTC", "11:55 +01:00", "10:00Z", "2024-01-01T11:00",
                         "2024-01-01T11:00+01:00", "2024-01-02 00:10", "25:00", "14:60",
                         "23:59:60", "morning", "1030", "11:55+01:00", "10:00 Z", "11:55 IST",
                         "12:49-12:50", "１０:００", "2024-13-01T10:00", "2024-01-01T9:00", 10])
# (A range that ends before it starts, 12:50-12:49, is an order: `check` rejects it, the
# schema cannot tell.)
_RANGE = st.one_of(_TIME, st.sampled_from(["12:49-12:50", "12:49 – 12:50 CEST", "~12:49-~12:50",
                                           "2024-01-01T23:50 - 2024-01-02T00:10"]))
_DATE = st.sampled_from(["2024-01-01", "2024-02-29", "2024-12-31", "2024-1-1", "20240101",
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
    "header": st.lists(st.one_of(_TEXT, st.dictionaries(st.sampled_from(["Ticket", "Rate"]),
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
    import yaml

    # PyYAML writes some text so that it reads back as other text (U+0085 in single quotes
    # reads as a space): such a file is not this document.
    assume(yaml.safe_load(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)) == doc)
    check_ok, schema_ok = _verdicts(doc)
    assert check_ok == schema_ok, doc
