"""One incident as the data its report template shows: labels, markers, cells, durations.

Each section has its own builder; the template only lays their values out.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from postmortem.config import Config
from postmortem.format.model import (
    Check,
    Incident,
    Monitor,
    TitledText,
    Verification,
    VerificationStep,
)
from postmortem.format.times import show
from postmortem.format.timing import (
    Moment,
    end_of,
    impact_window,
    incident_zone,
    milestones,
    minutes_between,
)
from postmortem.format.vocabulary import CHECK_STATES, ROLES, SECTION_KEYS, UNKNOWN
from postmortem.reports.anchors import (
    free_section_anchor,
    issue_anchor,
    item_anchor,
    root_cause_anchor,
    section_anchor,
)
from postmortem.reports.labels import Marks
from postmortem.reports.links import CLASSES_ANCHOR, Links
from postmortem.reports.markdown import (
    code,
    inline,
    is_address,
    lines,
    md_link,
    starts_block,
    text_block,
)
from postmortem.reports.paths import relative_link
from postmortem.reports.summary import language_of
from postmortem.text import has_scheme


def _days_overdue(days: int, L: dict[str, str]) -> str:
    if days == 1:
        return L["day_overdue_then"]
    return L["days_overdue_then"].format(days=days) if days else "—"


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
    """A `Label: value` line (a one-key mapping) or a plain one, as inline Markdown."""
    if isinstance(item, dict):
        ((label, value),) = item.items()
        return {"label": inline(label), "value": inline(value)}
    return {"label": None, "value": inline(item)}


def labelled(label: str, text: str) -> str:
    """``**Label**: text``; text of several lines (a list, say) starts on the next line."""
    text = text.strip()
    return f"**{label}**:\n{text}" if "\n" in text else f"**{label}**: {text}"


@dataclass(frozen=True)
class _Report:
    """What every section builder needs: the incident, its labels, links and settings."""

    incident: Incident
    marks: Marks
    links: Links
    config: Config
    zone: dt.tzinfo  # of times without an offset
    times: dict[str, Moment]  # the milestones (those known)
    source_rel: str = ""  # the incident file, relative to the root
    report_rel: str = ""  # its report, relative to the root

    @property
    def L(self) -> dict[str, str]:
        return self.marks.L

    def known(self, value: str | None) -> str | None:
        """A value as shown: ``unknown`` in the report's language."""
        return self.L["unknown"] if value == UNKNOWN else value

    def checks(self, checks: Sequence[Check]) -> list[str]:
        """Points with a state: the state's marker (its word without emoji), then the text."""
        if self.marks.emoji:
            return [f"{self.marks.icon('check_' + c.state)} {inline(c.text)}" for c in checks]
        return [f"{self.L['check_' + c.state]}: {inline(c.text)}" for c in checks]

    def ticket(self, ref: str) -> str:
        """A tracker reference, linked where a configured tracker knows it."""
        url = self.config.ticket_url(ref)
        return md_link(ref, url) if url else inline(ref)

    def part(self, part: TitledText | Monitor) -> dict[str, Any]:
        """A titled part (technical detail, evidence, monitor, appendix) as the template
        lays it out."""
        lines = []
        targets: list[Check] = []
        if isinstance(part, Monitor):
            lines = [labelled(self.L[f"monitor_{key}"], text_block(text))
                     for key, text in (("check", part.check), ("alert", part.alert)) if text]
            targets = part.targets
            code, language = None, None
        else:
            targets, code, language = part.checks, part.code, part.language
        return {"title": inline(part.title), "body": part.body, "lines": lines,
                "checks": self.checks(targets), "code": code, "language": language or ""}

    def shown(self, text: str) -> str:
        """A time of the incident as shown: with its zone where it differs from the start's."""
        start = self.times.get("started")
        return show(text, self.incident.date, self.zone, start.zone if start else None)


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
        rows.append({"at": r.shown(entry.at), "event": inline(entry.event),
                     "status": " ".join(status)})
    return {"rows": rows}


def _root_causes(r: _Report) -> Block:
    if not r.incident.root_causes:
        return None
    return {"causes": [
        {"anchor": root_cause_anchor(i), "level": r.L[f"level_{rc.level}"],
         "title": inline(rc.title),
         "category": rc.category, "description": rc.description, "why": rc.why,
         "effects": rc.effects, "evidence": [r.part(e) for e in rc.evidence]}
        for i, rc in enumerate(r.incident.root_causes)]}


