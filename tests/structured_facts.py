"""How many of a seed report's facts its incident file holds in structured fields.

A fact is what the import corpus (``count_facts.py`` in the import-corpus notes) lists for a
Markdown postmortem: every heading, table cell, list item, checklist item, code block,
paragraph (its first 60 characters), `Label: value` line and timeline line, read with
markdown-it-py. The incident file is rendered twice: as it is, and with every free-text
field emptied (the fields the schema types as Markdown prose: ``summary``, ``description``,
``body``, ``notes``, ``result``, and the free ``sections``). A fact still found in the
second report is held by a structured field (a title, a time, a state, an owner, a command,
a list entry); a fact found only in the first is held by free text; a fact found in neither
is not in the report as written (a heading reworded, a duration computed instead of
stated). See docs/structured-facts.md.

Run ``python tests/structured_facts.py [INCIDENT.yaml SEED ...]`` for the table.
"""

from __future__ import annotations

import re
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).parent / "data" / "seeds"
PARAGRAPH_PREFIX = 60

# seed file -> (bundled incident, mis-decoded as Mac Roman)
BUNDLED = {
    "000_a4c57ebd2f6009da.txt": ("2025-10-01-testanruf-fehler", True),
    "001_49097634fb447995.txt": ("2025-10-01-production-status-final-verification", True),
    "002_8b8a43763a6569fa.txt": ("2025-10-24-code-changes-not-executing", False),
}

# --- The facts of a Markdown document (the import corpus's rules) ------------------------

_BR = re.compile(r"^<br\s*/?>$", re.I)
_BOLD_LABEL = re.compile(r"^\s*(?:[-*+]\s+)?(?:\*\*|__)(?P<label>[^*_\n]{1,80}?)"
                         r"(?::(?:\*\*|__)|(?:\*\*|__)\s*:)\s*(?P<value>.*)$")
_PLAIN_LABEL = re.compile(r"^\s*(?P<label>[^\W\d_][\w .,/()&'+-]{0,40}?)\s*:\s+(?P<value>\S.*)$")
_CHECKBOX = re.compile(r"^\s*\[(?P<box>[ xX])\]\s+(?P<text>.*)$")
_TIME = re.compile(r"^\s*(?:[-*]\s+)?~?(?:\d{4}-\d{2}-\d{2}\b|\d{1,2}:\d{2}\b"
                   r"|\d{1,2}\.\d{1,2}\.(?:\d{2,4})?\s)")


@dataclass(frozen=True)
class Fact:
    kind: str
    text: str
    line: int
    label: str = ""
    value: str = ""
    record_block: bool = False  # a paragraph whose every line is a fact of its own
    truncated: bool = False  # a paragraph's first characters, cut off in a word


def parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _lines(inline: Token) -> list[str]:
    """Plain text of an inline token by source line: markup dropped, code kept."""
    lines: list[str] = []
    current: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "image"):
            current.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or (
                child.type == "html_inline" and _BR.match(child.content)):
            lines.append("".join(current))
            current = []
        elif child.type == "html_inline":
            current.append(child.content)
    lines.append("".join(current))
    return lines


def _label_value(source: str, plain: str, allow_plain: bool) -> tuple[str, str] | None:
    if _BOLD_LABEL.match(source) or (allow_plain and _PLAIN_LABEL.match(plain)):
        label, sep, value = plain.partition(":")
        if sep:
            return norm(label), norm(value)
    return None


def extract(text: str) -> list[Fact]:
    """The facts of a Markdown document, in document order."""
    tokens = parser().parse(text)
    facts: list[Fact] = []
    items: list[bool] = []  # open list items: whether their first paragraph was seen
    row = 0
    for i, tok in enumerate(tokens):
        line = tok.map[0] + 1 if tok.map else row
        if tok.type == "tr_open":
            row = line
        elif tok.type == "list_item_open":
            items.append(False)
        elif tok.type == "list_item_close":
            items.pop()
        elif tok.type == "heading_open":
            facts.append(Fact("heading", norm(" ".join(_lines(tokens[i + 1]))), line))
        elif tok.type in ("th_open", "td_open"):
            cell = norm(" ".join(_lines(tokens[i + 1])))
            if cell:
                facts.append(Fact("table_cell", cell, line))
        elif tok.type in ("fence", "code_block"):
            if items:
                items[-1] = True
            facts.append(Fact("code_block", tok.content, line))
        elif tok.type == "html_block" and tok.content.strip():
            facts.append(Fact("html_block", tok.content.strip(), line))
        elif tok.type in ("bullet_list_open", "ordered_list_open") and items:
            items[-1] = True
        elif tok.type == "paragraph_open":
            inline = tokens[i + 1]
            if items and not items[-1]:
                items[-1] = True
                facts.append(_item(inline, line))
            else:
                facts.extend(_paragraph(inline, line))
    return facts


