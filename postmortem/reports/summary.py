"""What other reports and the index show of an incident: one typed summary, and its cache.

The summary cache lets a no-op render skip parsing: it sits in front of the one loading
path (:func:`postmortem.format.load.load`), keyed by each file's content.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmortem.config import Config
from postmortem.files import Refused, read_regular
from postmortem.format.vocabulary import LANGUAGES, SEVERITIES, STATUSES, UNKNOWN
from postmortem.rules.problems import Problem

if typing.TYPE_CHECKING:
    from postmortem.format.model import Incident


@dataclass(frozen=True)
class Summary:
    """One incident as the index and the other incidents' reports see it."""

    id: str
    title: str
    date: str  # ISO date
    started: str  # the instant it started, ISO in UTC: what lists of incidents sort by
    severity: str  # one of SEVERITIES, or unknown
    status: str
    language: str
    duration_minutes: float | None  # started to resolved (or mitigated); None while ongoing
    source: str  # the incident file, relative to the root
    report: str  # its report, relative to the root
    categories: tuple[str, ...]  # failure classes of its root causes, sorted
    category_anchors: tuple[tuple[str, str], ...]  # category -> anchor of its first cause
    tags: tuple[str, ...]
    related: tuple[tuple[str, str | None], ...]  # (incident id, relation)
    items_open: int
    items_total: int
    # When it ended (resolved, else mitigated), ISO in UTC; "" while ongoing or unknown.
    ended: str
    # Its open action items: (id, title, owner, due as YYYY-MM-DD), owner and due possibly
    # None or "unknown".
    open_items: tuple[tuple[str, str, str | None, str | None], ...]

    def anchor_of(self, category: str) -> str:
        """``#rc-2``: where the report explains ``category`` ("" if it does not)."""
        for name, anchor in self.category_anchors:
            if name == category:
                return f"#{anchor}"
        return ""

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Summary | None:
        """A summary read back from the cache; None when it is not one (the cache is
        untrusted input: a summary of another shape is parsed again, never trusted)."""
        if not isinstance(data, dict) or set(data) != _FIELDS:
            return None
        try:
            values = {name: convert(data[name]) for name, convert in _CONVERT.items()}
        except (TypeError, ValueError):
            return None
        if values["severity"] not in (*SEVERITIES, UNKNOWN) or values["status"] not in STATUSES \
                or values["language"] not in LANGUAGES:
            return None
        return cls(**values)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError(value)
    return tuple(_text(v) for v in value)


def _pairs(second: Any) -> Any:
    def convert(value: Any) -> tuple[tuple[str, Any], ...]:
        if not isinstance(value, list) or any(not isinstance(p, list) or len(p) != 2
                                               for p in value):
            raise TypeError(value)
        return tuple((_text(a), second(b)) for a, b in value)
    return convert


def _optional(value: Any) -> str | None:
    return None if value is None else _text(value)


def _date(value: Any) -> str:
    """An ISO date, as the summaries' readers take it apart (ValueError otherwise)."""
    dt.date.fromisoformat(_text(value))
    return str(value)


def _due(value: Any) -> str | None:
    return value if value is None or value == UNKNOWN else _date(value)


def _items(value: Any) -> tuple[tuple[str, str, str | None, str | None], ...]:
    if not isinstance(value, list) or any(not isinstance(v, list) or len(v) != 4
                                           for v in value):
        raise TypeError(value)
    return tuple((_text(a), _text(b), _optional(c), _due(d)) for a, b, c, d in value)


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise TypeError(value)
    return value


def _minutes(value: Any) -> float | None:
    if value is None:
        return None
    if type(value) not in (int, float) or not math.isfinite(value):
        raise TypeError(value)
    return float(value)


_CONVERT: dict[str, Any] = {
    "id": _text, "title": _text, "date": _date, "started": _text, "severity": _text,
    "status": _text,
    "language": _text, "duration_minutes": _minutes, "source": _text, "report": _text,
    "categories": _texts, "category_anchors": _pairs(_text), "tags": _texts,
    "related": _pairs(lambda v: v if v is None else _text(v)), "items_open": _count,
    "items_total": _count, "ended": _text, "open_items": _items,
}
_FIELDS = frozenset(f.name for f in dataclasses.fields(Summary))
assert set(_CONVERT) == _FIELDS, "every summary field needs its converter"
# The cache's version follows from the summary's shape: a changed field makes old caches
# unreadable instead of wrong.
SHAPE = hashlib.sha256(json.dumps([[f.name, str(f.type)] for f in dataclasses.fields(Summary)]
                                  ).encode()).hexdigest()[:12]


def language_of(incident: Incident, config: Config) -> str:
    return incident.language or config.language