def _parts(key: str) -> Callable[[_Report], Block]:
    """Sections that are a list of titled parts."""
    def build(r: _Report) -> Block:
        parts = getattr(r.incident, key)
        return {"parts": [r.part(p) for p in parts]} if parts else None
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
         "at": r.shown(fix.at) if fix.at else None, "description": fix.description,
         "changes": [figure(f) for f in fix.changes], "commands": fix.commands,
         "language": fix.language, "result": fix.result,
         "result_block": bool(fix.result and starts_block(fix.result)),
         "verification": _fix_verification(r, fix.verification)}
        for i, fix in enumerate(r.incident.fixes)]}


def _fix_verification(r: _Report, v: Verification | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"state": r.marks.mark(f"check_{v.state}") if v.state else None,
            "description": v.description, "checks": r.checks(v.checks),
            "commands": v.commands, "language": v.language, "lines": _outcome(r, v),
            "result": v.result}


def _outcome(r: _Report, step: Verification | VerificationStep) -> list[str]:
    """The expected and the observed result of a check, as labelled lines."""
    return [labelled(r.L[key], text_block(getattr(step, key)))
            for key in ("expected", "observed") if getattr(step, key)]


# Results first, then what is still to come.
_RESULT_ORDER = ("passed", "partial", "failed", "skipped", "pending", "planned")
assert sorted(_RESULT_ORDER) == sorted(CHECK_STATES)


def _verification(r: _Report) -> Block:
    steps = r.incident.verification
    if not steps:
        return None
    # A step before the fix that fails reproduces the bug: counted apart, so that the
    # results of the fix do not read as failed.
    parts = []
    for before in (False, True):
        states: Counter[str] = Counter(step.state for step in steps
                                       if step.state and (step.phase == "before") == before)
        counted = ", ".join(f"{states[state]} × {r.marks.mark('check_' + state)}"
                            for state in _RESULT_ORDER if states[state])
        if counted:
            parts.append(f"{counted} {r.L['phase_before']}" if before else counted)
    results = "; ".join(parts)
    out = []
    for step in steps:
        notes = [r.L["phase_" + step.phase]] if step.phase else []
        if step.state:
            notes.append(r.marks.mark("check_" + step.state))
        lines = _outcome(r, step)
        who = ", ".join(x for x in (step.by, r.shown(step.at) if step.at else None) if x)
        if who:
            lines.append(labelled(r.L["checked"], inline(who)))
        out.append({"title": inline(step.title) + (f" ({', '.join(notes)})" if notes else ""),
                    "description": step.description, "checks": r.checks(step.checks),
                    "commands": step.commands, "language": step.language, "lines": lines,
                    "output": step.output, "result": step.result})
    return {"results": labelled(r.L["results"], results) if results else None, "steps": out}


def _known_issues(r: _Report) -> Block:
    if not r.incident.known_issues:
        return None
    issues = []
    for issue in r.incident.known_issues:
        lines = [labelled(r.L[key], text_block(text)) for key, text in (
            ("issue_impact", issue.impact), ("workaround", issue.workaround)) if text]
        issues.append({
            "anchor": issue_anchor(issue.id) if issue.id else None,
            "title": (f"{issue.id}: " if issue.id else "") + inline(issue.title)
            + f" ({r.marks.mark('issue_' + issue.status)})",
            "lines": lines, "commands": issue.commands, "language": issue.language,
            "ticket": labelled(r.L["ticket"], r.ticket(issue.ticket)) if issue.ticket else None,
            "description": issue.description})
    return {"issues": issues}


