"""The weekly review as Markdown: each section a table of text, laid out by its template."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from postmortem.history.review import DASH, TEMPLATE, ItemRef, Review, review_marker
from postmortem.reports.labels import Marks
from postmortem.reports.markdown import cell, inline, md_link

if TYPE_CHECKING:
    from postmortem.config import Config


def render_markdown(review: Review, config: Config) -> str:
    """The review as Markdown in the house style; the marker line comes first, always."""
    from postmortem import templating

    body = templating.render(config, TEMPLATE, markdown_context(review, config)).lstrip("\n")
    return f"{review_marker(body)}\n{body}"


@dataclass(frozen=True)
class _Cells:
    """How the review writes each kind of value in a table cell."""

    marks: Marks

    def item(self, r: ItemRef) -> str:
        text = f"{r.incident}#{r.id}"
        return cell(md_link(text, r.link)) if r.link is not None else cell(inline(text))

    @staticmethod
    def text(value: str) -> str:
        """A title or a name as the history has it (older versions were never checked)."""
        return cell(inline(value))

    def owner(self, name: str | None) -> str:
        return self.text(name) if name is not None else self.marks.L["review_no_owner"]

    def marked(self, key: str, fallback: str) -> str:
        """`🟡 HIGH` as in the incident reports' tables (`HIGH` without emoji)."""
        return self.marks.mark(key) if key in self.marks.L else fallback

    def prio(self, r: ItemRef) -> str:
        return self.marked(f"severity_{r.priority}", r.priority)

    def status(self, r: ItemRef) -> str:
        return self.marked(f"item_{r.status}", r.status)

    @staticmethod
    def day(d: dt.date | None) -> str:
        return d.isoformat() if d is not None else DASH

    @staticmethod
    def sha(commit: str) -> str:
        return f"`{commit[:8]}`"

    def result(self, late: bool | None) -> str:
        return self.marks.mark("review_late" if late else "review_on_time")


# One table per section: its heading, its columns (label keys) and a row per entry.
Row = Callable[[_Cells, Any], list[str]]
SECTIONS: list[tuple[str, str | None, tuple[str, ...], Row]] = [
    ("review_h_overdue", "overdue",
     ("item", "title_col", "owner", "priority", "due", "days_overdue", "slips"),
     lambda c, o: [c.item(o.item), c.text(o.item.title), c.owner(o.item.owner), c.prio(o.item),
                   c.day(o.item.due), str(o.days_overdue), str(o.slips)]),
    ("review_due_soon", "due_soon",
     ("item", "title_col", "owner", "priority", "status", "due", "days_left"),
     lambda c, d: [c.item(d.item), c.text(d.item.title), c.owner(d.item.owner), c.prio(d.item),
                   c.status(d.item), c.day(d.item.due), str(d.days_left)]),
    ("review_h_closed", "closed",
     ("item", "title_col", "owner", "status", "due", "closed_on", "result"),
     lambda c, x: [c.item(x.item), c.text(x.item.title), c.owner(x.item.owner),
                   c.status(x.item), c.day(x.item.due), c.day(x.date), c.result(x.late)]),
    ("review_h_opened", "opened",
     ("item", "title_col", "owner", "priority", "due", "opened_on", "author"),
     lambda c, x: [c.item(x.item), c.text(x.item.title), c.owner(x.item.owner), c.prio(x.item),
                   c.day(x.item.due), c.day(x.date), c.text(x.author)]),
    ("review_h_slipped", "slipped",
     ("item", "title_col", "owner", "due_change", "moved_by", "commit", "slips"),
     lambda c, s: [c.item(s.item), c.text(s.item.title), c.owner(s.item.owner),
                   f"{c.day(s.old_due)} → {c.day(s.new_due)}",
                   f"{c.text(s.author)} ({c.day(s.date)})", c.sha(s.commit), str(s.slips)]),
    ("review_h_dropped", "dropped",
     ("item", "title_col", "owner", "status", "removed_on", "removed_by", "commit"),
     lambda c, x: [c.item(x.item), c.text(x.item.title), c.owner(x.item.owner),
                   c.status(x.item), c.day(x.date), c.text(x.author), c.sha(x.commit)]),
    ("review_owners", "owners",
     ("owner", "open", "overdue", "oldest_open", "opened_on"),
     lambda c, o: [c.owner(o.owner), str(o.open), str(o.overdue),
                   f"{c.item(o.oldest)} {c.text(o.oldest.title)}",
                   c.day(o.oldest_opened) if o.oldest_opened
                   else c.marks.L["review_unknown"]]),
]


def markdown_context(review: Review, config: Config) -> dict[str, Any]:
    """Everything the template shows, as text already: the template only lays it out."""
    marks = Marks.of(config.language, config.emoji)
    L, c = marks.L, _Cells(marks)
    sections = [_headline(review, marks)]
    for heading, attribute, columns, row in SECTIONS:
        entries: Sequence[Any] = getattr(review, attribute or "")
        sections.append(_section(f"{marks.mark(heading)} ({len(entries)})", columns,
                                 [row(c, e) for e in entries], marks))
    sections.append(_trend(review, marks))
    title = f"{L['review_title']} {review.week if review.whole_week else c.day(review.as_of)}"
    period = f"{c.day(review.start)} {DASH} {c.day(review.as_of)}"
    header = [
        (L["review_period"], period + (f" ({review.week})" if review.whole_week else "")),
        (L["review_as_of"],
         f"{c.day(review.as_of)}, {L['review_end_of_day']} ({review.timezone})"),
    ]
    return {"title": marks.mark("review_title", title), "header": header,
            "sections": sections, "L": L}


def _headline(review: Review, marks: Marks) -> dict[str, Any]:
    L, t, p = marks.L, review.totals, review.previous

    def delta(now: int, before: int) -> str:
        return f"{now - before:+d}" if now != before else "±0"

    figures = [
        (L["review_open"], t.open, p.open),
        (L["review_overdue"], t.overdue, p.overdue),
        (L["review_closed"], t.closed, p.closed),
        (f"{DASH} {L['review_on_time']}", t.closed_on_time, p.closed_on_time),
        (f"{DASH} {L['review_late']}", t.closed_late, p.closed_late),
        (L["review_opened"], t.opened, p.opened),
        (L["review_slipped"], t.slipped, p.slipped),
        (L["review_dropped"], t.dropped, p.dropped),
    ]
    return _section(marks.mark("review_headline"),
                    ("figure", "this_week", "previous_week", "change"),
                    [[name, str(a), str(b), delta(a, b)] for name, a, b in figures], marks)


def _trend(review: Review, marks: Marks) -> dict[str, Any]:
    L = marks.L
    section = _section(marks.mark("review_trend"), ("week", "reference_day", "open", "overdue"),
                       [[t.week, _Cells.day(t.date), str(t.open), str(t.overdue)]
                        for t in review.trend], marks)
    section["chart"] = {
        "title": L["review_chart_title"],
        "x": ", ".join(f'"{t.week}"' for t in review.trend),
        "y_title": L["review_chart_axis"],
        "y_max": max([1, *(t.open for t in review.trend)]),
        "bar": ", ".join(str(t.open) for t in review.trend),
        "line": ", ".join(str(t.overdue) for t in review.trend),
        "legend": L["review_chart_legend"],
    }
    return section


def _section(heading: str, columns: Sequence[str], rows: list[list[str]],
             marks: Marks) -> dict[str, Any]:
    return {"heading": heading, "columns": [marks.L[f"review_{key}"] for key in columns],
            "rows": rows, "empty": marks.L["review_none"], "chart": None}
