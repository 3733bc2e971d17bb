"""Semantic rules of one incident, beyond what the schema can say."""

from __future__ import annotations

import datetime as dt

from postmortem.config import Config
from postmortem.loader import Parsed, position
from postmortem.model import Incident
from postmortem.problems import error, warning
from postmortem.timeutil import resolve, zone

MILESTONES = ("started", "detected", "mitigated", "resolved")


def incident_zone(incident: Incident, config: Config) -> dt.tzinfo:
    return zone(incident.timezone or config.timezone) or dt.timezone.utc


def milestones(incident: Incident, tz: dt.tzinfo) -> dict[str, dt.datetime]:
    out = {}
    for name in MILESTONES:
        text = getattr(incident, name)
        if text is not None:
            out[name] = resolve(text, incident.date, tz)
    return out


def check_incident(parsed: Parsed, incident: Incident, config: Config, stem: str) -> None:
    """Add the semantic problems of ``incident`` to ``parsed.problems``."""
    rel, root, add = parsed.rel, parsed.root, parsed.problems.append

    def at(*loc: str | int) -> tuple[int, int]:
        return position(root, loc)

    if incident.id != stem:
        add(error(rel, *at("id"), "id", f"id '{incident.id}' does not match the file name "
                  f"'{stem}.yaml'; rename the file or change the id (ids must stay stable)"))
    if incident.timezone is not None and zone(incident.timezone) is None:
        add(error(rel, *at("timezone"), "timezone", f"unknown time zone '{incident.timezone}'; "
                  "use an IANA name such as 'Europe/Berlin' or 'UTC'"))
    tz = incident_zone(incident, config)

    if incident.status in ("resolved", "closed") and incident.resolved is None:
        add(error(rel, *at("status"), "resolved", f"status is '{incident.status}' but the "
                  "'resolved' time is missing; add resolved: HH:MM"))
    times = milestones(incident, tz)
    names = [n for n in MILESTONES if n in times]
    for i, early in enumerate(names):
        for late in names[i + 1:]:
            if times[late] < times[early]:
                fmt = f"{late} ({getattr(incident, late)}) is before {early} " \
                      f"({getattr(incident, early)})"
                if (early, late) == ("started", "resolved"):
                    # The usual cause is an incident that ran past midnight.
                    add(error(rel, *at(late), late, f"{fmt}; an incident cannot be resolved "
                              "before it started (if it ended on a later day, write an ISO "
                              f"datetime such as {incident.date + dt.timedelta(days=1)}T"
                              f"{times[late].strftime('%H:%M')})"))
                else:
                    add(warning(rel, *at(late), late, f"{fmt}; milestones should run started "
                                "≤ detected ≤ mitigated ≤ resolved"))

    previous: dt.datetime | None = None
    for index, entry in enumerate(incident.timeline):
        when = resolve(entry.at.lstrip("~"), incident.date, tz)
        if previous is not None and when < previous:
            add(warning(rel, *at("timeline", index, "at"), f"timeline[{index}].at",
                        f"{entry.at} is earlier than the entry before it "
                        f"({previous.strftime('%H:%M')}); keep the timeline in "
                        "chronological order"))
        previous = when if previous is None else max(previous, when)

    seen: dict[str, int] = {}
    limit = config.due_days.get(incident.severity)
    for index, item in enumerate(incident.action_items):
        here = f"action_items[{index}]"
        if item.id in seen:
            add(error(rel, *at("action_items", index, "id"), f"{here}.id",
                      f"action item id '{item.id}' is already used by action_items"
                      f"[{seen[item.id]}]; ids must be unique and never reused"))
        else:
            seen[item.id] = index
        if item.is_open:
            for name in ("owner", "due"):
                if getattr(item, name) is None:
                    add(error(rel, *at("action_items", index), f"{here}.{name}",
                              f"open action item '{item.id}' has no {name}; every open item "
                              "needs an owner and a due date"))
        if item.status == "wontfix" and not item.note:
            add(warning(rel, *at("action_items", index, "status"), f"{here}.note",
                        f"action item '{item.id}' is wontfix without a reason; say why in note"))
        if item.due is not None and item.is_open and limit is not None:
            days = (item.due - incident.date).days
            if days > limit:
                add(warning(rel, *at("action_items", index, "due"), f"{here}.due",
                            f"due {item.due} is {days} days after the incident; the policy for "
                            f"{incident.severity} incidents is at most {limit} days "
                            "(due_days in the configuration)"))

    referenced: set[str] = set()
    for index, ref in enumerate(incident.related):
        if ref.incident is None:
            continue
        here = f"related[{index}].incident"
        if ref.incident == incident.id:
            add(error(rel, *at("related", index, "incident"), here,
                      "an incident cannot be related to itself"))
        elif ref.incident in referenced:
            add(error(rel, *at("related", index, "incident"), here,
                      f"'{ref.incident}' is already referenced above; list each related "
                      "incident once"))
        referenced.add(ref.incident)