def _item(inline: Token, line: int) -> Fact:
    text = norm(" ".join(_lines(inline)))
    box = _CHECKBOX.match(text)
    if box:
        return Fact("checklist_item", norm(box["text"]), line)
    found = _label_value(inline.content.split("\n")[0], text, allow_plain=False)
    return Fact("list_item", text, line, *(found or ("", "")))


def _paragraph(inline: Token, line: int) -> list[Fact]:
    plain = _lines(inline)
    source = inline.content.split("\n")
    if len(source) != len(plain):
        source = plain
    whole = norm(" ".join(plain))
    header = len(plain) >= 2 and all(_label_value(s, p, allow_plain=True)
                                     for s, p in zip(source, plain, strict=True) if p.strip())
    lines: list[Fact] = []
    for n, (src, text) in enumerate(zip(source, plain, strict=True)):
        if not text.strip():
            continue
        found = _label_value(src, text, allow_plain=header)
        box = _CHECKBOX.match(text)
        if found:
            lines.append(Fact("header_field", norm(text), line + n, *found))
        elif box:
            lines.append(Fact("checklist_item", norm(box["text"]), line + n))
        elif len(plain) >= 2 and _TIME.match(text):
            lines.append(Fact("timeline_line", norm(text), line + n))
    if not whole:
        return lines
    every = len(lines) >= 2 and len(lines) == sum(1 for p in plain if p.strip())
    return [Fact("paragraph", whole[:PARAGRAPH_PREFIX], line, record_block=every,
                 truncated=len(whole) > PARAGRAPH_PREFIX), *lines]


def measured(facts: list[Fact]) -> list[Fact]:
    """The facts counted: a paragraph made only of records counts through its lines."""
    return [f for f in facts if not f.record_block]


# --- Finding a fact in a rendered report --------------------------------------------------


def loose(text: str) -> str:
    """Casefolded words and numbers only: reports restyle markers, emphasis and punctuation."""
    kept = "".join(ch if unicodedata.category(ch)[0] in "LN" else " "
                   for ch in norm(text).casefold())
    return " ".join(kept.split())


class Haystack:
    """All plain text and code blocks of one rendered report."""

    def __init__(self, markdown: str) -> None:
        parts: list[str] = []
        self.code: set[str] = set()
        for tok in parser().parse(markdown):
            if tok.type == "inline":
                parts.append(" ".join(_lines(tok)))
            elif tok.type in ("fence", "code_block"):
                self.code.add(tok.content.rstrip("\n"))
                parts.append(tok.content)
        self.text = f" {loose(chr(10).join(parts))} "

    def has(self, fact: Fact, translations: list[tuple[str, str]]) -> bool:
        if fact.kind == "code_block" and fact.text.rstrip("\n") in self.code:
            return True
        wanted = loose(fact.text)
        if fact.truncated:  # the prefix may end inside a word
            wanted = wanted.rsplit(" ", 1)[0]
        if not wanted or f" {wanted} " in self.text:
            return True
        for english, other in translations:  # a built-in label in the report's language
            wanted = re.sub(rf"(?<!\w){re.escape(english)}(?!\w)", other, wanted)
        return f" {wanted} " in self.text


def translations(language: str) -> list[tuple[str, str]]:
    """(English label, label in ``language``), loose and longest first: the seeds write
    the built-in labels in English even in a German report."""
    from postmortem.reports.labels import CATALOGUES

    if language == "en":
        return []
    pairs = {(loose(en), loose(CATALOGUES[language][key]))
             for key, en in CATALOGUES["en"].items()
             if len(en) > 1 and CATALOGUES[language][key] != en and loose(en)}
    return sorted(pairs, key=lambda p: -len(p[0]))


# --- Rendering with and without free text --------------------------------------------------


# Lists of `Label: value` lines whose labels the writer chooses: free text too with
# --strict (header and footer always are: they hold what has no field of its own).
LABELLED_LISTS = frozenset({"figures", "fields", "changes"})


def free_text_fields(strict: bool = False) -> frozenset[tuple[str, str]]:
    """Fields that hold any number of facts in any shape, as (model, field); "*" for any
    model: Markdown prose (read off the models, per model, since a name such as `impact`
    is Markdown in one and a section in another), free sections, the extra header and
    footer lines."""
    from pydantic import BaseModel

    from postmortem.format import model

    prose = {(cls.__name__, name) for cls in vars(model).values()
             if isinstance(cls, type) and issubclass(cls, BaseModel) and cls is not BaseModel
             for name, info in cls.model_fields.items()
             if info.json_schema_extra == model.MARKDOWN or model._is_markdown(info.annotation)}
    anywhere = {"sections", "header", "footer"} | (LABELLED_LISTS if strict else set())
    return frozenset(prose | {("*", name) for name in anywhere})