def summarize(incident: Incident, config: Config, rel: str, report_rel: str) -> Summary:
    """The summary of a valid incident."""
    from postmortem.format.timing import (
        duration_minutes,
        end_of,
        incident_zone,
        milestones,
        start_instant,
    )
    from postmortem.reports.anchors import root_cause_anchor

    tz = incident_zone(incident, config)
    end = end_of(milestones(incident, tz)) if incident.resolved != UNKNOWN else None

    anchors: dict[str, str] = {}
    for index, cause in enumerate(incident.root_causes):
        if cause.category:
            anchors.setdefault(cause.category, root_cause_anchor(index))
    return Summary(
        id=incident.id, title=incident.title, date=incident.date.isoformat(),
        started=_iso(start_instant(incident, tz)),
        severity=incident.severity, status=incident.status,
        language=language_of(incident, config),
        duration_minutes=duration_minutes(incident, config), source=rel, report=report_rel,
        categories=tuple(sorted(anchors)), category_anchors=tuple(sorted(anchors.items())),
        tags=tuple(incident.tags),
        related=tuple((r.incident, r.relation) for r in incident.related if r.incident),
        items_open=sum(1 for i in incident.action_items if i.is_open),
        items_total=len(incident.action_items),
        ended=_iso(end.instant) if end is not None else "",
        open_items=tuple((i.id, i.title, i.owner, str(i.due) if i.due is not None else None)
                         for i in incident.action_items if i.is_open))


def _iso(instant: dt.datetime) -> str:
    """An instant in UTC as text that sorts as the instants do."""
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _problems(rel: str, data: Any) -> list[Problem]:
    """Problems read back from the cache (each a list of their fields after the path)."""
    if not isinstance(data, list):
        raise TypeError(data)
    out = []
    for row in data:
        if not (isinstance(row, list) and len(row) == 6 and type(row[0]) is int
                and type(row[1]) is int and row[2] in ("error", "warning")
                and all(isinstance(v, str) for v in row[3:])):
            raise TypeError(row)
        out.append(Problem(rel, row[0], row[1], row[2], row[3], row[4], row[5]))
    return out


class SummaryCache:
    """Summaries of valid incident files, with the warnings found in them, by path and content
    digest; kept in the repository's git folder between runs. Anything unexpected in the
    file is ignored, never trusted."""

    NAME = "render-cache.json"

    def __init__(self, config: Config, fingerprint: str) -> None:
        from postmortem.history.git import state_dir

        folder = state_dir(config.root)
        self.path: Path | None = folder / self.NAME if folder else None
        self._incidents, self._reports = (
            "" if rel == "." else rel + "/"
            for rel in (config.rel(config.incidents_dir), config.rel(config.reports_dir)))
        # The cache keeps each file's findings as the rules were selected then.
        checks = json.dumps([config.select, config.ignore, config.per_file_ignores,
                             config.severity, config.required_sections])
        self.fingerprint = f"{fingerprint}:{SHAPE}:{hashlib.sha1(checks.encode()).hexdigest()}"
        self.entries: dict[str, tuple[str, Summary, list[Problem]]] = {}
        self._whole = False  # the file holds exactly ``entries``
        self._load()

    def _load(self) -> None:
        if self.path is None:
            return
        try:
            cache = json.loads(read_regular(self.path))
        except (Refused, OSError, ValueError):
            return
        if not isinstance(cache, dict) or cache.get("fingerprint") != self.fingerprint:
            return
        files = cache.get("files")
        if not isinstance(files, dict):
            return
        for rel, entry in files.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("sha"), str):
                continue
            summary = Summary.from_json(entry.get("summary"))
            try:
                problems = _problems(rel, entry.get("problems"))
            except TypeError:
                continue
            # A valid file's id is its name (`check` insists), its summary names it and
            # where its report goes.
            if summary is not None and summary.source == rel \
                    and summary.id == rel.rpartition("/")[2].removesuffix(".yaml") \
                    and summary.report == self._report(rel):
                self.entries[rel] = (entry["sha"], summary, problems)
        self._whole = len(self.entries) == len(files)

    def _report(self, rel: str) -> str | None:
        """Where the report of the incident file ``rel`` goes (as reports.paths.report_path
        puts it, for a file in the incidents folder), by string: no path is built."""
        if not rel.startswith(self._incidents) or not rel.endswith(".yaml"):
            return None
        return f"{self._reports}{rel[len(self._incidents):-len('.yaml')]}.md"

    def get(self, rel: str, sha: str) -> tuple[Summary, list[Problem]] | None:
        """The summary and the problems of the file at ``rel`` when it still has ``sha``."""
        entry = self.entries.get(rel)
        return (entry[1], entry[2]) if entry is not None and entry[0] == sha else None

    def save(self, summaries: dict[str, tuple[str, Summary, list[Problem]]]) -> None:
        """Replace the cache with ``summaries`` (path -> (sha, summary, problems))."""
        from postmortem.atomic import WriteError, write_text_atomic

        if self.path is None or (self._whole and summaries == self.entries):
            return  # nothing changed: a render with nothing to do writes nothing
        files = {rel: {"sha": sha, "summary": s.to_json(),
                       "problems": [[p.line, p.col, p.severity, p.field, p.message, p.code]
                                    for p in problems]}
                 for rel, (sha, s, problems) in summaries.items()}
        try:
            self.path.parent.mkdir(exist_ok=True)
            write_text_atomic(self.path, json.dumps(
                {"fingerprint": self.fingerprint, "files": files}, sort_keys=True,
                separators=(",", ":")))
        except (OSError, WriteError):
            pass  # the cache only saves time; a read-only .git must not fail the render
