"""The bundled incidents carry every fact of the seed reports they were written from."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git_init
from markdown_it import MarkdownIt
from markdown_it.token import Token

from postmortem.cli import main
from postmortem.format.mojibake import repair
from postmortem.reports.labels import CATALOGUES

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).parent / "data" / "seeds"


@dataclass(frozen=True)
class Seed:
    file: str
    incident: str
    language: str
    mojibake: bool  # stored as UTF-8 bytes decoded as Mac Roman
    # How many of each thing the seed holds: guards the extraction itself, so that a
    # parser change cannot make the comparisons below pass by finding nothing.
    counts: dict[str, int]


SEED_LIST = [
    Seed("000_a4c57ebd2f6009da.txt", "2025-10-01-testanruf-fehler", "de", True,
         {"code": 8, "cells": 52, "checklist": 10, "headings": 31}),
    Seed("001_49097634fb447995.txt", "2025-10-01-production-status-final-verification", "en",
         True, {"code": 12, "cells": 20, "checklist": 12, "headings": 41}),
    Seed("002_8b8a43763a6569fa.txt", "2025-10-24-code-changes-not-executing", "en", False,
         {"code": 25, "cells": 21, "checklist": 0, "headings": 42}),
]

_MD = MarkdownIt("commonmark", {"html": False}).enable(["table"])
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff"
                    "\u2139\ufe0f\u200d]")
_EMPHASIS = re.compile(r"\*\*|__|`")
_CHECKBOX = re.compile(r"^\[([ xX])\]\s+(.*)$", re.S)
_WORD = re.compile(r"\w+")


def repaired(seed: Seed) -> str:
    text = (SEEDS / seed.file).read_text(encoding="utf-8")
    if seed.mojibake:
        text = text.encode("mac_roman").decode("utf-8")
    return text


def normal(text: str) -> str:
    """Cell text as compared: no emoji, no emphasis or code marks, one space between words."""
    text = text.replace("<br>", " ")
    return " ".join(_EMPHASIS.sub("", _EMOJI.sub("", text)).split())


def words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(_EMOJI.sub(" ", text))]


@dataclass
class Extract:
    code: list[str]
    cells: list[str]
    checklist: list[tuple[bool, str]]
    headings: list[str]


def extract(markdown: str) -> Extract:
    """Fenced code, body-row table cells, checklist items and headings of a Markdown text."""
    tokens = _MD.parse(markdown)
    out = Extract([], [], [], [])
    in_cell = in_heading = False
    for i, tok in enumerate(tokens):
        if tok.type == "fence":
            out.code.append(tok.content)
        elif tok.type == "td_open":
            in_cell = True
        elif tok.type == "td_close":
            in_cell = False
        elif tok.type == "heading_open":
            in_heading = True
        elif tok.type == "heading_close":
            in_heading = False
        elif tok.type == "inline":
            if in_cell:
                out.cells.append(normal(tok.content))
            elif in_heading:
                out.headings.append(tok.content)
            elif _opens_list_item(tokens, i):
                m = _CHECKBOX.match(tok.content)
                if m:
                    out.checklist.append((m.group(1) != " ", normal(m.group(2))))
    return out


def _opens_list_item(tokens: list[Token], index: int) -> bool:
    """Whether the inline token at ``index`` opens its list item (where a checkbox sits)."""
    return index >= 2 and tokens[index - 2].type == "list_item_open"


def translations(language: str) -> list[tuple[str, str]]:
    """(English label, label in ``language``) pairs, longest first.

    The seeds write the built-in labels in English even in the German report ("Incident
    Timeline", "CRITICAL", "TODO"); the German report says the same in German.
    """
    if language == "en":
        return []
    pairs = {(en, CATALOGUES[language][key]) for key, en in CATALOGUES["en"].items()
             if len(en) > 1 and CATALOGUES[language][key] != en}
    return sorted(pairs, key=lambda p: -len(p[0]))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The bundled incidents rendered through the CLI (emoji on), by incident id."""
    root = tmp_path_factory.mktemp("bundled")
    git_init(root)
    (root / "postmortem.toml").write_text("emoji = true\n", encoding="utf-8")
    shutil.copytree(ROOT / "incidents", root / "incidents",
                    ignore=lambda folder, names: [n for n in names if n.endswith(".md")])
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == 0, result.output + result.stderr
    return {s.incident: (root / "incidents" / f"{s.incident}.md").read_text(encoding="utf-8")
            for s in SEED_LIST}


def load(seed: Seed, rendered: dict[str, str]) -> tuple[Extract, str]:
    """What the seed holds, and the rendered report of its incident."""
    found = extract(repaired(seed))
    assert {k: len(getattr(found, k)) for k in seed.counts} == seed.counts
    return found, rendered[seed.incident]


def _having(kind: str) -> list[pytest.ParameterSet]:
    return [pytest.param(s, id=s.file[:3]) for s in SEED_LIST if s.counts[kind]]


@pytest.mark.parametrize("info", [pytest.param(s, id=s.file[:3]) for s in SEED_LIST])
def test_seed_reads_as_clean_text(info: Seed) -> None:
    raw = (SEEDS / info.file).read_text(encoding="utf-8")
    assert (repair(raw) is not None) == info.mojibake
    text = repaired(info)
    assert repair(text) is None
    assert "\u2705" in text  # the check mark the reports use as a status marker


@pytest.mark.parametrize("info", _having("code"))
def test_every_code_block_is_in_the_report(info: Seed, rendered: dict[str, str]) -> None:
    seed, report = load(info, rendered)
    blocks = set(extract(report).code)
    missing = [code for code in seed.code if code not in blocks]
    assert missing == []


@pytest.mark.parametrize("info", _having("cells"))
def test_every_table_cell_is_in_the_report(info: Seed, rendered: dict[str, str]) -> None:
    seed, report = load(info, rendered)
    text = normal(report).casefold()
    language = dict(translations(info.language))
    missing = []
    for cell in seed.cells:
        wanted = [cell] + ([language[cell]] if cell in language else [])
        if not any(w.casefold() in text for w in wanted):
            missing.append(cell)
    assert missing == []


@pytest.mark.parametrize("info", _having("checklist"))
def test_every_checklist_item_is_in_the_report(info: Seed, rendered: dict[str, str]) -> None:
    seed, report = load(info, rendered)
    items = set(extract(report).checklist)
    missing = [item for item in seed.checklist if item not in items]
    assert missing == []


@pytest.mark.parametrize("info", _having("headings"))
def test_every_heading_word_is_in_the_report(info: Seed, rendered: dict[str, str]) -> None:
    seed, report = load(info, rendered)
    present = set(words(report))
    pairs = translations(info.language)
    missing = []
    for heading in seed.headings:
        rest = heading
        # An English built-in label in the seed may read in the report's language instead.
        for en, other in pairs:
            pattern = re.compile(rf"(?<!\w){re.escape(en)}(?!\w)", re.I)
            if pattern.search(rest):
                if not (set(words(en)) <= present or set(words(other)) <= present):
                    missing.append(f"{heading!r}: {en!r} / {other!r}")
                rest = pattern.sub(" ", rest)
        missing += [f"{heading!r}: {w!r}" for w in words(rest) if w not in present]
    assert missing == []
