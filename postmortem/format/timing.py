"""The times of one incident: its zone, its milestones as instants, its duration."""

from __future__ import annotations

import datetime as dt

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.times import resolve, zone
from postmortem.format.vocabulary import MILESTONES


def incident_zone(incident: Incident, config: Config) -> dt.tzinfo:
    """The zone of an incident's times without an offset: its own, else the configured one."""
    return zone(incident.timezone or config.timezone) or dt.timezone.utc


def milestones(incident: Incident, tz: dt.tzinfo) -> dict[str, dt.datetime]:
    """started, detected, mitigated and resolved (those given) as aware datetimes."""
    out = {}
    for name in MILESTONES:
        text = getattr(incident, name)
        if text is not None:
            out[name] = resolve(text, incident.date, tz)
    return out


def duration_minutes(incident: Incident, config: Config) -> float | None:
    """Minutes from started to resolved (or mitigated), None while neither is known."""
    times = milestones(incident, incident_zone(incident, config))
    end = times.get("resolved") or times.get("mitigated")
    if end is None:
        return None
    return (end - times["started"]).total_seconds() / 60