def _prevention(r: _Report) -> Block:
    if not r.incident.prevention:
        return None
    return {"measures": [
        {"number": i + 1, "title": inline(m.title), "body": m.body,
         "steps": [text_block(step) for step in m.steps],
         "commands": m.commands, "language": m.language,
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

    titles = {"went_wrong": lessons.went_wrong_title, "went_well": lessons.went_well_title}
    groups = [{"title": inline(title) if (title := titles.get(key)) else r.L[key],
               "entries": [marker(key) + t for t in getattr(lessons, key)]}
              for key in lessons.order]
    return {"groups": [g for g in groups if g["entries"]], "notes": lessons.notes}


def _action_items(r: _Report) -> Block:
    items = r.incident.action_items
    if not items:
        return None
    return {"typed": any(item.type for item in items), "entries": [
        {"anchor": item_anchor(item.id), "id": item.id,
         "title": inline(item.title) + (_item_link(item.link) if item.link else "")
         + (f" ({r.ticket(item.ticket)})" if item.ticket else "")
         + (f"\n{inline(item.note)}" if item.note else ""),
         "type": r.L[f"type_{item.type}"] if item.type else "—",
         "priority": r.marks.mark(f"severity_{item.priority}"),
         "owner": inline(r.known(item.owner) or "—"), "status": r.marks.mark(f"item_{item.status}"),
         "due": item.due.isoformat() if isinstance(item.due, dt.date)
         else r.known(item.due) or "—"}
        for item in items]}


def _item_link(link: str) -> str:
    """An item's tracker reference: a link where it is an address, else its text."""
    return f" ({md_link('link', link)})" if is_address(link) else f" ({inline(link)})"


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
    fields = [figure(f) for f in sign_off.fields]
    # Lines that stay lines, as the header's and the footer's do.
    return {"fields": fields, "block": _block(fields), "body": sign_off.body}


def _related(r: _Report) -> Block:
    links = r.links
    documents = [_document(d, r.source_rel, r.report_rel) for d in r.incident.related
                 if d.incident is None]
    if not (documents or links.related or links.referenced_by or links.similar):
        return None
    return {"documents": documents, **_link_view(links, r.marks)}


def _document(d: Any, source_rel: str, report_rel: str) -> dict[str, Any]:
    """A related document: a link, or a path on a server shown as code, with its note. A
    relative path is relative to the incident file (as `check` finds it): the report, in
    another folder maybe, links it relative to itself."""
    title = inline(d.title) if d.title else None
    if d.url and d.url.startswith("/"):
        shown = code(d.url) + (f" - {title}" if title else "")
    elif d.url:
        shown = md_link(d.title or d.url, _from_report(d.url, source_rel, report_rel))
    else:
        shown = title or ""
    return {"title": title, "url": d.url, "note": inline(d.note) if d.note else None,
            "relation": inline(d.relation) if d.relation else None, "shown": shown}


def _from_report(url: str, source_rel: str, report_rel: str) -> str:
    """``url`` as written in the incident file ``source_rel``, as a link of ``report_rel``."""
    if has_scheme(url) or url.startswith(("#", "/")):
        return url
    path, hash_, fragment = url.partition("#")
    target = posixpath.normpath(posixpath.join(posixpath.dirname(source_rel), path))
    return relative_link(report_rel, target) + hash_ + fragment


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
    follow_ups = [
        {"item": md_link(f"{f['incident']}#{f['id']}", f["url"]), "title": inline(f["title"]),
         "owner": inline(f["owner"]) if f["owner"] else "—", "due": f["due"] or "—",
         "overdue": _days_overdue(f["days_overdue"], L)}
        for f in links.follow_ups]
    follow_ups_more = L["follow_ups_more"].format(
        shown=len(follow_ups), total=links.follow_ups_total) \
        if links.follow_ups_total > len(follow_ups) else None
    return {
        "incidents": [show(x) for x in links.related],
        "referenced_by": [show(x) for x in links.referenced_by],
        "similar": similar,
        "recurring": recurring,
        "similar_more": more,
        "follow_ups": follow_ups,
        "follow_ups_more": follow_ups_more,
        "anchors": {"incidents": section_anchor("related_incidents"),
                    "referenced_by": section_anchor("referenced_by"),
                    "similar": section_anchor("similar_incidents")},
    }


# section key -> its builder; the header is built apart, since it is no section.
BUILDERS: dict[str, Callable[[_Report], Block]] = {
    "summary": _summary, "timeline": _timeline, "root_causes": _root_causes,
    "technical_details": _parts("technical_details"), "impact": _impact, "fixes": _fixes,
    "verification": _verification, "known_issues": _known_issues, "prevention": _prevention,
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
    start = r.times.get("started")
    end = end_of(r.times) if incident.resolved != UNKNOWN else None
    if start is None:
        duration = L["unknown"]
    elif end is not None:
        duration = f"{format_duration(minutes_between(start, end), L)} ({_span(start, end)})"
    else:
        word, since = (L["unknown"], L["started"]) if incident.resolved == UNKNOWN \
            else (L["ongoing"], L["since"])
        duration = f"{word} ({since} {start.clock()} {start.zone})"
    primary = next((rc for rc in incident.root_causes if rc.level == "primary"), None)
    root_cause = incident.root_cause_summary or (primary.title if primary else None)
    extra = [figure(f) for f in incident.header]
    header: dict[str, Any] = {
        "title": f"{L['report_title']}: {inline(incident.title)} ({incident.date.isoformat()})",
        "status": marks.mark(f"status_{incident.status}"),
        "severity": marks.mark(f"severity_{incident.severity}")
        + (f" ({inline(incident.severity_note)})" if incident.severity_note else ""),
        "duration": duration,
        "root_cause": inline(root_cause) if root_cause else None,
        "lines": _milestone_lines(r) + _people_lines(incident, L),
        "extra": extra,
    }
    rows: list[dict[str, str | None]] = [{"label": L["status"], "value": header["status"]},
            {"label": L["severity"], "value": header["severity"]},
            {"label": L["duration"], "value": duration}]
    if header["root_cause"]:
        rows.append({"label": L["root_cause"], "value": header["root_cause"]})
    header["block"] = _block([*rows, *header["lines"], *extra])
    return header


def _block(rows: list[dict[str, str | None]]) -> str:
    """``**Label**: value`` rows (or plain ones), each on its own line as GitHub shows it."""
    return lines([f"**{r['label']}**: {r['value']}" if r["label"] else str(r["value"])
                  for r in rows])


def _when(moment: Moment, other: Moment | None) -> str:
    """``11:20``; with the date when ``other`` is on another day, and the zone when it
    differs from ``other``'s."""
    same_day = other is None or moment.local.date() == other.local.date()
    text = moment.clock("%H:%M" if same_day else "%Y-%m-%d %H:%M")
    return text if other is None or moment.zone == other.zone else f"{text} {moment.zone}"


def _milestone_lines(r: _Report) -> list[dict[str, str]]:
    """Detected and mitigated with the time to each, the impact window, trigger, detection."""
    incident, L, times = r.incident, r.L, r.times
    lines = []
    start = times.get("started")
    for name, took in (("detected", "time_to_detect"), ("mitigated", "time_to_mitigate")):
        text = getattr(incident, name)
        if text is None:
            continue
        value = L["unknown"]
        if name in times:
            when = times[name]
            value = _when(when, start)
            if start is not None:
                value += f" ({L[took]}: {format_duration(minutes_between(start, when), L)})"
        lines.append({"label": L[name], "value": value})
    first, last = impact_window(incident, r.zone)
    if first is not None and last is not None:
        took = format_duration(minutes_between(first, last), L)
        lines.append({"label": L["impact_window"], "value": f"{took} ({_span(first, last)})"})
    elif first is not None or last is not None:
        lines.append({"label": L["impact_window"], "value": " – ".join(
            _when(when, start) if when else "?" for when in (first, last))})
    if incident.trigger:
        lines.append({"label": L["trigger"], "value": inline(incident.trigger)})
    if incident.detection:
        d = incident.detection
        lines.append({"label": L["detection"],
                      "value": L[f"detection_{d.source}"]
                      + (f": {inline(d.note)}" if d.note else "")})
    return lines


def _people_lines(incident: Incident, L: dict[str, str]) -> list[dict[str, str]]:
    """One line per role, in the order of the role list."""
    names: dict[str, list[str]] = {}
    for p in incident.people:
        names.setdefault(p.role, []).append(inline(p.name)
                                            + (f" ({inline(p.note)})" if p.note else ""))
    return [{"label": L[f"role_{role}"], "value": ", ".join(names[role])}
            for role in ROLES if role in names]


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
    tz = incident_zone(incident, config)
    r = _Report(incident, marks, links or Links(), config, tz, milestones(incident, tz),
                source_rel, report_path)
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
    header = _header(r)
    footer = _footer(incident, marks, header["status"])
    return {"incident": incident, "L": marks.L, "header": header, "sections": sections,
            "footer": footer, "footer_block": _block(footer), "source": source_rel,
            "source_link": relative_link(report_path, source_rel), "emoji": config.emoji}
