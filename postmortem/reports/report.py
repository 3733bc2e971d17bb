"""One incident as the data its report template shows: labels, markers, cells, durations.

Each section has its own builder; the template only lays their values out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from postmortem.config import Config
from postmortem.format.model import Incident
from postmortem.format.times import show
from postmortem.format.timing import Moment, end_of, incident_zone, milestones
from postmortem.format.vocabulary import SECTION_KEYS
from postmortem.reports.anchors import (
    free_section_anchor,
    item_anchor,
    root_cause_anchor,
    section_anchor,
)
from postmortem.reports.labels import Marks
from postmortem.reports.links import CLASSES_ANCHOR, Links
from postmortem.reports.markdown import is_address, lines, md_link, starts_block
from postmortem.reports.paths import relative_link
from postmortem.reports.summary import language_of


def format_duration(minutes: float, L: dict[str, str]) -> str:
    total = round(minutes * 60)
    # `check` makes a milestone before `started` an error, and reports are made of valid
    # incidents only: a negative duration here is a bug, never something to print.
    assert total >= 0, minutes
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
    return " ".join(parts)


def figure(item: str | dict[str, str]) -> dict[str, str | None]:
    """A `Label: value` line (a one-key mapping) or a plain one."""
    if isinstance(item, dict):
        ((label, value),) = item.items()
        return {"label": label, "value": value}
    return {"label": None, "value": item}


@dataclass(frozen=True)
class _Report:
    """What every section builder needs: the incident, its labels and its links."""

    incident: Incident
    marks: Marks
    links: Links
    zone: dt.tzinfo  # of times without an offset
    times: dict[str, Moment]  # the milestones

    @property
    def L(self) -> dict[str, str]:
        return self.marks.L

    def shown(self, text: str) -> str:
        """A time of the incident as shown: with its zone where it differs from the start's."""
        return show(text, self.incident.date, self.zone, self.times["started"].zone)


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
            status.append(entry.note)
        elif entry.outcome and not r.marks.emoji:
            status.append(entry.outcome)
        rows.append({"at": r.shown(entry.at), "event": entry.event, "status": " ".join(status)})
    return {"rows": rows}


def _root_causes(r: _Report) -> Block:
    if not r.incident.root_causes:
        return None
    return {"causes": [
        {"anchor": root_cause_anchor(i), "level": r.L[f"level_{rc.level}"], "title": rc.title,
         "category": rc.category, "description": rc.description}
        for i, rc in enumerate(r.incident.root_causes)]}


def _parts(key: str) -> Callable[[_Report], Block]:
    """Sections that are a list of titled texts."""
    def build(r: _Report) -> Block:
        parts = getattr(r.incident, key)
        return {"parts": parts} if parts else None
    return build


def _impact(r: _Report) -> Block:
    impact = r.incident.impact
    if not impact:
        return None
    groups = []
    for kind in ("user", "business", "technical"):
        group = getattr(impact, kind)
        if group is not None:
            groups.append({"title": group.title or r.L[f"impact_{kind}"],
                           "figures": [figure(f) for f in group.figures],
                           "notes": group.notes})
    return {"summary": impact.summary, "groups": groups}


def _fixes(r: _Report) -> Block:
    if not r.incident.fixes:
        return None
    return {"fixes": [
        {"number": i + 1, "title": fix.title, "status": fix.status,
         "at": r.shown(fix.at) if fix.at else None, "description": fix.description,
         "commands": fix.commands, "language": fix.language, "result": fix.result,
         "result_block": bool(fix.result and starts_block(fix.result)),
         "verification": fix.verification}
        for i, fix in enumerate(r.incident.fixes)]}


def _verification(r: _Report) -> Block:
    if not r.incident.verification:
        return None
    return {"steps": [
        {"title": step.title + (f" ({r.L['phase_' + step.phase]})" if step.phase else ""),
         "description": step.description, "commands": step.commands, "output": step.output,
         "result": step.result} for step in r.incident.verification]}


