"""The incident file format: these models are the schema, its validation and its JSON Schema."""

from __future__ import annotations

import datetime as dt
import functools
import typing
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from postmortem.format.times import check_time_text
from postmortem.format.vocabulary import (
    CLOSED_ITEM_STATES,
    ID_MAX,
    ID_PATTERN,
    ITEM_ID_PATTERN,
    SLUG_PATTERN,
    Horizon,
    ItemStatus,
    ItemType,
    Language,
    Level,
    MeasureStatus,
    Outcome,
    Phase,
    SectionKey,
    Severity,
    Status,
)
from postmortem.text import NOT_IN_A_LINE

SCHEMA_ID = "https://postmortem.dev/schema/incident-1.json"


def _time(value: str) -> str:
    problem = check_time_text(value)
    if problem:
        raise ValueError(problem)
    return value


# Fields holding Markdown are marked so that `check` knows where code fences must balance.
MARKDOWN = {"contentMediaType": "text/markdown"}
Markdown = Annotated[str, Field(json_schema_extra=MARKDOWN)]
TimeText = Annotated[
    str,
    AfterValidator(_time),
    Field(json_schema_extra={"pattern": r"^~?(\d{1,2}:\d{2}(:\d{2})?|\d{4}-\d{2}-\d{2}[T ].+)$"}),
]
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


class TimelineEntry(_Model):
    at: TimeText = Field(description="When: HH:MM[:SS] on the incident date, or an ISO datetime; "
                                     "a leading ~ marks an approximate time.")
    event: str = Field(description="What happened (inline Markdown).")
    outcome: Outcome | None = Field(None, description="Result, shown as the status marker: "
                                                      "ok, warning, failed or info.")
    note: Line | None = Field(None, description="Short status text beside the outcome.")


class RootCause(_Model):
    title: Line = Field(description="One-line name of the cause.")
    level: Level = Field("contributing", description="primary, secondary, tertiary or "
                                                     "contributing (default).")
    category: str | None = Field(None, pattern=SLUG_PATTERN,
                                 description="Failure class slug shared by similar incidents, "
                                             "e.g. stale-cache-after-deploy.")
    description: Markdown | None = Field(None, description="Analysis; may hold code blocks.")


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
    commands: str | None = Field(None, description="Shell commands of the verification.")
    result: Markdown | None = Field(None, description="What the verification showed.")


class Fix(_Model):
    title: Line = Field(description="Name of the fix.")
    status: Line | None = Field(None, description="Short status shown beside the title, "
                                                 "e.g. 'ACTIVE' or 'Applied'.")
    at: TimeText | None = Field(None, description="When it was applied.")
    description: Markdown | None = Field(None, description="What was done and why.")
    commands: str | None = Field(None, description="The shell commands, shown as a code block.")
    language: str = Field("bash", pattern=LANGUAGE_PATTERN,
                          description="Language of the code block of `commands`: one word.")
    result: Markdown | None = Field(None, description="What happened after the fix.")
    verification: Verification | None = Field(None, description="How the fix was checked.")


class VerificationStep(_Model):
    title: Line = Field(description="Name of the check or of the snapshot.")
    phase: Phase | None = Field(None, description="before or after the fix.")
    description: Markdown | None = Field(None, description="Text before the commands/output.")
    commands: str | None = Field(None, description="Commands run, shown as a bash code block.")
    output: str | None = Field(None, description="Output or state listing, shown as a code block.")
    result: Markdown | None = Field(None, description="Outcome of this step.")


class Measure(_Model):
    title: Line = Field(description="Name of the prevention measure.")
    status: MeasureStatus | None = Field(None, description="done, in_progress, planned or "
                                                           "recommended.")
    body: Markdown | None = Field(None, description="Details; may hold code blocks and lists.")


