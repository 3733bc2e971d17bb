"""One incident as the data its report template shows: labels, markers, cells, durations.

Each section has its own builder; the template only lays their values out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.times import clock
from postmortem.format.timing import duration_minutes, incident_zone, milestones
from postmortem.format.vocabulary import SECTION_KEYS
from postmortem.reports.anchors import (
    free_section_anchor,
    item_anchor,
    root_cause_anchor,
    section_anchor,
)
from postmortem.reports.labels import Marks
from postmortem.reports.links import CLASSES_ANCHOR, Links
from postmortem.reports.markdown import code, inline, md_link
from postmortem.reports.paths import relative_link
from postmortem.reports.summary import language_of


def format_duration(minutes: float, L: dict[str, str]) -> str:
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


def figure(item: str | dict[str, str]) -> dict[str, str | None]:
    """A `Label: value` line (a one-key mapping) or a plain one, as inline Markdown."""
    if isinstance(item, dict):
        ((label, value),) = item.items()
        return {"label": inline(label), "value": inline(value)}
    return {"label": None, "value": inline(item)}


@dataclass(frozen=True)
class _Report:
    """What every section builder needs: the incident, its labels and its links."""

    incident: Incident
    marks: Marks
    links: Links

    @property
    def L(self) -> dict[str, str]:
        return self.marks.L


Block = dict[str, Any] | None


def _summary(r: _Report) -> Block:
    return {"text": r.incident.summary} if r.incident.summary else None


def _timeline(r: _Report) -> Block:
    if not r.incident.timeline:
        return None
    rows = []
    for entry in r.incident.timeline:
        status = []
        if entry.outcome and r.marks.emoji:
            status.append(r.marks.icon(f"outcome_{entry.outcome}"))
        if entry.note:
            status.append(inline(entry.note))
        elif entry.outcome and not r.marks.emoji:
            status.append(entry.outcome)
        rows.append({"at": clock(entry.at), "event": inline(entry.event),
                     "status": " ".join(status)})
    return {"rows": rows}


def _root_causes(r: _Report) -> Block:
    if not r.incident.root_causes:
        return None
    return {"causes": [
        {"anchor": root_cause_anchor(i), "level": r.L[f"level_{rc.level}"],
         "title": inline(rc.title),
         "category": rc.category, "description": rc.description}
        for i, rc in enumerate(r.incident.root_causes)]}


def _parts(key: str) -> Callable[[_Report], Block]:
    """Sections that are a list of titled texts."""
    def build(r: _Report) -> Block:
        parts = getattr(r.incident, key)
        return {"parts": [{"title": inline(p.title), "body": p.body} for p in parts]} \
            if parts else None
    return build


def _impact(r: _Report) -> Block:
    impact = r.incident.impact
    if not impact:
        return None
    groups = []
    for kind in ("user", "business", "technical"):
        group = getattr(impact, kind)
        if group is not None:
            groups.append({"title": inline(group.title) if group.title
                           else r.L[f"impact_{kind}"],
                           "figures": [figure(f) for f in group.figures],
                           "notes": group.notes})
    return {"summary": impact.summary, "groups": groups}


def _fixes(r: _Report) -> Block:
    if not r.incident.fixes:
        return None
    return {"fixes": [
        {"number": i + 1, "title": inline(fix.title),
         "status": inline(fix.status) if fix.status else None,
         "at": clock(fix.at) if fix.at else None, "description": fix.description,
         "commands": fix.commands, "language": fix.language, "result": fix.result,
         "verification": fix.verification}
        for i, fix in enumerate(r.incident.fixes)]}


def _verification(r: _Report) -> Block:
    if not r.incident.verification:
        return None
    return {"steps": [
        {"title": inline(step.title) + (f" ({r.L['phase_' + step.phase]})" if step.phase
                                        else ""),
         "description": step.description, "commands": step.commands, "output": step.output,
         "result": step.result} for step in r.incident.verification]}


def _prevention(r: _Report) -> Block:
    if not r.incident.prevention:
        return None
    return {"measures": [
        {"number": i + 1, "title": inline(m.title), "body": m.body,
         "status": r.marks.mark(f"measure_{m.status}") if m.status else None}
        for i, m in enumerate(r.incident.prevention)]}


def _lessons(r: _Report) -> Block:
    lessons = r.incident.lessons
    if not lessons or not (lessons.went_wrong or lessons.went_well or lessons.lucky
                           or lessons.notes):
        return None

    def marker(key: str) -> str:
        icon = r.marks.icon(key)
        return icon + " " if icon else ""

    groups = [
        {"title": inline(lessons.went_wrong_title) if lessons.went_wrong_title
         else r.L["went_wrong"],
         "entries": [marker("went_wrong") + t for t in lessons.went_wrong]},
        {"title": inline(lessons.went_well_title) if lessons.went_well_title
         else r.L["went_well"],
         "entries": [marker("went_well") + t for t in lessons.went_well]},
        {"title": r.L["lucky"], "entries": [marker("lucky") + t for t in lessons.lucky]},
    ]
    return {"groups": [g for g in groups if g["entries"]], "notes": lessons.notes}


def _action_items(r: _Report) -> Block:
    if not r.incident.action_items:
        return None
    return {"entries": [
        {"anchor": item_anchor(item.id), "id": item.id,
         "title": inline(item.title) + (f" ({md_link('link', item.link)})" if item.link else "")
         + (f"\n{inline(item.note)}" if item.note else ""),
         "priority": r.marks.mark(f"severity_{item.priority}"),
         "owner": inline(item.owner) if item.owner else "—",
         "status": r.marks.mark(f"item_{item.status}"),
         "due": item.due.isoformat() if item.due else "—"}
        for item in r.incident.action_items]}


def _next_steps(r: _Report) -> Block:
    if not r.incident.next_steps:
        return None
    return {"groups": [
        {"title": inline(g.title) if g.title
         else r.L[f"horizon_{g.horizon}"] if g.horizon else r.L["next_steps"],
         "entries": [{"done": False, "text": inline(i)} if isinstance(i, str)
                     else {"done": i.done, "text": inline(i.text)} for i in g.items]}
        for g in r.incident.next_steps]}


def _sign_off(r: _Report) -> Block:
    sign_off = r.incident.sign_off
    if not sign_off:
        return None
    return {"fields": [figure(f) for f in sign_off.fields], "body": sign_off.body}


def _related(r: _Report) -> Block:
    links = r.links
    documents = [_document(d) for d in r.incident.related if d.incident is None]
    if not (documents or links.related or links.referenced_by or links.similar):
        return None
    return {"documents": documents, **_link_view(links, r.marks)}


def _document(d: Any) -> dict[str, Any]:
    """A related document: a link, or a path on a server shown as code, with its note."""
    title = inline(d.title) if d.title else None
    if d.url and d.url.startswith("/"):
        shown = code(d.url) + (f" - {title}" if title else "")
    elif d.url:
        shown = md_link(d.title or d.url, d.url)
    else:
        shown = title or ""
    return {"title": title, "url": d.url, "note": inline(d.note) if d.note else None,
            "relation": inline(d.relation) if d.relation else None, "shown": shown}


def _link_view(links: Links, marks: Marks) -> dict[str, Any]:
    """The related-incident parts of a report, as the template shows them."""
    L = marks.L

    def show(entry: dict[str, Any]) -> dict[str, Any]:
        shown = {**entry, "link": md_link(entry["title"], entry["url"]),
                 "severity": marks.mark(f"severity_{entry['severity']}")}
        if entry.get("relation"):
            shown["relation"] = inline(entry["relation"])
        return shown

    recurring = []
    for rec in links.recurring:
        category = f"`{rec['category']}`"
        first = rec["first"]
        recurring.append({
            **rec,
            "category": md_link(category, rec["index_url"]) if rec["index_url"] else category,
            "occurred": L["occurred_times"].format(count=rec["count"]),
            "first": L["this_incident"] if first is None
            else f"{md_link(first['title'], first['url'])} ({first['date']})",
        })
    similar = [{**show(s), "categories": ", ".join(f"`{c}`" for c in s["categories"])}
               for s in links.similar]
    more = None
    if links.similar_more and links.index:
        more = L["similar_more"].format(shown=len(links.similar),
                                        url=f"{links.index}#{CLASSES_ANCHOR}")
    return {
        "incidents": [show(x) for x in links.related],
        "referenced_by": [show(x) for x in links.referenced_by],
        "similar": similar,
        "recurring": recurring,
        "similar_more": more,
        "anchors": {"incidents": section_anchor("related_incidents"),
                    "referenced_by": section_anchor("referenced_by"),
                    "similar": section_anchor("similar_incidents")},
    }


# section key -> its builder; the header is built apart, since it is no section.
BUILDERS: dict[str, Callable[[_Report], Block]] = {
    "summary": _summary, "timeline": _timeline, "root_causes": _root_causes,
    "technical_details": _parts("technical_details"), "impact": _impact, "fixes": _fixes,
    "verification": _verification, "prevention": _prevention,
    "monitoring": _parts("monitoring"), "lessons": _lessons, "action_items": _action_items,
    "next_steps": _next_steps, "sign_off": _sign_off, "appendices": _parts("appendices"),
    "related": _related,
}
# Built-in headings that differ from the section's label key.
_HEADING_LABELS = {"verification": "resolution_verification", "appendices": "appendix"}


def _header(incident: Incident, config: Config, marks: Marks) -> dict[str, Any]:
    L = marks.L
    times = milestones(incident, incident_zone(incident, config))
    minutes = duration_minutes(incident, config)
    start = times["started"]
    end = times.get("resolved") or times.get("mitigated")
    zone_name = start.tzname() or ""
    if minutes is not None and end is not None:
        same_day = start.date() == end.date()
        fmt = "%H:%M" if same_day else "%Y-%m-%d %H:%M"
        span = f"{start.strftime(fmt)} – {end.strftime(fmt)} {zone_name}".strip()
        duration = f"{format_duration(minutes, L)} ({span})"
    else:
        duration = f"{L['ongoing']} ({start.strftime('%H:%M')} {zone_name})"
    primary = next((rc for rc in incident.root_causes if rc.level == "primary"), None)
    root_cause = incident.root_cause_summary or (primary.title if primary else None)
    return {
        "title": f"{L['report_title']}: {inline(incident.title)} ({incident.date.isoformat()})",
        "status": marks.mark(f"status_{incident.status}"),
        "severity": marks.mark(f"severity_{incident.severity}")
        + (f" ({inline(incident.severity_note)})" if incident.severity_note else ""),
        "duration": duration,
        "root_cause": inline(root_cause) if root_cause else None,
        "extra": [figure(f) for f in incident.header],
    }


def _footer(incident: Incident, marks: Marks, status: str) -> list[dict[str, str | None]]:
    L = marks.L
    footer: list[dict[str, str | None]] = []
    if incident.report_created:
        footer.append({"label": L["report_created"], "value": inline(incident.report_created)})
    if incident.authors:
        footer.append({"label": L["author"] if len(incident.authors) == 1 else L["authors"],
                       "value": ", ".join(inline(a) for a in incident.authors)})
    footer.append({"label": L["status"], "value": status})
    footer.extend(figure(f) for f in incident.footer)
    if incident.tags:
        footer.append({"label": L["tags"], "value": ", ".join(f"`{t}`" for t in incident.tags)})
    return footer


def report_context(incident: Incident, config: Config, source_rel: str, report_path: str,
                   links: Links | None = None) -> dict[str, Any]:
    """Everything the report template needs, computed here so the template stays simple."""
    marks = Marks.of(language_of(incident, config), config.emoji)
    r = _Report(incident, marks, links or Links())
    free: dict[str, list[dict[str, str]]] = {}
    for section in incident.sections:
        free.setdefault(section.after or "appendices", []).append(
            {"anchor": free_section_anchor(section.title), "title": inline(section.title),
             "body": section.body})
    sections = []
    for key in SECTION_KEYS:
        builder = BUILDERS.get(key)
        block = builder(r) if builder else None
        if block is not None:
            default = marks.L[_HEADING_LABELS.get(key, key)]
            title = incident.titles.get(key)  # type: ignore[call-overload]
            title = inline(title) if title else default
            sections.append({"key": key, "anchor": section_anchor(key),
                             "heading": marks.heading(key, title), **block})
        sections.extend({"key": "free", **extra} for extra in free.get(key, []))
    header = _header(incident, config, marks)
    return {"incident": incident, "L": marks.L, "header": header, "sections": sections,
            "footer": _footer(incident, marks, header["status"]), "source": source_rel,
            "source_link": relative_link(report_path, source_rel), "emoji": config.emoji}
