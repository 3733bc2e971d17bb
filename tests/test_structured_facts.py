"""The share of each seed's facts held in structured fields: the method, and the figures
recorded in docs/structured-facts.md."""

from __future__ import annotations

from pathlib import Path

import pytest
import structured_facts as sf

from postmortem.config import Config
from postmortem.format.load import load

DOC = Path(__file__).resolve().parents[1] / "docs" / "structured-facts.md"

SEED = """\
# Incident Report: Checkout down

**Status**: ✅ RESOLVED
**Severity**: 🔴 CRITICAL

## Summary

Checkout failed for every user after the 10:00 deployment.

## Timeline

| Time | Event |
|------|-------|
| 10:05 | Error budget alert fired |

## Fix

```bash
kubectl rollout undo deployment/api
```

- Rollback took two minutes
"""

INCIDENT = """\
id: x
title: Checkout down
date: 2024-01-01
status: resolved
severity: critical
started: "10:00"
resolved: "10:30"
summary: Checkout failed for every user after the 10:00 deployment.
timeline:
  - at: "10:05"
    event: Error budget alert fired
fixes:
  - title: Rollback
    commands: kubectl rollout undo deployment/api
    description: "- Rollback took two minutes"
"""


def model(text: str) -> object:
    loaded = load(text.encode(), "x.yaml", Config(root=Path.cwd()))
    assert loaded.model is not None, [p.format() for p in loaded.problems]
    return loaded.model


def places(seed: str, incident: str, *, strict: bool = False) -> dict[str, str]:
    share = sf.measure(seed, model(incident), strict=strict)
    return {fact.text: place for fact, place in share.places}


def test_a_fact_is_structured_free_or_not_in_the_report() -> None:
    found = places(SEED, INCIDENT)
    assert found["Status: ✅ RESOLVED"] == "structured"  # the status field
    assert found["Severity: 🔴 CRITICAL"] == "structured"
    assert found["10:05"] == "structured"  # a timeline entry's time ...
    assert found["Error budget alert fired"] == "structured"  # ... and event
    assert found["kubectl rollout undo deployment/api\n"] == "structured"  # fix commands
    assert found["Checkout failed for every user after the 10:00 deployment."] == "free"
    assert found["Rollback took two minutes"] == "free"  # inside a description
    assert found["Fix"] == "missing"  # a heading the report words otherwise
    assert found["Event"] == "structured"  # the timeline table's own header


def test_a_fact_in_a_label_line_list_is_free_text_only_when_strict() -> None:
    incident = INCIDENT.replace('    description: "- Rollback took two minutes"\n',
                                "    changes:\n      - Rollback took two minutes\n")
    assert places(SEED, incident)["Rollback took two minutes"] == "structured"
    assert places(SEED, incident, strict=True)["Rollback took two minutes"] == "free"


def test_english_labels_of_the_seed_are_found_in_a_german_report() -> None:
    german = INCIDENT.replace("status: resolved", "status: resolved\nlanguage: de")
    assert places(SEED, german)["Severity: 🔴 CRITICAL"] == "structured"  # Schweregrad: KRITISCH


def test_the_seed_facts_are_read_as_the_import_corpus_counts_them() -> None:
    """Guards the extraction: the corpus lists 182, 284 and 251 facts; paragraphs made
    only of label, checklist or timeline lines (2, 12, 4) count through their lines."""
    totals = {}
    for seed in sf.BUNDLED:
        facts = sf.extract(sf.seed_text(seed))
        totals[seed[:3]] = (len(facts), len(sf.measured(facts)))
    assert totals == {"000": (182, 180), "001": (284, 272), "002": (251, 247)}


@pytest.mark.parametrize("seed", list(sf.BUNDLED))
def test_every_bundled_seed_holds_at_least_80_percent_in_structured_fields(seed: str) -> None:
    incident, _ = sf.BUNDLED[seed]
    share = sf.measure(sf.seed_text(seed), sf.load_incident(
        sf.ROOT / "incidents" / f"{incident}.yaml"))
    assert share.ratio >= 0.8
    assert share.structured / share.total >= 0.8


def test_the_recorded_figures_are_current() -> None:
    pairs = [(sf.ROOT / "incidents" / f"{incident}.yaml", seed)
             for seed, (incident, _) in sf.BUNDLED.items()]
    doc = DOC.read_text(encoding="utf-8")
    for strict in (False, True):
        assert sf.table(pairs, strict=strict) in doc, (
            "docs/structured-facts.md is stale: paste the output of "
            f"`python tests/structured_facts.py{' --strict' if strict else ''}`")
