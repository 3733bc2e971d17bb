"""The times of one incident: its zone, its milestones as instants, its duration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.times import Stamp, stamp, zone, zone_label
from postmortem.format.vocabulary import MILESTONES


def incident_zone(incident: Incident, config: Config) -> dt.tzinfo:
    """The zone of an incident's times without an offset: its own, else the configured one."""
    return zone(incident.timezone or config.timezone) or dt.timezone.utc


@dataclass(frozen=True)
class Moment:
    """A time of the incident as written (a range: its start), placed on the time line."""

    stamp: Stamp
    local: dt.datetime  # aware: in the stated offset, else in the incident's zone

    @property
    def instant(self) -> dt.datetime:
        """The same instant in UTC: what comparisons and durations use (datetimes sharing a
        tzinfo compare by wall clock, which is wrong across a daylight-saving change)."""
        return self.local.astimezone(dt.timezone.utc)

    @property
    def zone(self) -> str:
        """The zone as shown: as stated, else the abbreviation in force (CET or CEST)."""
        return zone_label(self.local, self.stamp)

    def clock(self, fmt: str = "%H:%M") -> str:
        """``~`` for an approximate time, then the local time in ``fmt``."""
        return ("~" if self.stamp.approx else "") + self.local.strftime(fmt)


def moment(text: str, day: dt.date, tz: dt.tzinfo) -> Moment:
    """A validated time text of an incident on ``day`` in zone ``tz``."""
    start = stamp(text)
    return Moment(start, start.on(day, tz))


def milestones(incident: Incident, tz: dt.tzinfo) -> dict[str, Moment]:
    """started, detected, mitigated and resolved (those given) on the time line."""
    out = {}
    for name in MILESTONES:
        text = getattr(incident, name)
        if text is not None:
            out[name] = moment(text, incident.date, tz)
    return out


def end_of(times: dict[str, Moment]) -> Moment | None:
    """Where the incident's duration ends: resolved, else mitigated (None while ongoing)."""
    return times.get("resolved") or times.get("mitigated")


def duration_minutes(incident: Incident, config: Config) -> float | None:
    """Minutes from started to resolved (or mitigated) in absolute time, None while ongoing."""
    times = milestones(incident, incident_zone(incident, config))
    end = end_of(times)
    if end is None:
        return None
    return (end.instant - times["started"].instant).total_seconds() / 60
