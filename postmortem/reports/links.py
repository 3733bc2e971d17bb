"""The link graph between incidents: related, referenced by, similar, recurring classes, index."""

from __future__ import annotations

import hashlib
import json
import statistics
from dataclasses import dataclass, field
from typing import Any

from postmortem.format.vocabulary import ENDED_STATUSES, SEVERITIES, UNKNOWN
from postmortem.reports.anchors import class_anchor, item_anchor, section_anchor, tag_anchor
from postmortem.reports.followups import FollowUp, FollowUps
from postmortem.reports.paths import relative_link
from postmortem.reports.summary import Summary

# A report lists at most this many similar incidents (newest first): with thousands of
# incidents in one failure class, the full list belongs in the index, and capping it keeps
# linking linear in the number of incidents.
SIMILAR_LIMIT = 10

ALL_ANCHOR = section_anchor("all_incidents")
TAGS_ANCHOR = section_anchor("by_tag")
CLASSES_ANCHOR = section_anchor("recurring_failure_classes")
TOTALS_ANCHOR = section_anchor("totals_by_severity")


@dataclass
class Links:
    """What other incidents contribute to a report (filled in by the link graph)."""

    related: list[dict[str, Any]] = field(default_factory=list)
    referenced_by: list[dict[str, Any]] = field(default_factory=list)
    similar: list[dict[str, Any]] = field(default_factory=list)
    recurring: list[dict[str, Any]] = field(default_factory=list)
    similar_more: bool = False  # more similar incidents than a report lists (see the index)
    # action items of earlier incidents of its failure classes, open on its date: the first
    # few (followups.SHOWN), most overdue first, and how many there are in all
    follow_ups: list[dict[str, Any]] = field(default_factory=list)
    follow_ups_total: int = 0
    index: str | None = None  # the index, relative to this report


def newest_first(summaries: dict[str, Summary]) -> list[str]:
    """Incident ids, newest first: by the instant each started (two of one day in time
    order, whatever their ids), then by id, so that the order is deterministic."""
    return sorted(summaries, key=lambda key: (summaries[key].started, key), reverse=True)


def _categories(summaries: dict[str, Summary], order: list[str]) -> dict[str, list[str]]:
    """category -> ids of its incidents, newest first."""
    groups: dict[str, list[str]] = {}
    for key in order:
        for category in summaries[key].categories:
            groups.setdefault(category, []).append(key)
    return groups


def _entry(summary: Summary, from_report: str, fragment: str = "") -> dict[str, Any]:
    """What a report shows of another incident; ``url`` is relative to ``from_report``."""
    return {"id": summary.id, "title": summary.title, "date": summary.date,
            "severity": summary.severity,
            "url": relative_link(from_report, summary.report) + fragment}


