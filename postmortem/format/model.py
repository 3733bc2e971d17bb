"""The incident file format: these models are the schema, its validation and its JSON Schema."""

from __future__ import annotations

import datetime as dt
import functools
import re
import typing
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from postmortem.format.times import (
    ABBREVIATIONS,
    DATE,
    TIME_OR_RANGE_PATTERN,
    TIME_PATTERN,
    check_time_text,
    zone_names,
)
from postmortem.format.vocabulary import (
    CLOSED_ITEM_STATES,
    ENDED_STATUSES,
    ID_MAX,
    ID_PATTERN,
    ITEM_ID_PATTERN,
    OPEN_ITEM_STATES,
    SLUG_PATTERN,
    CheckState,
    DetectionSource,
    Horizon,
    InternalField,
    IssueStatus,
    ItemStatus,
    ItemType,
    Language,
    Level,
    MeasureStatus,
    Outcome,
    Phase,
    Rating,
    Role,
    SectionKey,
    Status,
    Unknown,
)
from postmortem.text import NOT_IN_A_LINE

# An identifier, not an address: editors find the schema through the file beside incidents.
SCHEMA_ID = "urn:postmortem:schema:incident-1"


def _time(value: str) -> str:
    problem = check_time_text(value)
    if problem:
        raise ValueError(problem)
    return value


def _time_or_range(value: str) -> str:
    problem = check_time_text(value, ranges=True)
    if problem:
        raise ValueError(problem)
    return value


def _iso_date(value: Any) -> Any:
    # pydantic alone would also take "0" or "1704067200" (Unix time) and datetimes at
    # midnight: an incident file writes dates as YYYY-MM-DD, which the JSON Schema can say.
    if isinstance(value, str) and not re.fullmatch(DATE, value, re.ASCII):
        raise ValueError(f"'{value}' is not a date; write YYYY-MM-DD")
    return value


Date = Annotated[dt.date, BeforeValidator(_iso_date)]

# Fields holding Markdown are marked so that `check` knows where code fences must balance.
MARKDOWN = {"contentMediaType": "text/markdown"}
Markdown = Annotated[str, Field(json_schema_extra=MARKDOWN)]
# The pattern is for the JSON Schema; `check` says more precisely what is wrong.
TimeText = Annotated[str, AfterValidator(_time),
                     Field(json_schema_extra={"pattern": TIME_PATTERN})]
TimeOrRange = Annotated[str, AfterValidator(_time_or_range),
                        Field(json_schema_extra={"pattern": TIME_OR_RANGE_PATTERN})]