def _prevention(r: _Report) -> Block:
    if not r.incident.prevention:
        return None
    return {"measures": [
        {"number": i + 1, "title": m.title, "body": m.body,
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
        {"title": lessons.went_wrong_title or r.L["went_wrong"],
         "entries": [marker("went_wrong") + t for t in lessons.went_wrong]},
        {"title": lessons.went_well_title or r.L["went_well"],
         "entries": [marker("went_well") + t for t in lessons.went_well]},
        {"title": r.L["lucky"], "entries": [marker("lucky") + t for t in lessons.lucky]},
    ]
    return {"groups": [g for g in groups if g["entries"]], "notes": lessons.notes}


def _action_items(r: _Report) -> Block:
    if not r.incident.action_items:
        return None
    return {"entries": [
        {"anchor": item_anchor(item.id), "id": item.id,
         "title": item.title + (_item_link(item.link) if item.link else "")
         + (f"\n{item.note}" if item.note else ""),
         "priority": r.marks.mark(f"severity_{item.priority}"),
         "owner": item.owner or "—", "status": r.marks.mark(f"item_{item.status}"),
         "due": item.due.isoformat() if item.due else "—"}
        for item in r.incident.action_items]}


def _item_link(link: str) -> str:
    """An item's tracker reference: a link where it is an address, else its text."""
    return f" ([link]({link}))" if is_address(link) else f" ({link})"


def _next_steps(r: _Report) -> Block:
    if not r.incident.next_steps:
        return None
    return {"groups": [
        {"title": g.title or (r.L[f"horizon_{g.horizon}"] if g.horizon else r.L["next_steps"]),
         "entries": [{"done": False, "text": i} if isinstance(i, str)
                     else {"done": i.done, "text": i.text} for i in g.items]}
        for g in r.incident.next_steps]}


def _sign_off(r: _Report) -> Block:
    sign_off = r.incident.sign_off
    if not sign_off:
        return None
    return {"fields": [figure(f) for f in sign_off.fields], "body": sign_off.body}


def _related(r: _Report) -> Block:
    links = r.links
    documents = [
        {"title": d.title, "url": d.url, "note": d.note, "relation": d.relation,
         "code": bool(d.url and d.url.startswith("/"))}
        for d in r.incident.related if d.incident is None]
    if not (documents or links.related or links.referenced_by or links.similar):
        return None
    return {"documents": documents, **_link_view(links, r.marks)}


def _link_view(links: Links, marks: Marks) -> dict[str, Any]:
    """The related-incident parts of a report, as the template shows them."""
    L = marks.L

    def show(entry: dict[str, Any]) -> dict[str, Any]:
        return {**entry, "link": md_link(entry["title"], entry["url"]),
                "severity": marks.mark(f"severity_{entry['severity']}")}

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


def _span(start: Moment, end: Moment) -> str:
    """Start and end with the zone (``11:16 - 12:20 CEST``, an en dash in the report); each
    end with its own zone where they differ, and with dates where the days differ."""
    same_day = start.local.date() == end.local.date()
    fmt = "%H:%M" if same_day else "%Y-%m-%d %H:%M"
    if start.zone == end.zone:
        return f"{start.clock(fmt)} – {end.clock(fmt)} {start.zone}".strip()
    return f"{start.clock(fmt)} {start.zone} – {end.clock(fmt)} {end.zone}"


def _header(r: _Report) -> dict[str, Any]:
    incident, marks, L = r.incident, r.marks, r.L
    start, end = r.times["started"], end_of(r.times)
    if end is not None:
        minutes = (end.instant - start.instant).total_seconds() / 60
        duration = f"{format_duration(minutes, L)} ({_span(start, end)})"
    else:
        duration = f"{L['ongoing']} ({start.clock()} {start.zone})"
    primary = next((rc for rc in incident.root_causes if rc.level == "primary"), None)
    extra = [figure(f) for f in incident.header]
    header: dict[str, Any] = {
        "title": f"{L['report_title']}: {incident.title} ({incident.date.isoformat()})",
        "status": marks.mark(f"status_{incident.status}"),
        "severity": marks.mark(f"severity_{incident.severity}")
        + (f" ({incident.severity_note})" if incident.severity_note else ""),
        "duration": duration,
        "root_cause": incident.root_cause_summary or (primary.title if primary else None),
        "extra": extra,
    }
    rows: list[dict[str, str | None]] = [{"label": L["status"], "value": header["status"]},
            {"label": L["severity"], "value": header["severity"]},
            {"label": L["duration"], "value": duration}]
    if header["root_cause"]:
        rows.append({"label": L["root_cause"], "value": header["root_cause"]})
    header["block"] = _block([*rows, *extra])
    return header


def _block(rows: list[dict[str, str | None]]) -> str:
    """``**Label**: value`` rows (or plain ones), each on its own line as GitHub shows it."""
    return lines([f"**{r['label']}**: {r['value']}" if r["label"] else str(r["value"])
                  for r in rows])


def _footer(incident: Incident, marks: Marks, status: str) -> list[dict[str, str | None]]:
    L = marks.L
    footer: list[dict[str, str | None]] = []
    if incident.report_created:
        footer.append({"label": L["report_created"], "value": incident.report_created})
    if incident.authors:
        footer.append({"label": L["author"] if len(incident.authors) == 1 else L["authors"],
                       "value": ", ".join(incident.authors)})
    footer.append({"label": L["status"], "value": status})
    footer.extend(figure(f) for f in incident.footer)
    if incident.tags:
        footer.append({"label": L["tags"], "value": ", ".join(f"`{t}`" for t in incident.tags)})
    return footer


def report_context(incident: Incident, config: Config, source_rel: str, report_path: str,
                   links: Links | None = None) -> dict[str, Any]:
    """Everything the report template needs, computed here so the template stays simple."""
    marks = Marks.of(language_of(incident, config), config.emoji)
    tz = incident_zone(incident, config)
    r = _Report(incident, marks, links or Links(), tz, milestones(incident, tz))
    free: dict[str, list[dict[str, str]]] = {}
    for section in incident.sections:
        free.setdefault(section.after or "appendices", []).append(
            {"anchor": free_section_anchor(section.title), "title": section.title,
             "body": section.body})
    sections = []
    for key in SECTION_KEYS:
        builder = BUILDERS.get(key)
        block = builder(r) if builder else None
        if block is not None:
            default = marks.L[_HEADING_LABELS.get(key, key)]
            title = incident.titles.get(key, default)  # type: ignore[call-overload]
            sections.append({"key": key, "anchor": section_anchor(key),
                             "heading": marks.heading(key, title), **block})
        sections.extend({"key": "free", **extra} for extra in free.get(key, []))
    header = _header(r)
    footer = _footer(incident, marks, header["status"])
    return {"incident": incident, "L": marks.L, "header": header, "sections": sections,
            "footer": footer, "footer_block": _block(footer), "source": source_rel,
            "source_link": relative_link(report_path, source_rel), "emoji": config.emoji}
