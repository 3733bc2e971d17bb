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
# Built-in sections in report order; a free section may name one of them in `after`.
SectionKey = Literal["header", "summary", "timeline", "root_causes", "technical_details",
                     "impact", "fixes", "verification", "prevention", "monitoring", "lessons",
                     "action_items", "next_steps", "sign_off", "appendices", "related"]

STATUSES: tuple[str, ...] = get_args(Status)
SEVERITIES: tuple[str, ...] = get_args(Severity)  # most severe first: also the sort order
LANGUAGES: tuple[str, ...] = get_args(Language)
ITEM_STATUSES: tuple[str, ...] = get_args(ItemStatus)
SECTION_KEYS: tuple[str, ...] = get_args(SectionKey)
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
    """Sort position of a severity or priority: critical first, unknown values last."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