# A milestone may say `unknown` where the source does not state it.
Milestone = TimeText | Unknown
# One line of text (a title, a name, a label, a short status): no line breaks, no control
# characters. Where it is shown, it cannot start a heading, close a code block or add markup
# of its own; Markdown fields (summary, descriptions, bodies) are the place for more.
LINE_PATTERN = rf"^[^{NOT_IN_A_LINE}]*$"
Line = Annotated[str, Field(pattern=LINE_PATTERN)]
# The language of a code block: one word, as fences take it (`bash`, `c++`, `objective-c`).
LANGUAGE_PATTERN = r"^[A-Za-z0-9_+.#-]*$"
Figure = Annotated[
    Line | Annotated[dict[Line, Line], Field(min_length=1, max_length=1)],
    Field(description="A bullet: plain text, or a one-key mapping `Label: value` (a figure)."),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class _Entry(_Model):
    """An entry of a list that the external version may leave out."""

    internal: bool = Field(False, description="Left out of the external version "
                                              "(`render --audience external`).")


class TimelineEntry(_Entry):
    at: TimeOrRange = Field(description="When: HH:MM[:SS] on the incident date or an ISO "
                                        "datetime, with an optional offset or zone "
                                        "abbreviation (`11:55 CET`); a range such as "
                                        "`12:49-12:50`; a leading ~ marks an approximate time.")
    event: str = Field(description="What happened (inline Markdown).")
    outcome: Outcome | None = Field(None, description="Result, shown as the status marker: "
                                                      "ok, warning, failed or info.")
    note: Line | None = Field(None, description="Short status text beside the outcome.")


class RootCause(_Entry):
    title: Line = Field(description="One-line name of the cause.")
    level: Level = Field("contributing", description="primary, secondary, tertiary or "
                                                     "contributing (default).")
    category: str | None = Field(None, pattern=SLUG_PATTERN,
                                 description="Failure class slug shared by similar incidents, "
                                             "e.g. stale-cache-after-deploy.")
    description: Markdown | None = Field(None, description="Analysis; may hold code blocks.")
    effects: list[Markdown] = Field(default_factory=list,
                                    description="What it caused: one consequence per entry.")
    why: list[Markdown] = Field(default_factory=list,
                                description="Why it happened: one reason per entry (a five-whys "
                                            "chain, in order).")
    evidence: list[TitledText] = Field(default_factory=list,
                                       description="Evidence: logs, settings, command output, "
                                                   "each titled.")


class Check(_Model):
    text: Line = Field(description="What was checked or claimed (inline Markdown).")
    state: CheckState = Field(description="planned, pending, passed, partial, failed or "
                                          "skipped.")


class TitledText(_Entry):
    title: Line = Field(description="Heading.")
    body: Markdown | None = Field(None, description="Content (Markdown).")
    checks: list[Check] = Field(default_factory=list,
                                description="Points with a state, e.g. files found as "
                                            "expected (passed) or stale (failed).")
    code: str | None = Field(None, description="A code block: a stack trace, configuration, "
                                               "a diagram, commands.")
    language: str | None = Field(None, pattern=LANGUAGE_PATTERN,
                                 description="Language of `code`, e.g. bash, php, ini "
                                                   "(none: a plain block).")


class ImpactGroup(_Model):
    title: Line | None = Field(None, description="Heading instead of the default one.")
    figures: list[Figure] = Field(default_factory=list,
                                  description="Key figures (`Label: value`) or plain bullets.")
    notes: Markdown | None = Field(None, description="Text after the figures.")


class Impact(_Model):
    user: ImpactGroup | None = Field(None, description="Impact on users and customers.")
    business: ImpactGroup | None = Field(None, description="Impact on the business.")
    technical: ImpactGroup | None = Field(None, description="Impact on systems and data.")
    summary: Markdown | None = Field(None, description="Text before the groups.")


class Verification(_Model):
    description: Markdown | None = Field(None, description="How the fix was verified.")
    state: CheckState | None = Field(None, description="planned, pending, passed, partial, "
                                                       "failed or skipped.")
    checks: list[Check] = Field(default_factory=list,
                                description="Points verified, each with its state, e.g. "
                                            "where the fix is integrated.")
    commands: str | None = Field(None, description="Commands of the verification, shown as a "
                                                   "code block.")
    language: str = Field("bash", pattern=LANGUAGE_PATTERN,
                          description="Language of `commands`: bash, sql, php, ...")
    expected: str | None = Field(None, description="The expected result.")
    observed: str | None = Field(None, description="The observed result.")
    result: Markdown | None = Field(None, description="What the verification showed.")


class Fix(_Entry):
    title: Line = Field(description="Name of the fix.")
    status: Line | None = Field(None, description="Short status shown beside the title, "
                                                 "e.g. 'ACTIVE' or 'Applied'.")
    at: TimeText | None = Field(None, description="When it was applied.")
    description: Markdown | None = Field(None, description="What was done and why.")
    changes: list[Figure] = Field(default_factory=list,
                                  description="What the fix changed or added, one per entry: "
                                              "files, settings, behaviour (`Label: value` or "
                                              "plain).")
    commands: str | None = Field(None, description="The shell commands, shown as a code block.")
    language: str = Field("bash", pattern=LANGUAGE_PATTERN,
                          description="Language of the code block of `commands`: one word.")
    result: Markdown | None = Field(None, description="What happened after the fix.")
    verification: Verification | None = Field(None, description="How the fix was checked.")


class VerificationStep(_Entry):
    title: Line = Field(description="Name of the check, test scenario or snapshot.")
    phase: Phase | None = Field(None, description="before or after the fix.")
    state: CheckState | None = Field(None, description="planned, pending, passed, partial, "
                                                       "failed or skipped.")
    description: Markdown | None = Field(None, description="Text before the commands/output.")
    checks: list[Check] = Field(default_factory=list,
                                description="Points checked in this step, each with its state.")
    commands: str | None = Field(None, description="Commands run, shown as a code block.")
    language: str = Field("bash", pattern=LANGUAGE_PATTERN,
                          description="Language of `commands`: bash, sql, php, ...")
    expected: str | None = Field(None, description="The expected result.")
    observed: str | None = Field(None, description="The observed result.")
    output: str | None = Field(None, description="Output or state listing, shown as a code block.")
    result: Markdown | None = Field(None, description="Outcome of this step.")
    by: Line | None = Field(None, description="Who ran or checked it.")
    at: TimeText | None = Field(None, description="When it was run: HH:MM[:SS] on the incident "
                                                  "date, or an ISO datetime.")


class KnownIssue(_Entry):
    id: str | None = Field(None, pattern=ITEM_ID_PATTERN, max_length=40,
                           description="Short id to refer to it, e.g. KI-1.")
    title: Line = Field(description="What is wrong, in one line.")
    status: IssueStatus = Field("open", description="open (default), accepted, pending or "
                                                    "resolved.")
    impact: str | None = Field(None, description="What it affects.")
    workaround: str | None = Field(None, description="The workaround in place, if any.")
    commands: str | None = Field(None, description="Commands or code of the workaround.")
    language: str = Field("bash", pattern=LANGUAGE_PATTERN,
                          description="Language of `commands`.")
    ticket: Line | None = Field(None, description="Tracker reference, e.g. GW-412; a link "
                                                 "where a tracker pattern is configured.")
    description: Markdown | None = Field(None, description="Anything else about it.")


class Measure(_Entry):
    title: Line = Field(description="Name of the prevention measure.")
    status: MeasureStatus | None = Field(None, description="done, in_progress, planned or "
                                                           "recommended.")
    body: Markdown | None = Field(None, description="Details; may hold code blocks and lists.")
    steps: list[str] = Field(default_factory=list,
                             description="Its steps or parts, in order (inline Markdown).")
    commands: str | None = Field(None, description="Commands or code of the measure, shown "
                                                   "as a code block.")
    language: str = Field("bash", pattern=LANGUAGE_PATTERN,
                          description="Language of `commands`.")


class Monitor(_Entry):
    title: Line = Field(description="Name of the monitor, alert or group of targets.")
    body: Markdown | None = Field(None, description="Details (Markdown).")
    check: str | None = Field(None, description="What is checked, and how often.")
    alert: str | None = Field(None, description="When it alerts, and whom.")
    targets: list[Check] = Field(default_factory=list,
                                 description="Targets or thresholds, each with its state.")


LESSON_GROUPS = ("went_wrong", "went_well", "lucky")  # the report's order unless the file's


class Lessons(_Model):
    went_well: list[Markdown] = Field(default_factory=list, description="What went well.")
    went_wrong: list[Markdown] = Field(default_factory=list, description="What went wrong.")
    lucky: list[Markdown] = Field(default_factory=list, description="Where we got lucky.")
    went_well_title: Line | None = Field(None, description="Heading instead of 'What went well'.")
    went_wrong_title: Line | None = Field(None, description="Heading instead of "
                                                           "'What went wrong'.")
    notes: Markdown | None = Field(None, description="Further lessons as free text.")
    # The groups in the order the file writes them: reports differ (what went wrong first,
    # or what worked), and the report keeps theirs.
    _order: tuple[str, ...] = PrivateAttr(default=LESSON_GROUPS)

    @model_validator(mode="wrap")
    @classmethod
    def _written_order(cls, data: Any, handler: Callable[[Any], Lessons]) -> Lessons:
        lessons = handler(data)
        if isinstance(data, dict):
            written = dict.fromkeys(k.removesuffix("_title") for k in data
                                    if k.removesuffix("_title") in LESSON_GROUPS)
            lessons._order = (*written, *(g for g in LESSON_GROUPS if g not in written))
        return lessons

    @property
    def order(self) -> tuple[str, ...]:
        return self._order


class ActionItem(_Entry):
    id: str = Field(pattern=ITEM_ID_PATTERN, max_length=40,
                    description="Stable id unique in the file, e.g. AI-1; never reused.")
    title: Line = Field(description="What is to be done.")
    owner: Line | None = Field(None, description="Person or team; required unless done/wontfix "
                                                 "(`unknown` until triaged).")
    priority: Rating = Field(description="critical, high, medium or low; unknown until "
                                         "triaged.")
    status: ItemStatus = Field(description="todo, in_progress, blocked, done or wontfix.")
    due: Date | Unknown | None = Field(None, description="Due date (YYYY-MM-DD); required unless "
                                                        "done/wontfix (`unknown` until "
                                                        "triaged).")
    type: ItemType | None = Field(None, description="prevent, mitigate, detect, process or repair.")
    link: Line | None = Field(None, description="Tracker ticket, pull request or commit.")
    ticket: Line | None = Field(None, description="Tracker reference that is not a URL, e.g. "
                                                  "JIRA-123, Bug 5554823 or #42; a link where a "
                                                  "tracker pattern is configured.")
    note: str | None = Field(None, description="Free text; for wontfix the reason.")

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_ITEM_STATES


class ChecklistItem(_Model):
    text: Line = Field(description="The step (inline Markdown).")
    done: bool = Field(False, description="Whether it is done.")


class NextSteps(_Entry):
    horizon: Horizon | None = Field(None, description="immediate, short_term or long_term.")
    title: Line | None = Field(None, description="Heading instead of the horizon's name.")
    items: list[Line | ChecklistItem] = Field(
        default_factory=list, description="Checklist: text (an open step), or text with done.")


class Related(_Entry):
    incident: str | None = Field(None, pattern=ID_PATTERN,
                                 description="Id of another incident in this repository.")
    relation: Line | None = Field(None, description="How it relates, e.g. 'same root cause'.")
    title: Line | None = Field(None, description="Title of a document that is not an incident.")
    url: Line | None = Field(None, description="URL or relative path of that document.")
    note: Line | None = Field(None, description="What the document holds.")

    @model_validator(mode="after")
    def _one_kind(self) -> Related:
        if self.incident is None and self.url is None and self.title is None:
            raise ValueError("give either 'incident' (an incident id) or 'title' and/or 'url'")
        if self.incident is not None and self.url is not None:
            raise ValueError("an entry refers to an incident or to a document, not both")
        return self


class SignOff(_Model):
    fields: list[Figure] = Field(default_factory=list, description="`Label: value` lines.")
    body: Markdown | None = Field(None, description="Closing text, e.g. next steps.")


class Section(_Entry):
    title: Line = Field(description="Heading of the section.")
    body: Markdown = Field(description="Content (Markdown).")
    after: SectionKey | None = Field(None, description="Place it after this built-in section "
                                                       "(e.g. 'timeline', 'root_causes'; "
                                                       "'header' puts it first); default: "
                                                       "after the appendices.")


class Detection(_Model):
    source: DetectionSource = Field(description="Who or what noticed it first: alert, customer, "
                                                "user, support, engineer, test or other.")
    note: Line | None = Field(None, description="How, e.g. the alert's name.")


class Person(_Entry):
    name: Line = Field(description="Person or team.")
    role: Role = Field(description="incident_commander, deputy, communications, scribe, "
                                   "responder, expert, owner (of the postmortem), reviewer or "
                                   "attendee (of the review).")
    note: Line | None = Field(None, description="E.g. their team, or when they took the role.")


class Incident(_Model):
    """One incident: the contents of ``incidents/<id>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"$id": SCHEMA_ID})

    id: str = Field(pattern=ID_PATTERN, max_length=ID_MAX,
                    description="Stable id; equals the file name without .yaml "
                                "(default form YYYY-MM-DD-slug).")
    title: Line = Field(description="One-line title.")
    date: Date = Field(description="Day the incident started, local to `timezone`.")
    timezone: Line | None = Field(None, description="IANA zone of every time without an offset "
                                                   "(default: configuration, else UTC).")
    language: Language | None = Field(None, description="Language of the report's labels: "
                                                        "en or de.")
    status: Status = Field(description="investigating, mitigated, resolved or closed "
                                       "(postmortem reviewed).")
    severity: Rating = Field(description="critical, high, medium or low; unknown before "
                                         "triage.")
    severity_note: Line | None = Field(None, description="Shown beside the severity, e.g. "
                                                         "'Production Down'.")
    started: Milestone = Field(description="When it started: HH:MM[:SS] or ISO datetime; "
                                           "unknown when nobody knows.")
    detected: Milestone | None = Field(None, description="When it was detected.")
    mitigated: Milestone | None = Field(None, description="When impact was stopped.")
    resolved: Milestone | None = Field(None, description="When it was resolved; required for "
                                                         "status resolved/closed.")
    impact_started: TimeText | None = Field(None, description="When users were first affected, "
                                                              "where that differs from "
                                                              "`started`.")
    impact_ended: TimeText | None = Field(None, description="When users were last affected, "
                                                            "where that differs from the end of "
                                                            "the incident.")
    trigger: Line | None = Field(None, description="What set it off, e.g. a deployment or a "
                                                  "configuration change.")
    detection: Detection | None = Field(None, description="How it was detected.")
    root_cause_summary: Line | None = Field(None, description="One line for the header; "
                                                              "default: the primary root cause.")
    authors: list[Line] = Field(default_factory=list, description="Authors of the report.")
    people: list[Person] = Field(default_factory=list,
                                 description="People and their roles: incident commander, "
                                             "responders, communications, review attendees...")
    tags: list[Annotated[str, Field(pattern=SLUG_PATTERN)]] = Field(
        default_factory=list, description="Free labels (slugs), used for the index.")
    header: list[Figure] = Field(default_factory=list,
                                 description="Extra `Label: value` lines in the header block.")
    summary: Markdown | None = Field(None, description="Executive summary.")
    timeline: list[TimelineEntry] = Field(default_factory=list,
                                          description="Events in chronological order.")
    root_causes: list[RootCause] = Field(default_factory=list, description="Root causes.")
    technical_details: list[TitledText] = Field(default_factory=list,
                                                description="Stack traces, files, analyses.")
    impact: Impact | None = Field(None, description="Impact assessment.")
    fixes: list[Fix] = Field(default_factory=list, description="Fixes applied, with commands.")
    verification: list[VerificationStep] = Field(
        default_factory=list, description="Verification and test plan: steps before and after "
                                          "the fix, with their state.")
    known_issues: list[KnownIssue] = Field(default_factory=list,
                                           description="Known issues, with their workaround.")
    prevention: list[Measure] = Field(default_factory=list, description="Prevention measures.")
    monitoring: list[Monitor] = Field(default_factory=list,
                                      description="Monitoring and alerts going forward.")
    lessons: Lessons | None = Field(None, description="Lessons learned.")
    action_items: list[ActionItem] = Field(default_factory=list,
                                           description="Follow-ups tracked through git history.")
    next_steps: list[NextSteps] = Field(default_factory=list,
                                        description="Checklists grouped by horizon.")
    sign_off: SignOff | None = Field(None, description="Sign-off block.")
    appendices: list[TitledText] = Field(default_factory=list, description="Appendices.")
    sections: list[Section] = Field(default_factory=list,
                                    description="Free-form sections for everything else.")
    titles: dict[SectionKey, Line] = Field(
        default_factory=dict, description="Headings instead of the built-in ones, by section "
                                          "key, e.g. `fixes: Immediate Fix (Applied)`.")
    related: list[Related] = Field(default_factory=list,
                                   description="Related incidents and documents.")
    report_created: Line | None = Field(None, description="When the report was written, "
                                                         "as shown in the footer.")
    footer: list[Figure] = Field(default_factory=list,
                                 description="Extra `Label: value` lines in the footer.")
    publishable: bool = Field(False, description="Published: `render --audience external` "
                                                 "writes its external report and lists it in "
                                                 "the external index.")
    internal_fields: list[InternalField] = Field(
        default_factory=list, description="Sections and header fields left out of the "
                                          "external version, e.g. [technical_details, people].")


def json_schema() -> dict[str, Any]:
    """The JSON Schema of an incident file, as an editor applies it to the parsed YAML.

    It accepts what `check` accepts where JSON Schema can tell: `check` reads every scalar as
    the text written, so where text is expected a number or a boolean is fine (`owner: 42`),
    while times, dates and zone names are checked by pattern or list, and the requirements
    that depend on a status are conditions. What needs more than one value or file (ids
    equal to the file name, order of times, unique item ids, references) stays `check`'s.
    """
    schema = _bottom_up(_bottom_up(Incident.model_json_schema(), _as_text), _keys_checked)
    defs = schema["$defs"]
    defs.update(_SCALARS)
    for obj in (schema, *defs.values()):
        for spec in obj.get("properties", {}).values():
            _use_refs(spec)
    zone = schema["properties"]["timezone"]
    # `check` takes UTC also where the machine has no tz database (times.zone).
    zone["anyOf"][0] = {"$ref": "#/$defs/TimeZone"}
    defs["TimeZone"] = {"description": "An IANA time zone name, e.g. Europe/Berlin.",
                        "type": "string", "enum": sorted(zone_names() | {"UTC"})}
    schema["allOf"] = [_when("status", ENDED_STATUSES, ["resolved"])]
    defs["ActionItem"]["allOf"] = [_when("status", OPEN_ITEM_STATES, ["owner", "due"])]
    given = [{"required": [key], "properties": {key: {"not": {"type": "null"}}}}
             for key in ("incident", "url", "title")]
    defs["Related"]["allOf"] = [
        {"anyOf": given},
        {"not": {"allOf": [given[0], given[1]]}},
    ]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _when(key: str, values: tuple[str, ...], needed: list[str]) -> dict[str, Any]:
    """`needed` must be given (not empty) when `key` is one of `values`."""
    return {"if": {"required": [key], "properties": {key: {"enum": list(values)}}},
            "then": {"required": needed,
                     "properties": {name: {"not": {"type": "null"}} for name in needed}}}


# Values `check` reads as true or false, in any case (pydantic's lax booleans).
_BOOL_WORDS = ("true", "false", "yes", "no", "on", "off", "t", "f", "y", "n", "1", "0")
_SCALARS: dict[str, Any] = {
    "Time": {"description": "HH:MM[:SS] on the incident date or an ISO datetime, with an "
                            "optional offset (`11:55 +01:00`) or zone abbreviation "
                            f"({', '.join(ABBREVIATIONS)}; `11:55 CET`); ~ marks it "
                            "approximate.",
             "type": "string", "pattern": TIME_PATTERN},
    "TimeOrRange": {"description": "A Time, or a range of two (`12:49-12:50`).",
                    "type": "string", "pattern": TIME_OR_RANGE_PATTERN},
    "Date": {"description": "A date, YYYY-MM-DD.", "type": "string", "format": "date",
             "pattern": rf"^{DATE}$"},
}
_REFS = {TIME_PATTERN: "Time", TIME_OR_RANGE_PATTERN: "TimeOrRange"}


def _use_refs(spec: dict[str, Any]) -> None:
    """Times and dates as references to their definitions (one place, a named type)."""
    for part in [spec, *spec.get("anyOf", [])]:
        name = _REFS.get(part.get("pattern", "")) or ("Date" if part.get("format") == "date"
                                                     else None)
        if name is not None:
            for key in ("type", "pattern", "format"):
                part.pop(key, None)
            part["$ref"] = f"#/$defs/{name}"


def _bottom_up(node: Any, change: Callable[[dict[str, Any]], Any]) -> Any:
    """``node`` (JSON Schema data) with ``change`` applied to every mapping in it, the
    innermost first."""
    if isinstance(node, list):
        return [_bottom_up(item, change) for item in node]
    if not isinstance(node, dict):
        return node
    return change({key: _bottom_up(value, change) for key, value in node.items()})


def _as_text(node: dict[str, Any]) -> Any:
    """Every place that takes text also takes what an editor parses as a number or a
    boolean and `check` reads as text, where that text would be valid."""
    kind = node.get("type")
    if kind == "boolean":
        words = "|".join("".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word)
                         for word in _BOOL_WORDS)
        rest = {k: v for k, v in node.items() if k != "type"}
        return {**rest, "anyOf": [{"type": "boolean"}, {"enum": [0, 1]},
                                  {"type": "string", "pattern": f"^(?:{words})$"}]}
    if kind != "string" or "enum" in node or "format" in node:
        return node
    pattern = node.get("pattern")
    if pattern is None:
        return {**node, "type": ["string", "number", "boolean"]}
    other: list[dict[str, Any]] = []
    if all(re.fullmatch(pattern.strip("^$"), word) for word in ("0123456789", "-1.5", "1.0e+20")):
        other.append({"type": "number"})
    elif re.fullmatch(pattern.strip("^$"), "0123456789"):
        limit = node.get("maxLength")
        other.append({"type": "integer", "minimum": 0,
                      **({"maximum": 10 ** limit - 1} if limit else {})})
    if all(re.fullmatch(pattern.strip("^$"), word) for word in ("true", "false")):
        other.append({"type": "boolean"})
    if not other:
        return node
    text = {k: node[k] for k in ("type", "pattern", "maxLength") if k in node}
    rest = {k: v for k, v in node.items() if k not in text}
    return {**rest, "anyOf": [text, *other]}


def _keys_checked(node: dict[str, Any]) -> Any:
    """A mapping whose keys are constrained (a figure's label is one line) says so with
    `propertyNames`: pydantic's `patternProperties` leaves a key that does not match the
    pattern unchecked, where `check` reports it."""
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        ((pattern, value),) = patterns.items()
        rest = {k: v for k, v in node.items() if k != "patternProperties"}
        return {**rest, "propertyNames": {"pattern": pattern}, "additionalProperties": value}
    return node


def _is_markdown(annotation: Any) -> bool:
    if any(getattr(x, "json_schema_extra", None) == MARKDOWN
           for x in getattr(annotation, "__metadata__", ())):
        return True
    return typing.get_origin(annotation) is not list and any(
        _is_markdown(arg) for arg in typing.get_args(annotation))


@functools.lru_cache(maxsize=1)
def markdown_fields() -> tuple[frozenset[str], frozenset[str]]:
    """Names of fields that hold Markdown, and of lists of Markdown (read off the models)."""
    fields, lists = set(), set()
    for obj in list(globals().values()):
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel:
            for fname, info in obj.model_fields.items():
                if info.json_schema_extra == MARKDOWN or _is_markdown(info.annotation):
                    fields.add(fname)
                elif typing.get_origin(info.annotation) is list and _is_markdown(
                        typing.get_args(info.annotation)[0]):
                    lists.add(fname)
    return frozenset(fields), frozenset(lists)
