"""Semantic rules of one incident, beyond what the schema can say: one function per rule."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from dataclasses import dataclass

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.timing import Moment, impact_window, incident_zone, milestones
from postmortem.format.vocabulary import ENDED_STATUSES, MILESTONES, UNKNOWN
from postmortem.format.yamlread import Parsed, locate, position
from postmortem.reports.anchors import item_anchor
from postmortem.rules.problems import Problem
from postmortem.rules.registry import Rule, RuleTable


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

    def has(self, *loc: str | int) -> bool:
        """Whether the file writes ``loc`` (if only as an empty value)."""
        return locate(self.parsed.root, loc)[1]

    @functools.cached_property
    def zone(self) -> dt.tzinfo:
        return incident_zone(self.incident, self.config)

    @functools.cached_property
    def times(self) -> dict[str, Moment]:
        return milestones(self.incident, self.zone)


RULES = RuleTable()


def check_incident(subject: Subject, codes: frozenset[str]) -> None:
    """Add the semantic problems (of the rules ``codes``) to the subject's problems."""
    subject.parsed.problems.extend(RULES.run(subject, codes))


@RULES.check("M001")
def _id_matches_file(s: Subject, id_matches_file: Rule) -> Iterator[Problem]:
    if s.incident.id != s.stem:
        yield id_matches_file(
            s.rel, *s.at("id"), "id", f"id '{s.incident.id}' does not match the file name "
            f"'{s.stem}.yaml'; rename the file or change the id (ids must stay stable)")


@RULES.check("M002")
def _known_timezone(s: Subject, known_timezone: Rule) -> Iterator[Problem]:
    from postmortem.format.times import zone

    name = s.incident.timezone
    if name is not None and zone(name) is None:
        yield known_timezone(s.rel, *s.at("timezone"), "timezone", f"unknown time zone "
                             f"'{name}'; use an IANA name such as 'Europe/Berlin' or 'UTC'")


@RULES.check("M003")
def _resolved_time(s: Subject, resolved_time: Rule) -> Iterator[Problem]:
    if s.incident.status in ENDED_STATUSES and s.incident.resolved is None:
        yield resolved_time(s.rel, *s.at("status"), "resolved", f"status is "
                            f"'{s.incident.status}' but the 'resolved' time is missing; add "
                            "resolved: HH:MM")


@RULES.check("M004", "M017", "M005")
def _milestone_order(s: Subject, resolved_after_start: Rule, after_start: Rule,
                     milestone_order: Rule) -> Iterator[Problem]:
    incident, times = s.incident, s.times
    names = [n for n in MILESTONES if n in times]
    for i, early in enumerate(names):
        for late in names[i + 1:]:
            if times[late].instant >= times[early].instant:
                continue
            fmt = f"{late} ({getattr(incident, late)}) is before {early} " \
                  f"({getattr(incident, early)})"
            if (early, late) == ("started", "resolved"):
                # The usual cause is an incident that ran past midnight.
                yield resolved_after_start(
                    s.rel, *s.at(late), late, f"{fmt}; an incident cannot be resolved before "
                    "it started (if it ended on a later day, write an ISO datetime such as "
                    f"{incident.date + dt.timedelta(days=1)}T{times[late].local:%H:%M})")
            elif early == "started":
                # A duration from it would be negative: no report may show that.
                yield after_start(s.rel, *s.at(late), late, f"{fmt}; nothing is {late} before "
                                  "it started: correct one of the two times")
            else:
                yield milestone_order(s.rel, *s.at(late), late, f"{fmt}; milestones should "
                                      "run started ≤ detected ≤ mitigated ≤ resolved")


@RULES.check("M006")
def _timeline_order(s: Subject, timeline_order: Rule) -> Iterator[Problem]:
    from postmortem.format.timing import moment

    latest: tuple[dt.datetime, str] | None = None
    for index, entry in enumerate(s.incident.timeline):
        when = moment(entry.at, s.incident.date, s.zone).instant
        if latest is not None and when < latest[0]:
            yield timeline_order(s.rel, *s.at("timeline", index, "at"), f"timeline[{index}].at",
                                 f"{entry.at} is earlier than the entry before it "
                                 f"({latest[1]}); keep the timeline in chronological order")
        if latest is None or when > latest[0]:
            latest = (when, entry.at)


