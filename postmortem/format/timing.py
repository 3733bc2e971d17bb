"""The times of one incident: its zone, its milestones as instants, its duration."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.times import Stamp, stamp, zone, zone_label
from postmortem.format.vocabulary import MILESTONES, UNKNOWN


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
        """``~`` for an approximate time, then the local time in ``fmt``; a time written with
        seconds keeps them (``12:07:38``, not ``12:07``)."""
        if fmt.endswith("%H:%M") and self.stamp.written.count(":") == 2:
            fmt += ":%S"
        return ("~" if self.stamp.approx else "") + self.local.strftime(fmt)


@functools.lru_cache(maxsize=256)  # a file's milestones are placed by several rules
def moment(text: str, day: dt.date, tz: dt.tzinfo) -> Moment:
    """A validated time text of an incident on ``day`` in zone ``tz``."""
    start = stamp(text)
    return Moment(start, start.on(day, tz))


def milestones(incident: Incident, tz: dt.tzinfo) -> dict[str, Moment]:
    """started, detected, mitigated and resolved (those given and known) on the time line."""
    out = {}
    for name in MILESTONES:
        text = getattr(incident, name)
        if text is not None and text != UNKNOWN:
            out[name] = moment(text, incident.date, tz)
    return out


def impact_window(incident: Incident, tz: dt.tzinfo) -> tuple[Moment | None, Moment | None]:
    """When users were first and last affected, where the file says so."""
    start, end = incident.impact_started, incident.impact_ended
    return (moment(start, incident.date, tz) if start is not None else None,
            moment(end, incident.date, tz) if end is not None else None)


def minutes_between(start: Moment, end: Moment) -> float:
    """Minutes from ``start`` to ``end`` in absolute time."""
    return (end.instant - start.instant).total_seconds() / 60


def start_instant(incident: Incident, tz: dt.tzinfo) -> dt.datetime:
    """When it started, in UTC; an unknown start counts as the start of its date."""
    if incident.started == UNKNOWN:
        return dt.datetime.combine(incident.date, dt.time(), tz).astimezone(dt.timezone.utc)
    return moment(incident.started, incident.date, tz).instant


def end_of(times: dict[str, Moment]) -> Moment | None:
    """Where the incident's duration ends: resolved, else mitigated (None while ongoing)."""
    return times.get("resolved") or times.get("mitigated")


def duration_minutes(incident: Incident, config: Config) -> float | None:
    """Minutes from started to resolved (or, before that, mitigated) in absolute time; None
    while it is ongoing or an end is unknown."""
    if incident.resolved == UNKNOWN:
        return None
    times = milestones(incident, incident_zone(incident, config))
    end = end_of(times)
    if end is None or "started" not in times:
        return None
    return minutes_between(times["started"], end)
