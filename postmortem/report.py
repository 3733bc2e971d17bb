"""One incident as the data its report template shows: labels, markers, cells, durations."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from postmortem.anchors import free_section_anchor, item_anchor, root_cause_anchor, section_anchor
from postmortem.config import Config
from postmortem.labels import EMOJI, labels
from postmortem.model import SECTION_KEYS, Incident
from postmortem.rules import incident_zone, milestones
from postmortem.timeutil import clock


@dataclass
class Links:
    """What other incidents contribute to a report (filled in by the link graph)."""

    related: list[dict[str, Any]] = field(default_factory=list)
    referenced_by: list[dict[str, Any]] = field(default_factory=list)
    similar: list[dict[str, Any]] = field(default_factory=list)
    recurring: list[dict[str, Any]] = field(default_factory=list)
    similar_more: bool = False  # more similar incidents than a report lists (see the index)
    index: str | None = None  # the index, relative to this report


def language_of(incident: Incident, config: Config) -> str:
    return incident.language or config.language


def duration_minutes(incident: Incident, config: Config) -> float | None:
    """Minutes from started to resolved (or mitigated), None while neither is known."""
    times = milestones(incident, incident_zone(incident, config))
    end = times.get("resolved") or times.get("mitigated")
    if end is None:
        return None
    return (end - times["started"]).total_seconds() / 60


def format_duration(minutes: float, language: str) -> str:
    L = labels(language)
    total = round(minutes * 60)
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    mins, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(f"{days} {L['unit_day']}")
    if hours:
        parts.append(f"{hours} {L['unit_hour']}")
    if mins or (not parts and not secs):
        parts.append(f"{mins} {L['unit_minute']}")
    if secs and not days:
        parts.append(f"{secs} {L['unit_second']}")
    return sign + " ".join(parts)


class _View:
    def __init__(self, incident: Incident, config: Config) -> None:
        self.incident = incident
        self.language = language_of(incident, config)
        self.L = labels(self.language)
        self.emoji = config.emoji

    def mark(self, key: str, text: str | None = None) -> str:
        """``✅ RESOLVED`` with emoji, ``RESOLVED`` without; ``text`` defaults to the label."""
        words = self.L[key] if text is None else text
        icon = EMOJI.get(key, "") if self.emoji else ""
        return f"{icon} {words}".strip() if words else icon

    def heading(self, key: str, text: str) -> str:
        icon = EMOJI.get(f"h_{key}", "") if self.emoji else ""
        return f"{icon} {text}" if icon else text


def _figure(item: str | dict[str, str]) -> dict[str, str | None]:
    if isinstance(item, dict):
        ((label, value),) = item.items()
        return {"label": label, "value": value}
    return {"label": None, "value": item}


def report_context(incident: Incident, config: Config, source_rel: str, report_path: str,
                   links: Links | None = None) -> dict[str, Any]:
    """Everything the report template needs, computed here so the template stays simple."""
    links = links or Links()
    v = _View(incident, config)
    L = v.L
    tz = incident_zone(incident, config)
    times = milestones(incident, tz)

    duration = None
    minutes = duration_minutes(incident, config)
    start = times["started"]
    end = times.get("resolved") or times.get("mitigated")
    zone_name = start.tzname() or ""
    if minutes is not None and end is not None:
        same_day = start.date() == end.date()
        fmt = "%H:%M" if same_day else "%Y-%m-%d %H:%M"
        span = f"{start.strftime(fmt)} – {end.strftime(fmt)} {zone_name}".strip()
        duration = f"{format_duration(minutes, v.language)} ({span})"
    else:
        duration = f"{L['ongoing']} ({L.get('since', '')}{start.strftime('%H:%M')} {zone_name})"

    primary = next((rc for rc in incident.root_causes if rc.level == "primary"), None)
    header = {
        "title": f"{L['report_title']}: {incident.title} ({incident.date.isoformat()})",
        "status": v.mark(f"status_{incident.status}"),
        "severity": v.mark(f"severity_{incident.severity}")
        + (f" ({incident.severity_note})" if incident.severity_note else ""),
        "duration": duration,
        "root_cause": incident.root_cause_summary or (primary.title if primary else None),
        "extra": [_figure(f) for f in incident.header],
    }

    blocks: dict[str, dict[str, Any] | None] = {key: None for key in SECTION_KEYS}
    if incident.summary:
        blocks["summary"] = {"text": incident.summary}
    if incident.timeline:
        rows = []
        for entry in incident.timeline:
            status = []
            if entry.outcome and v.emoji:
                status.append(EMOJI[f"outcome_{entry.outcome}"])
            if entry.note:
                status.append(entry.note)
            elif entry.outcome and not v.emoji:
                status.append(entry.outcome)
            rows.append({"at": clock(entry.at), "event": entry.event, "status": " ".join(status)})
        blocks["timeline"] = {"rows": rows}
    if incident.root_causes:
        blocks["root_causes"] = {"causes": [
            {"anchor": root_cause_anchor(i), "level": L[f"level_{rc.level}"], "title": rc.title,
             "category": rc.category, "description": rc.description}
            for i, rc in enumerate(incident.root_causes)]}
    if incident.technical_details:
        blocks["technical_details"] = {"parts": incident.technical_details}
    if incident.impact:
        groups = []
        for kind in ("user", "business", "technical"):
            group = getattr(incident.impact, kind)
            if group is not None:
                groups.append({"title": group.title or L[f"impact_{kind}"],
                               "figures": [_figure(f) for f in group.figures],
                               "notes": group.notes})
        blocks["impact"] = {"summary": incident.impact.summary, "groups": groups}
    if incident.fixes:
        blocks["fixes"] = {"fixes": [
            {"number": i + 1, "title": fix.title, "status": fix.status,
             "at": clock(fix.at) if fix.at else None, "description": fix.description,
             "commands": fix.commands, "language": fix.language, "result": fix.result,
             "verification": fix.verification}
            for i, fix in enumerate(incident.fixes)]}
    if incident.verification:
        blocks["verification"] = {"steps": [
            {"title": step.title + (f" ({L['phase_' + step.phase]})" if step.phase else ""),
             "description": step.description, "commands": step.commands, "output": step.output,
             "result": step.result} for step in incident.verification]}
    if incident.prevention:
        blocks["prevention"] = {"measures": [
            {"number": i + 1, "title": m.title, "body": m.body,
             "status": v.mark(f"measure_{m.status}") if m.status else None}
            for i, m in enumerate(incident.prevention)]}
    if incident.monitoring:
        blocks["monitoring"] = {"parts": incident.monitoring}
    lessons = incident.lessons
    if lessons and (lessons.went_wrong or lessons.went_well or lessons.lucky or lessons.notes):
        def marker(key: str) -> str:
            return EMOJI[key] + " " if v.emoji else ""

        groups = [
            {"title": lessons.went_wrong_title or L["went_wrong"],
             "entries": [marker("went_wrong") + t for t in lessons.went_wrong]},
            {"title": lessons.went_well_title or L["went_well"],
             "entries": [marker("went_well") + t for t in lessons.went_well]},
            {"title": L["lucky"], "entries": [marker("lucky") + t for t in lessons.lucky]},
        ]
        blocks["lessons"] = {"groups": [g for g in groups if g["entries"]], "notes": lessons.notes}
    if incident.action_items:
        blocks["action_items"] = {"entries": [
            {"anchor": item_anchor(item.id), "id": item.id,
             "title": item.title + (f" ([link]({item.link}))" if item.link else "")
             + (f"\n{item.note}" if item.note else ""),
             "priority": v.mark(f"severity_{item.priority}"),
             "owner": item.owner or "—", "status": v.mark(f"item_{item.status}"),
             "due": item.due.isoformat() if item.due else "—"}
            for item in incident.action_items]}
    if incident.next_steps:
        blocks["next_steps"] = {"groups": [
            {"title": g.title or (L[f"horizon_{g.horizon}"] if g.horizon else L["next_steps"]),
             "entries": [{"done": False, "text": i} if isinstance(i, str)
                         else {"done": i.done, "text": i.text} for i in g.items]}
            for g in incident.next_steps]}
    if incident.sign_off:
        blocks["sign_off"] = {"fields": [_figure(f) for f in incident.sign_off.fields],
                              "body": incident.sign_off.body}
    if incident.appendices:
        blocks["appendices"] = {"parts": incident.appendices}
    documents = [
        {"title": r.title, "url": r.url, "note": r.note, "relation": r.relation,
         "code": bool(r.url and r.url.startswith("/"))}
        for r in incident.related if r.incident is None]
    if documents or links.related or links.referenced_by or links.similar:
        from postmortem.links import link_view

        blocks["related"] = {"documents": documents, **link_view(links, L, v.mark)}

    free: dict[str, list[dict[str, str]]] = {}
    for section in incident.sections:
        free.setdefault(section.after or "appendices", []).append(
            {"anchor": free_section_anchor(section.title), "title": section.title,
             "body": section.body})

    sections = []
    for key in SECTION_KEYS:
        block = blocks[key]
        if block is not None:
            default = {"verification": L["resolution_verification"],
                       "appendices": L["appendix"]}.get(key) or L[key]
            title = incident.titles.get(key, default)  # type: ignore[call-overload]
            sections.append({"key": key, "anchor": section_anchor(key),
                             "heading": v.heading(key, title), **block})
        for extra in free.get(key, []):
            sections.append({"key": "free", **extra})

    footer: list[dict[str, str | None]] = []
    if incident.report_created:
        footer.append({"label": L["report_created"], "value": incident.report_created})
    if incident.authors:
        footer.append({"label": L["author"] if len(incident.authors) == 1 else L["authors"],
                       "value": ", ".join(incident.authors)})
    footer.append({"label": L["status"], "value": str(header["status"])})
    footer.extend(_figure(f) for f in incident.footer)
    if incident.tags:
        footer.append({"label": L["tags"], "value": ", ".join(f"`{t}`" for t in incident.tags)})

    return {"incident": incident, "L": L, "header": header, "sections": sections,
            "footer": footer, "source": source_rel,
            "source_link": relative_link(report_path, source_rel),
            "emoji": v.emoji}


def relative_link(from_file: str, to_file: str) -> str:
    """A link from one generated file to another, both given relative to the root."""
    return os.path.relpath(to_file, os.path.dirname(from_file) or ".").replace(os.sep, "/")