class Lessons(_Model):
    went_well: list[Markdown] = Field(default_factory=list, description="What went well.")
    went_wrong: list[Markdown] = Field(default_factory=list, description="What went wrong.")
    lucky: list[Markdown] = Field(default_factory=list, description="Where we got lucky.")
    went_well_title: Line | None = Field(None, description="Heading instead of 'What went well'.")
    went_wrong_title: Line | None = Field(None, description="Heading instead of "
                                                           "'What went wrong'.")
    notes: Markdown | None = Field(None, description="Further lessons as free text.")


class ActionItem(_Model):
    id: str = Field(pattern=ITEM_ID_PATTERN, max_length=40,
                    description="Stable id unique in the file, e.g. AI-1; never reused.")
    title: Line = Field(description="What is to be done.")
    owner: Line | None = Field(None, description="Person or team; required unless done/wontfix.")
    priority: Severity = Field(description="critical, high, medium or low.")
    status: ItemStatus = Field(description="todo, in_progress, blocked, done or wontfix.")
    due: dt.date | None = Field(None, description="Due date (YYYY-MM-DD); required unless "
                                                  "done/wontfix.")
    type: ItemType | None = Field(None, description="prevent, mitigate, detect, process or repair.")
    link: Line | None = Field(None, description="Tracker ticket, pull request or commit.")
    note: str | None = Field(None, description="Free text; for wontfix the reason.")

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_ITEM_STATES


class ChecklistItem(_Model):
    text: Line = Field(description="The step (inline Markdown).")
    done: bool = Field(False, description="Whether it is done.")


class NextSteps(_Model):
    horizon: Horizon | None = Field(None, description="immediate, short_term or long_term.")
    title: Line | None = Field(None, description="Heading instead of the horizon's name.")
    items: list[Line | ChecklistItem] = Field(
        default_factory=list, description="Checklist: text (an open step), or text with done.")


class TitledText(_Model):
    title: Line = Field(description="Heading.")
    body: Markdown = Field(description="Content (Markdown).")


class Related(_Model):
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


class Section(_Model):
    title: Line = Field(description="Heading of the section.")
    body: Markdown = Field(description="Content (Markdown).")
    after: SectionKey | None = Field(None, description="Place it after this built-in section "
                                                       "(e.g. 'timeline', 'root_causes'; "
                                                       "'header' puts it first); default: "
                                                       "after the appendices.")


class Incident(_Model):
    """One incident: the contents of ``incidents/<id>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True,
                              json_schema_extra={"$id": SCHEMA_ID})

    id: str = Field(pattern=ID_PATTERN, max_length=ID_MAX,
                    description="Stable id; equals the file name without .yaml "
                                "(default form YYYY-MM-DD-slug).")
    title: Line = Field(description="One-line title.")
    date: dt.date = Field(description="Day the incident started, local to `timezone`.")
    timezone: Line | None = Field(None, description="IANA zone of every time without an offset "
                                                   "(default: configuration, else UTC).")
    language: Language | None = Field(None, description="Language of the report's labels: "
                                                        "en or de.")
    status: Status = Field(description="investigating, mitigated, resolved or closed "
                                       "(postmortem reviewed).")
    severity: Severity = Field(description="critical, high, medium or low.")
    severity_note: Line | None = Field(None, description="Shown beside the severity, e.g. "
                                                        "'Production Down'.")
    started: TimeText = Field(description="When it started: HH:MM[:SS] or ISO datetime.")
    detected: TimeText | None = Field(None, description="When it was detected.")
    mitigated: TimeText | None = Field(None, description="When impact was stopped.")
    resolved: TimeText | None = Field(None, description="When it was resolved; required for "
                                                        "status resolved/closed.")
    root_cause_summary: Line | None = Field(None, description="One line for the header; "
                                                             "default: the primary root cause.")
    authors: list[Line] = Field(default_factory=list, description="Authors of the report.")
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
        default_factory=list, description="Verification results before and after the fix.")
    prevention: list[Measure] = Field(default_factory=list, description="Prevention measures.")
    monitoring: list[TitledText] = Field(default_factory=list,
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


def json_schema() -> dict[str, Any]:
    schema = Incident.model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


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
