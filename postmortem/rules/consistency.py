"""Consistency rules of one incident: where a report says two things that cannot both be true.

Each message names both sides of the contradiction with their positions.
"""

from __future__ import annotations

from collections.abc import Iterator

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.timing import moment
from postmortem.format.vocabulary import ENDED_STATUSES, SECTION_KEYS
from postmortem.format.yamlread import Parsed
from postmortem.rules.problems import Problem
from postmortem.rules.registry import Rule, RuleTable
from postmortem.rules.semantic import Subject

CONSISTENCY = RuleTable()
# States of a check that mean it is not done: an ended incident should not have them.
OPEN_CHECK_STATES = ("planned", "pending", "failed")
# What a resolved or closed incident's report holds unless the configuration says otherwise.
DEFAULT_REQUIRED = {"resolved": ("impact", "root_causes", "action_items"),
                    "closed": ("impact", "root_causes", "action_items")}


def check_consistency(parsed: Parsed, incident: Incident, config: Config, stem: str) -> None:
    """Add the consistency problems of ``incident`` to ``parsed.problems``."""
    parsed.problems.extend(CONSISTENCY.run(Subject(parsed, incident, config, stem)))


def _line(s: Subject, *loc: str | int) -> int:
    return s.at(*loc)[0]


@CONSISTENCY.check("C005")
def _ended_with_open_checks(s: Subject, rule: Rule) -> Iterator[Problem]:
    incident = s.incident
    if incident.status not in ENDED_STATUSES:
        return
    status = f"status is '{incident.status}' (line {_line(s, 'status')})"
    for i, step in enumerate(incident.verification):
        # A step's own state says where it stands (its checks may record earlier states);
        # a failure before the fix is what the fix was for.
        if step.state in OPEN_CHECK_STATES and step.phase != "before":
            yield rule(s.rel, *s.at("verification", i, "state"), f"verification[{i}].state",
                       f"{status}, but verification step '{step.title}' is {step.state}; "
                       "finish it, or keep the incident open until it passes")
    for i, fix in enumerate(incident.fixes):
        verification = fix.verification
        if verification is not None and verification.state in OPEN_CHECK_STATES:
            yield rule(s.rel, *s.at("fixes", i, "verification", "state"),
                       f"fixes[{i}].verification.state",
                       f"{status}, but the verification of fix '{fix.title}' is "
                       f"{verification.state}; finish it, or keep the incident open")


@CONSISTENCY.check("C007")
def _closed_with_unowned_items(s: Subject, rule: Rule) -> Iterator[Problem]:
    if s.incident.status != "closed":
        return
    for i, item in enumerate(s.incident.action_items):
        if item.owner is None:
            yield rule(s.rel, *s.at("action_items", i), f"action_items[{i}].owner",
                       f"status is 'closed' (line {_line(s, 'status')}): the postmortem was "
                       f"reviewed, but action item '{item.id}' has no owner; name who did it "
                       "or will do it")


@CONSISTENCY.check("C009")
def _complete_for_status(s: Subject, rule: Rule) -> Iterator[Problem]:
    incident = s.incident
    required = dict(s.config.required_sections).get(incident.status,
                                                    DEFAULT_REQUIRED.get(incident.status, ()))
    missing = [key for key in required if key in SECTION_KEYS and not getattr(incident, key)]
    if missing:
        words = [key.replace("_", " ") for key in missing]
        listed = ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]
        yield rule(s.rel, *s.at("status"), "status",
                   f"status is '{incident.status}', but the report has no {listed}; a "
                   f"{incident.status} incident says what it did, why it happened and what "
                   "follows (or set what each status requires in [check] required_sections)")


@CONSISTENCY.check("C010")
def _failure_after_resolved(s: Subject, rule: Rule) -> Iterator[Problem]:
    resolved = s.times.get("resolved")
    if resolved is None:
        return
    for i, entry in enumerate(s.incident.timeline):
        if entry.outcome != "failed":
            continue
        if moment(entry.at, s.incident.date, s.zone).instant > resolved.instant:
            yield rule(s.rel, *s.at("timeline", i, "at"), f"timeline[{i}].at",
                       f"a failure at {entry.at} ('{entry.event}') comes after the incident "
                       f"was resolved at {s.incident.resolved} (line {_line(s, 'resolved')}); "
                       "move `resolved` later, or record the failure as another incident")
