"""The schema is written once (the models); JSON Schema and documentation derive from it."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner

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