@RULES.check("M007", "M008", "M009", "M010")
def _action_items(s: Subject, unique_item_id: Rule, open_item_owned: Rule,
                  wontfix_reason: Rule, due_policy: Rule) -> Iterator[Problem]:
    # By anchor: ids the report's anchor spells alike (AI-1, ai-1, AI--1) would share one
    # `#ai-1`, and every link to the later ones would lead to the first.
    seen: dict[str, tuple[int, str]] = {}
    incident = s.incident
    limit = s.config.due_days.get(incident.severity)
    for index, item in enumerate(incident.action_items):
        here = f"action_items[{index}]"
        anchor = item_anchor(item.id)
        if anchor in seen:
            first, ident = seen[anchor]
            used = f"action item id '{item.id}' is already used by action_items[{first}]" \
                if ident == item.id else (f"action item id '{item.id}' has the same anchor "
                                          f"'#{anchor}' in the report as '{ident}' "
                                          f"(action_items[{first}])")
            yield unique_item_id(s.rel, *s.at("action_items", index, "id"), f"{here}.id",
                                 f"{used}; ids must be unique and never reused")
        else:
            seen[anchor] = (index, item.id)
        if item.is_open:
            for name in ("owner", "due"):
                if getattr(item, name) is None:
                    # An empty `owner:` is reported where it stands, a missing one at its item.
                    where = s.at("action_items", index, name) if s.has(
                        "action_items", index, name) else s.at("action_items", index)
                    yield open_item_owned(s.rel, *where, f"{here}.{name}",
                                          f"open action item '{item.id}' has no {name}; every "
                                          "open item needs an owner and a due date (write "
                                          f"{name}: unknown until it is triaged)")
        if item.status == "wontfix" and not item.note:
            yield wontfix_reason(s.rel, *s.at("action_items", index, "status"), f"{here}.note",
                                 f"action item '{item.id}' is wontfix without a reason; say why "
                                 "in note")
        if isinstance(item.due, dt.date) and item.is_open and limit is not None:
            days = (item.due - incident.date).days
            if days > limit:
                yield due_policy(s.rel, *s.at("action_items", index, "due"), f"{here}.due",
                                 f"due {item.due} is {days} days after the incident; the policy "
                                 f"for {incident.severity} incidents is at most {limit} days "
                                 "(due_days in the configuration)")


@RULES.check("M011", "M012")
def _related(s: Subject, related_not_self: Rule,
             related_once: Rule) -> Iterator[Problem]:
    referenced: set[str] = set()
    for index, ref in enumerate(s.incident.related):
        if ref.incident is None:
            continue
        here = f"related[{index}].incident"
        if ref.incident == s.incident.id:
            yield related_not_self(s.rel, *s.at("related", index, "incident"), here,
                                   "an incident cannot be related to itself")
        elif ref.incident in referenced:
            yield related_once(s.rel, *s.at("related", index, "incident"), here,
                               f"'{ref.incident}' is already referenced above; list each "
                               "related incident once")
        referenced.add(ref.incident)


@RULES.check("M013", "M014")
def _unknown_values(s: Subject, unknown_while_open: Rule,
                    unknown_when_closed: Rule) -> Iterator[Problem]:
    incident = s.incident
    closed = incident.status == "closed"
    found: list[tuple[tuple[str | int, ...], str]] = [
        ((name,), name) for name in ("severity", *MILESTONES)
        if getattr(incident, name) == UNKNOWN]
    for index, item in enumerate(incident.action_items):
        found += [(("action_items", index, name), f"action_items[{index}].{name}")
                  for name in ("priority", "owner", "due") if getattr(item, name) == UNKNOWN]
    for loc, name in found:
        if closed:
            hint = ' (a time may be approximate: "~10:30")' if name in MILESTONES else ""
            yield unknown_when_closed(s.rel, *s.at(*loc), name, f"{name} is still unknown but "
                                      f"the incident is closed; state it{hint}, or reopen "
                                      "the incident")
        else:
            yield unknown_while_open(s.rel, *s.at(*loc), name, f"{name} is unknown; settle it "
                                     "before the incident is closed")


@RULES.check("M015")
def _impact_window(s: Subject, impact_window_order: Rule) -> Iterator[Problem]:
    first, last = impact_window(s.incident, s.zone)
    if first is not None and last is not None and last.instant < first.instant:
        yield impact_window_order(s.rel, *s.at("impact_ended"), "impact_ended",
                                  f"impact_ended ({s.incident.impact_ended}) is before "
                                  f"impact_started ({s.incident.impact_started})")


@RULES.check("M016")
def _owners_known(s: Subject, owner_known: Rule) -> Iterator[Problem]:
    import difflib

    config = s.config
    if not config.check_owners:
        return
    names = [p.name for p in s.incident.people] + list(s.incident.authors)
    for team, members in config.teams.items():
        names += [team, *members]
    known = {name.casefold(): name for name in names}
    for index, item in enumerate(s.incident.action_items):
        owner = item.owner
        if owner is None or owner == UNKNOWN or owner.casefold() in known:
            continue
        close = difflib.get_close_matches(owner.casefold(), list(known), n=1, cutoff=0.75)
        hint = (f"did you mean '{known[close[0]]}'?" if close else
                "add them to `people` with their role, or their team to [teams] in the "
                "configuration")
        yield owner_known(s.rel, *s.at("action_items", index, "owner"),
                          f"action_items[{index}].owner", f"owner '{owner}' is named by no role "
                          f"of this incident and no team; {hint}")
