"""The times of one incident: its zone, its milestones as instants, its duration."""

from __future__ import annotations

import datetime as dt

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.times import resolve, zone
from postmortem.format.vocabulary import MILESTONES, UNKNOWN


def incident_zone(incident: Incident, config: Config) -> dt.tzinfo:
    """The zone of an incident's times without an offset: its own, else the configured one."""
    return zone(incident.timezone or config.timezone) or dt.timezone.utc


def milestones(incident: Incident, tz: dt.tzinfo) -> dict[str, dt.datetime]:
    """started, detected, mitigated and resolved (those given and known) as aware datetimes."""
    out = {}
    for name in MILESTONES:
        text = getattr(incident, name)
        if text is not None and text != UNKNOWN:
            out[name] = resolve(text, incident.date, tz)
    return out


def impact_window(incident: Incident, tz: dt.tzinfo) -> tuple[dt.datetime | None,
                                                              dt.datetime | None]:
    """When users were first and last affected, where the file says so."""
    start, end = incident.impact_started, incident.impact_ended
    return (resolve(start, incident.date, tz) if start is not None else None,
            resolve(end, incident.date, tz) if end is not None else None)


def minutes_between(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 60


def duration_minutes(incident: Incident, config: Config) -> float | None:
    """Minutes from started to resolved (or, before that, mitigated); None while it is
    ongoing or an end is unknown."""
    if incident.resolved == UNKNOWN:
        return None
    times = milestones(incident, incident_zone(incident, config))
    end = times.get("resolved") or times.get("mitigated")
    if end is None or "started" not in times:
        return None
    return minutes_between(times["started"], end)