class LinkGraph:
    """The links of every incident, from the cached summaries alone.

    Built in one sort plus work proportional to each incident's references and categories.
    A no-op render only needs each report's ``digest``, made of short strings computed once
    per incident, per failure class and per set of classes; the ``links`` a template shows
    are built only for the reports that are rendered.
    """

    def __init__(self, summaries: dict[str, Summary], index_rel: str | None = None) -> None:
        self.summaries = summaries
        self.index_rel = index_rel
        order = newest_first(summaries)
        self._rank = {key: position for position, key in enumerate(order)}
        self._groups = _categories(summaries, order)
        self._related: dict[str, list[tuple[str, str | None]]] = {}
        self._referenced_by: dict[str, list[tuple[str, str | None]]] = {}
        for key in order:  # newest first, so back-links arrive newest first too
            for target, relation in summaries[key].related:
                if target in summaries and target != key:  # else `check` reports it
                    self._related.setdefault(key, []).append((target, relation))
                    self._referenced_by.setdefault(target, []).append((key, relation))
        self._shown: dict[str, str] = {}
        self._pools: dict[tuple[str, ...], tuple[list[str], str]] = {}
        self._classes: dict[str, str] = {}
        self._follow_ups = FollowUps(summaries.values())

    def shown(self, key: str) -> str:
        """A digest of everything other reports show of ``key``: part of their digests."""
        text = self._shown.get(key)
        if text is None:
            s = self.summaries[key]
            text = json.dumps([key, s.title, s.date, s.started, s.severity, s.report,
                               s.categories,
                               s.category_anchors], ensure_ascii=False)
            text = hashlib.sha1(text.encode()).hexdigest()[:16]
            self._shown[key] = text
        return text

    def _pool(self, categories: tuple[str, ...]) -> tuple[list[str], str]:
        """The newest SIMILAR_LIMIT+2 incidents of any of ``categories`` (one of them may be the
        asking incident; the extra one tells that there are more), and their digest. Shared by
        every incident with the same classes."""
        cached = self._pools.get(categories)
        if cached is None:
            candidates: set[str] = set()
            for category in categories:
                candidates.update(self._groups[category][: SIMILAR_LIMIT + 2])
            pool = sorted(candidates, key=self._rank.__getitem__)[: SIMILAR_LIMIT + 2]
            cached = pool, hashlib.sha1("".join(self.shown(k) for k in pool).encode()
                                        ).hexdigest()[:16]
            self._pools[categories] = cached
        return cached

    def _class(self, category: str) -> str:
        """Digest part of a recurring class: its size and its first incident."""
        text = self._classes.get(category)
        if text is None:
            members = self._groups[category]
            text = f"{category}:{len(members)}:{self.shown(members[-1])}" \
                if len(members) >= 2 else ""
            self._classes[category] = text
        return text

    def digest(self, key: str) -> str:
        """Changes whenever anything the report of ``key`` shows of other incidents does."""
        parts = [self.index_rel or ""]
        for tag, refs in (("r", self._related.get(key, ())),
                          ("b", self._referenced_by.get(key, ()))):
            parts.extend(f"{tag}{relation}\x1f{self.shown(other)}" for other, relation in refs)
        categories = self.summaries[key].categories
        if categories:
            parts.append(self._pool(categories)[1])
            parts.extend(self._class(c) for c in categories)
            follow_ups, total = self.follow_ups(key)
            parts.append(str(total))
            parts.extend(json.dumps([f.incident, f.id, f.title, f.owner, str(f.due),
                                     f.days_overdue, self.summaries[f.incident].report])
                         for f in follow_ups)
        return hashlib.sha256("\x1d".join(parts).encode()).hexdigest()[:16]

    def follow_ups(self, key: str) -> tuple[list[FollowUp], int]:
        """The first action items of earlier incidents of ``key``'s failure classes that
        were still open on its date (most overdue first), and how many there were."""
        return self._follow_ups.of(self.summaries[key])

    def links(self, key: str) -> Links:
        """What the report of ``key`` shows of other incidents, with links relative to it."""
        summaries = self.summaries
        summary = summaries[key]
        here = summary.report
        mine = Links()
        if self.index_rel is not None:
            mine.index = relative_link(here, self.index_rel)
        mine.related = [{**_entry(summaries[target], here), "relation": relation}
                        for target, relation in self._related.get(key, ())]
        mine.referenced_by = [{**_entry(summaries[source], here), "relation": relation}
                              for source, relation in self._referenced_by.get(key, ())]
        categories = summary.categories
        if not categories:
            return mine
        others = [k for k in self._pool(categories)[0] if k != key]
        mine.similar_more = len(others) > SIMILAR_LIMIT
        for other_key in others[:SIMILAR_LIMIT]:
            other = summaries[other_key]
            shared = [c for c in categories if c in other.categories]
            mine.similar.append({**_entry(other, here, other.anchor_of(shared[0])),
                                 "categories": shared})
        follow_ups, mine.follow_ups_total = self.follow_ups(key)
        mine.follow_ups = [
            {"incident": f.incident, "id": f.id, "title": f.title, "owner": f.owner,
             "due": f.due.isoformat() if f.due else None, "days_overdue": f.days_overdue,
             "url": relative_link(here, summaries[f.incident].report) + f"#{item_anchor(f.id)}"}
            for f in follow_ups]
        for category in categories:
            members = self._groups[category]
            if len(members) < 2:
                continue
            first = summaries[members[-1]]
            mine.recurring.append({
                "category": category, "count": len(members),
                "first": None if members[-1] == key
                else _entry(first, here, first.anchor_of(category)),
                "index_url": f"{mine.index}#{class_anchor(category)}" if mine.index else None,
            })
        return mine


def index_model(summaries: dict[str, Summary], index_rel: str) -> dict[str, Any]:
    """Everything the index shows, language-free: incidents newest first, tags, classes,
    totals. Built from the cached summaries only, so a no-op render never re-parses."""
    order = newest_first(summaries)

    def entry(key: str, fragment: str = "") -> dict[str, Any]:
        s = summaries[key]
        return {**_entry(s, index_rel, fragment), "status": s.status,
                "duration_minutes": s.duration_minutes, "items_open": s.items_open,
                "items_total": s.items_total}

    incidents = [entry(key) for key in order]
    tags: dict[str, list[str]] = {}
    for key in order:
        for tag in summaries[key].tags:
            bucket = tags.setdefault(tag, [])
            if not bucket or bucket[-1] != key:  # a tag listed twice in one file counts once
                bucket.append(key)
    classes = [
        {"category": category, "anchor": class_anchor(category), "count": len(members),
         "incidents": [entry(k, summaries[k].anchor_of(category)) for k in members]}
        for category, members in sorted(_categories(summaries, order).items(),
                                        key=lambda kv: (-len(kv[1]), kv[0]))
        if len(members) >= 2]

    # Every severity has its row; incidents not yet triaged get one only when there are any.
    resolve: dict[str, list[float]] = {s: [] for s in (*SEVERITIES, UNKNOWN)}
    counts = dict.fromkeys((*SEVERITIES, UNKNOWN), 0)
    for s in summaries.values():
        counts[s.severity] += 1
        # resolved/closed incidents have a `resolved` time (`check` insists), so their
        # duration is the time to resolve; a merely mitigated one is not resolved yet, and
        # one whose start or end is unknown has no duration.
        if s.status in ENDED_STATUSES and s.duration_minutes is not None:
            resolve[s.severity].append(s.duration_minutes)
    every = [m for values in resolve.values() for m in values]
    totals = [{"severity": sev, "count": counts[sev],
               "median_minutes": statistics.median(resolve[sev]) if resolve[sev] else None}
              for sev in counts if sev != UNKNOWN or counts[sev]]
    return {
        "incidents": incidents,
        "tags": [{"tag": tag, "anchor": tag_anchor(tag), "count": len(keys),
                  "incidents": [entry(k) for k in keys]} for tag, keys in sorted(tags.items())],
        "classes": classes,
        "totals": totals,
        "total": {"count": len(summaries),
                  "median_minutes": statistics.median(every) if every else None},
        "anchors": {"all": ALL_ANCHOR, "tags": TAGS_ANCHOR, "classes": CLASSES_ANCHOR,
                    "totals": TOTALS_ANCHOR},
    }
