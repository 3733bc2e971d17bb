"""The words of the format: every closed list of values, written once as a type.

The models use these types; everything else that needs the lists (configuration, command
options, sort orders) derives them from here, without importing the models (and pydantic).
"""

from __future__ import annotations

from typing import Literal, get_args

Status = Literal["investigating", "mitigated", "resolved", "closed"]
Severity = Literal["critical", "high", "medium", "low"]
Language = Literal["en", "de"]
Level = Literal["primary", "secondary", "tertiary", "contributing"]
Outcome = Literal["ok", "warning", "failed", "info"]
ItemStatus = Literal["todo", "in_progress", "blocked", "done", "wontfix"]
ItemType = Literal["prevent", "mitigate", "detect", "process", "repair"]
Horizon = Literal["immediate", "short_term", "long_term"]
MeasureStatus = Literal["done", "in_progress", "planned", "recommended"]
Phase = Literal["before", "after"]
# What a field says when the source does not state it (severity before triage, a start
# nobody knows): never an invented value. `check` warns while the incident is open and
# reports an error once it is closed.
Unknown = Literal["unknown"]
Rating = Literal[Severity, Unknown]  # a severity or priority, or not known yet
# A verification step or test: planned, pending (started, no result yet), or its result;
# partial: passed in part (the seeds' "⚠️ PARTIAL", "⚠️ 75%").
CheckState = Literal["planned", "pending", "passed", "partial", "failed", "skipped"]
IssueStatus = Literal["open", "accepted", "pending", "resolved"]
# Who or what noticed the incident first.
DetectionSource = Literal["alert", "customer", "user", "support", "engineer", "test", "other"]
# Roles of people in an incident and its review, in the order reports list them.
Role = Literal["incident_commander", "deputy", "communications", "scribe", "responder",
               "expert", "owner", "reviewer", "attendee"]
# Built-in sections in report order; a free section may name one of them in `after`.
SectionKey = Literal["header", "summary", "timeline", "root_causes", "technical_details",
                     "impact", "fixes", "verification", "known_issues", "prevention", "monitoring",
                     "lessons", "action_items", "next_steps", "sign_off", "appendices",
                     "related"]
# What `internal_fields` may leave out of the external version: every section and the
# optional header fields.
InternalField = Literal[SectionKey, "people", "authors", "trigger", "detection",
                        "root_cause_summary", "severity_note", "footer", "tags"]

STATUSES: tuple[str, ...] = get_args(Status)
SEVERITIES: tuple[str, ...] = get_args(Severity)  # most severe first: also the sort order
LANGUAGES: tuple[str, ...] = get_args(Language)
ITEM_STATUSES: tuple[str, ...] = get_args(ItemStatus)
SECTION_KEYS: tuple[str, ...] = get_args(SectionKey)
CHECK_STATES: tuple[str, ...] = get_args(CheckState)
ROLES: tuple[str, ...] = get_args(Role)
UNKNOWN = "unknown"
MILESTONES = ("started", "detected", "mitigated", "resolved")

# An action item in one of these is finished: not open, never overdue.
CLOSED_ITEM_STATES: tuple[str, ...] = ("done", "wontfix")
OPEN_ITEM_STATES: tuple[str, ...] = tuple(s for s in ITEM_STATUSES
                                          if s not in CLOSED_ITEM_STATES)
# Incidents in these states are over: they need a `resolved` time.
ENDED_STATUSES: tuple[str, ...] = ("resolved", "closed")

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ITEM_ID_PATTERN = r"^[A-Za-z][A-Za-z0-9-]*$"
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
ID_MAX = 80


def rank(severity: str | None) -> int:
    """Sort position of a severity or priority: critical first, unknown (and missing) last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
