"""Semantic rules of one incident, beyond what the schema can say: one function per rule."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.times import incident_zone, milestones
from postmortem.format.vocabulary import ENDED_STATUSES, MILESTONES
from postmortem.format.yamlread import Parsed, position
from postmortem.rules.problems import Problem
from postmortem.rules.registry import RuleTable, define, group

group("M", "Semantic rules of one incident")

ID_MATCHES_FILE = define(
    "M001", "id-matches-file", "error", "The id equals the file name without `.yaml`.",
    bad="# incidents/2025-10-01-checkout.yaml\nid: 2025-10-01-checkout-down",
    good="# incidents/2025-10-01-checkout.yaml\nid: 2025-10-01-checkout")
KNOWN_TIMEZONE = define(
    "M002", "known-timezone", "error", "`timezone` names an IANA time zone.",
    bad="timezone: CEST", good="timezone: Europe/Berlin")
RESOLVED_TIME = define(
    "M003", "resolved-time", "error",
    "A `resolved` or `closed` incident says when it was resolved.",
    bad="status: resolved\nstarted: \"10:30\"", good="status: resolved\nstarted: \"10:30\"\n"
                                                    "resolved: \"11:05\"")
RESOLVED_AFTER_START = define(
    "M004", "resolved-after-start", "error", "`resolved` is not before `started`.",
    bad="started: \"23:40\"\nresolved: \"00:20\"",
    good="started: \"23:40\"\nresolved: \"2025-10-02T00:20\"")
MILESTONE_ORDER = define(
    "M005", "milestone-order", "warning",
    "Milestones run started ≤ detected ≤ mitigated ≤ resolved.",
    bad="started: \"10:30\"\ndetected: \"10:20\"", good="started: \"10:20\"\ndetected: \"10:30\"")
TIMELINE_ORDER = define(
    "M006", "timeline-order", "warning", "Timeline entries are in chronological order.",
    bad="timeline:\n  - at: \"11:20\"\n    event: Fix deployed\n  - at: \"11:17\"\n"
        "    event: Cache cleared",
    good="timeline:\n  - at: \"11:17\"\n    event: Cache cleared\n  - at: \"11:20\"\n"
         "    event: Fix deployed")
UNIQUE_ITEM_ID = define(
    "M007", "unique-item-id", "error", "Action-item ids are unique in their file.",
    bad="action_items:\n  - id: AI-1\n    ...\n  - id: AI-1", good="action_items:\n"
        "  - id: AI-1\n    ...\n  - id: AI-2")
OPEN_ITEM_OWNED = define(
    "M008", "open-item-owner-due", "error", "An open action item has an owner and a due date.",
    bad="- id: AI-1\n  title: Alert on stale caches\n  priority: high\n  status: todo",
    good="- id: AI-1\n  title: Alert on stale caches\n  priority: high\n  status: todo\n"
         "  owner: sre-team\n  due: 2025-10-15")
WONTFIX_REASON = define(
    "M009", "wontfix-reason", "warning", "A `wontfix` action item says why in `note`.",
    bad="status: wontfix", good="status: wontfix\nnote: Superseded by AI-4")
DUE_POLICY = define(
    "M010", "due-policy", "warning",
    "Open action items are due within `due_days` of the incident for its severity.",
    bad="date: 2025-10-01\nseverity: critical\naction_items:\n  - due: 2025-12-31",
    good="date: 2025-10-01\nseverity: critical\naction_items:\n  - due: 2025-10-15")
RELATED_NOT_SELF = define(
    "M011", "related-not-self", "error", "An incident is not related to itself.",
    bad="id: 2025-10-01-a\nrelated:\n  - incident: 2025-10-01-a",
    good="id: 2025-10-01-a\nrelated:\n  - incident: 2025-09-12-b")
RELATED_ONCE = define(
    "M012", "related-once", "error", "Each related incident is listed once.",
    bad="related:\n  - incident: 2025-09-12-b\n  - incident: 2025-09-12-b",
    good="related:\n  - incident: 2025-09-12-b")


@dataclass(frozen=True)
class Subject:
    """One schema-valid incident being checked, with what most rules need of it."""

    parsed: Parsed
    incident: Incident
    config: Config
    stem: str

    @property
    def rel(self) -> str:
        return self.parsed.rel

    def at(self, *loc: str | int) -> tuple[int, int]:
        return position(self.parsed.root, loc)

    @functools.cached_property
    def zone(self) -> dt.tzinfo:
        return incident_zone(self.incident, self.config)

    @functools.cached_property
    def times(self) -> dict[str, dt.datetime]:
        return milestones(self.incident, self.zone)


RULES = RuleTable()


def check_incident(parsed: Parsed, incident: Incident, config: Config, stem: str) -> None:
    """Add the semantic problems of ``incident`` to ``parsed.problems``."""
    parsed.problems.extend(RULES.run(Subject(parsed, incident, config, stem)))


@RULES.add(ID_MATCHES_FILE)
def _id_matches_file(s: Subject) -> Iterator[Problem]:
    if s.incident.id != s.stem:
        yield ID_MATCHES_FILE(
            s.rel, *s.at("id"), "id", f"id '{s.incident.id}' does not match the file name "
            f"'{s.stem}.yaml'; rename the file or change the id (ids must stay stable)")


@RULES.add(KNOWN_TIMEZONE)
def _known_timezone(s: Subject) -> Iterator[Problem]:
    from postmortem.format.times import zone

    name = s.incident.timezone
    if name is not None and zone(name) is None:
        yield KNOWN_TIMEZONE(s.rel, *s.at("timezone"), "timezone", f"unknown time zone "
                             f"'{name}'; use an IANA name such as 'Europe/Berlin' or 'UTC'")


@RULES.add(RESOLVED_TIME)
def _resolved_time(s: Subject) -> Iterator[Problem]:
    if s.incident.status in ENDED_STATUSES and s.incident.resolved is None:
        yield RESOLVED_TIME(s.rel, *s.at("status"), "resolved", f"status is "
                            f"'{s.incident.status}' but the 'resolved' time is missing; add "
                            "resolved: HH:MM")


@RULES.add(RESOLVED_AFTER_START, MILESTONE_ORDER)
def _milestone_order(s: Subject) -> Iterator[Problem]:
    incident, times = s.incident, s.times
    names = [n for n in MILESTONES if n in times]
    for i, early in enumerate(names):
        for late in names[i + 1:]:
            if times[late] >= times[early]:
                continue
            fmt = f"{late} ({getattr(incident, late)}) is before {early} " \
                  f"({getattr(incident, early)})"
            if (early, late) == ("started", "resolved"):
                # The usual cause is an incident that ran past midnight.
                yield RESOLVED_AFTER_START(
                    s.rel, *s.at(late), late, f"{fmt}; an incident cannot be resolved before "
                    "it started (if it ended on a later day, write an ISO datetime such as "
                    f"{incident.date + dt.timedelta(days=1)}T{times[late].strftime('%H:%M')})")
            else:
                yield MILESTONE_ORDER(s.rel, *s.at(late), late, f"{fmt}; milestones should "
                                      "run started ≤ detected ≤ mitigated ≤ resolved")


@RULES.add(TIMELINE_ORDER)
def _timeline_order(s: Subject) -> Iterator[Problem]:
    from postmortem.format.times import resolve

    previous: dt.datetime | None = None
    for index, entry in enumerate(s.incident.timeline):
        when = resolve(entry.at.lstrip("~"), s.incident.date, s.zone)
        if previous is not None and when < previous:
            yield TIMELINE_ORDER(s.rel, *s.at("timeline", index, "at"), f"timeline[{index}].at",
                                 f"{entry.at} is earlier than the entry before it "
                                 f"({previous.strftime('%H:%M')}); keep the timeline in "
                                 "chronological order")
        previous = when if previous is None else max(previous, when)


@RULES.add(UNIQUE_ITEM_ID, OPEN_ITEM_OWNED, WONTFIX_REASON, DUE_POLICY)
def _action_items(s: Subject) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    incident = s.incident
    limit = s.config.due_days.get(incident.severity)
    for index, item in enumerate(incident.action_items):
        here = f"action_items[{index}]"
        if item.id in seen:
            yield UNIQUE_ITEM_ID(s.rel, *s.at("action_items", index, "id"), f"{here}.id",
                                 f"action item id '{item.id}' is already used by action_items"
                                 f"[{seen[item.id]}]; ids must be unique and never reused")
        else:
            seen[item.id] = index
        if item.is_open:
            for name in ("owner", "due"):
                if getattr(item, name) is None:
                    yield OPEN_ITEM_OWNED(s.rel, *s.at("action_items", index), f"{here}.{name}",
                                          f"open action item '{item.id}' has no {name}; every "
                                          "open item needs an owner and a due date")
        if item.status == "wontfix" and not item.note:
            yield WONTFIX_REASON(s.rel, *s.at("action_items", index, "status"), f"{here}.note",
                                 f"action item '{item.id}' is wontfix without a reason; say why "
                                 "in note")
        if item.due is not None and item.is_open and limit is not None:
            days = (item.due - incident.date).days
            if days > limit:
                yield DUE_POLICY(s.rel, *s.at("action_items", index, "due"), f"{here}.due",
                                 f"due {item.due} is {days} days after the incident; the policy "
                                 f"for {incident.severity} incidents is at most {limit} days "
                                 "(due_days in the configuration)")


@RULES.add(RELATED_NOT_SELF, RELATED_ONCE)
def _related(s: Subject) -> Iterator[Problem]:
    referenced: set[str] = set()
    for index, ref in enumerate(s.incident.related):
        if ref.incident is None:
            continue
        here = f"related[{index}].incident"
        if ref.incident == s.incident.id:
            yield RELATED_NOT_SELF(s.rel, *s.at("related", index, "incident"), here,
                                   "an incident cannot be related to itself")
        elif ref.incident in referenced:
            yield RELATED_ONCE(s.rel, *s.at("related", index, "incident"), here,
                               f"'{ref.incident}' is already referenced above; list each "
                               "related incident once")
        referenced.add(ref.incident)