def without_free_text(model: BaseModel, free: frozenset[tuple[str, str]]) -> BaseModel:
    """``model`` with the fields ``free`` names emptied, at every depth."""
    update: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if (type(model).__name__, name) in free or ("*", name) in free:
            update[name] = [] if isinstance(value, list) else (
                None if not info.is_required() else "")
        elif isinstance(value, BaseModel):
            update[name] = without_free_text(value, free)
        elif isinstance(value, list) and any(isinstance(v, BaseModel) for v in value):
            update[name] = [without_free_text(v, free) if isinstance(v, BaseModel) else v
                            for v in value]
    return model.model_copy(update=update)


def render(incident: Any) -> str:
    from postmortem.config import Config
    from postmortem.reports.markdown import tidy
    from postmortem.reports.report import report_context
    from postmortem.templating import render as render_template

    with tempfile.TemporaryDirectory() as tmp:
        config = Config(root=Path(tmp), templates_dir=Path(tmp) / "templates")
        context = report_context(incident, config, "incidents/x.yaml", "incidents/x.md")
        return tidy(render_template(config, "report.md.j2", context))


def load_incident(path: Path) -> Any:
    from postmortem.config import Config
    from postmortem.format.load import load

    config = Config(root=path.parent)
    loaded = load(path.read_bytes(), path.name, config, path=path)
    if loaded.model is None:
        raise SystemExit(f"{path}: not a valid incident: "
                         + "; ".join(p.format() for p in loaded.problems))
    return loaded.model


# --- The measure ------------------------------------------------------------------------


@dataclass
class Share:
    """Where the facts of one seed sit in its incident file."""

    total: int
    structured: int
    free: int
    missing: int
    by_kind: dict[str, Counter[str]]
    places: list[tuple[Fact, str]]  # each fact with "structured", "free" or "missing"

    @property
    def held(self) -> int:
        return self.structured + self.free

    @property
    def ratio(self) -> float:
        """Structured facts among the facts the report holds."""
        return self.structured / self.held if self.held else 0.0


def measure(seed_text: str, incident: Any, *, strict: bool = False) -> Share:
    from postmortem.config import Config
    from postmortem.reports.summary import language_of

    language = language_of(incident, Config(root=ROOT))
    pairs = translations(language)
    full = Haystack(render(incident))
    bare = Haystack(render(without_free_text(incident, free_text_fields(strict))))
    places: list[tuple[Fact, str]] = []
    by_kind: dict[str, Counter[str]] = {}
    for fact in measured(extract(seed_text)):
        if bare.has(fact, pairs):
            place = "structured"
        elif full.has(fact, pairs):
            place = "free"
        else:
            place = "missing"
        places.append((fact, place))
        by_kind.setdefault(fact.kind, Counter())[place] += 1
    count = Counter(place for _, place in places)
    return Share(len(places), count["structured"], count["free"], count["missing"], by_kind,
                 places)


def seed_text(name: str, path: Path | None = None) -> str:
    text = (path or SEEDS / name).read_text(encoding="utf-8")
    return text.encode("mac_roman").decode("utf-8") if BUNDLED[name][1] else text


def table(pairs: list[tuple[Path, str]], *, strict: bool = False,
          verbose: bool = False) -> str:
    """The figures of each (incident file, seed file name) as a Markdown table."""
    lines = ["| seed | facts | structured | free text | not in report | structured share "
             "(of facts in the report) | structured share (of all facts) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for path, seed in pairs:
        share = measure(seed_text(seed), load_incident(path), strict=strict)
        lines.append(f"| {seed[:3]} | {share.total} | {share.structured} | {share.free} | "
                     f"{share.missing} | {share.ratio:.1%} | "
                     f"{share.structured / share.total:.1%} |")
        if verbose:
            lines += [f"    {place:10} {fact.kind:14} line {fact.line:<4} {fact.text[:70]!r}"
                      for fact, place in share.places if place != "structured"]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    flags = {a for a in argv if a.startswith("-")}
    args = [a for a in argv if not a.startswith("-")]
    if flags - {"-v", "--strict"} or len(args) % 2:
        raise SystemExit("usage: structured_facts.py [-v] [--strict] "
                         "[INCIDENT.yaml SEED-FILE-NAME ...]")
    pairs = [(ROOT / "incidents" / f"{incident}.yaml", seed)
             for seed, (incident, _) in BUNDLED.items()]
    if args:
        pairs = [(Path(args[i]), args[i + 1]) for i in range(0, len(args), 2)]
    print(table(pairs, strict="--strict" in flags, verbose="-v" in flags))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
