"""`check --links`: every relative link and #anchor in the generated Markdown must resolve."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from postmortem.config import Config
from postmortem.files import Refused, inside, read_regular
from postmortem.reports.generated import is_generated
from postmortem.reports.paths import report_path
from postmortem.rules.problems import Problem, sort_key
from postmortem.rules.registry import rule
from postmortem.text import has_scheme

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from postmortem.rules.collection import Collection

# With raw HTML off, `<a id="x"></a>` stays text: that is where explicit anchors are found.
_EXPLICIT = re.compile(r"""<a\s+(?:[^>]*?\s)?(?:id|name)\s*=\s*["']([^"']+)["'][^>]*>""", re.I)

LINK = rule("L001")
RENDERED = rule("L002")
READABLE = rule("L003")


@dataclass
class Link:
    target: str  # as markdown-it normalized it (percent-encoded)
    written: str  # as the file has it, for messages
    line: int  # 1-based
    col: int


@dataclass
class Page:
    """What the checker needs of one Markdown file: its links and the anchors it defines."""

    links: list[Link] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)


def parser() -> MarkdownIt:
    from markdown_it import MarkdownIt

    # Raw HTML off (it would otherwise pass through), tables on: links in cells count too.
    return MarkdownIt("commonmark", {"html": False}).enable(["table"])


def github_slug(text: str) -> str:
    """The anchor a forge gives a heading: lowercase, punctuation and symbols dropped,
    spaces to hyphens (as github-slugger does; an emoji leaves its space behind)."""
    kept = []
    for ch in text.lower():
        if ch in " -_" or unicodedata.category(ch)[0] in "LNM":
            kept.append(ch)
    return "".join(kept).replace(" ", "-")


def _plain(inline: Any) -> str:
    """The visible text of an inline token (what a heading's slug is made from)."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":
            parts.append(_plain(child))
    return "".join(parts)


def read_page(md: MarkdownIt, text: str) -> Page:
    """Parse ``text``: its links (with 1-based line and column) and its anchors."""
    page = Page()
    lines = text.split("\n")
    seen: dict[str, int] = {}
    cursor: dict[int, int] = {}  # block start line -> offset searched up to (cells share one)
    tokens = md.parse(text)
    for index, token in enumerate(tokens):
        if token.type != "inline":
            continue
        if index and tokens[index - 1].type == "heading_open":
            slug = github_slug(_plain(token))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            page.anchors.add(slug if count == 0 else f"{slug}-{count}")
        start, end = token.map or (0, 1)
        block = "\n".join(lines[start:end])
        for child in _walk(token.children or []):
            if child.type == "text":
                page.anchors.update(_EXPLICIT.findall(child.content))
                continue
            href = child.attrGet("href") if child.type == "link_open" else \
                child.attrGet("src") if child.type == "image" else None
            if not isinstance(href, str):
                continue
            line, col, written = _locate(block, href, start, cursor)
            page.links.append(Link(href, written, line, col))
    return page


def _walk(children: list[Any]) -> list[Any]:
    out = []
    for child in children:
        out.append(child)
        if child.type == "image" and child.children:
            out.extend(_walk(child.children))
    return out


def _locate(block: str, href: str, start: int, cursor: dict[int, int]
            ) -> tuple[int, int, str]:
    """Where and how ``href`` is written in its block (markdown-it maps blocks, not inline
    links): 1-based line and column, and the text as written."""
    offset = cursor.get(start, 0)
    for candidate in (href, unquote(href)):
        found = block.find(candidate, offset)
        if found >= 0:
            cursor[start] = found + len(candidate)
            line = block.count("\n", 0, found)
            col = found - (block.rfind("\n", 0, found) + 1)
            return start + line + 1, col + 1, candidate
    return start + 1, 1, href  # e.g. a reference-style link: point at its block


class Checker:
    """Checks links of Markdown files, parsing each file (source or target) once."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.md = parser()
        self.pages: dict[Path, Page | str] = {}

    def page(self, path: Path) -> Page | str:
        """The parsed page at ``path``, or why it cannot be read. Only the repository's own
        regular files are read (a pipe would block; a page outside is not ours to show)."""
        key = path.resolve()
        if key not in self.pages:
            try:
                text = read_regular(key, self.config.root).decode("utf-8")
            except Refused as exc:
                self.pages[key] = exc.what
            except OSError as exc:
                self.pages[key] = f"cannot be read ({exc.strerror})"
            except UnicodeDecodeError:
                self.pages[key] = "cannot be read as UTF-8 text"
            else:
                self.pages[key] = read_page(self.md, text)
        return self.pages[key]

    def check(self, path: Path) -> list[Problem]:
        page = self.page(path)
        rel = self.config.rel(path)
        if isinstance(page, str):
            return [READABLE(rel, 1, 1, "link", page)]
        out = []
        for link in page.links:
            message = self._broken(path, link.target, link.written)
            if message:
                out.append(LINK(rel, link.line, link.col, "link", message))
        return out

    def _broken(self, source: Path, href: str, written: str) -> str | None:
        """Why ``href`` (found in ``source``) does not resolve; None when it does."""
        if has_scheme(href) or href.startswith(("//", "/")):
            return None  # not relative: URLs and absolute paths are outside the repository
        raw_path, _, raw_fragment = href.partition("#")
        target = (source.parent / unquote(raw_path)).resolve() if raw_path else source.resolve()
        shown = self.config.rel(target)
        if not target.exists():
            return f"'{written}': {shown} does not exist"
        fragment = unquote(raw_fragment)
        if not fragment or target.is_dir() or target.suffix.lower() not in (".md", ".markdown"):
            return None
        if not inside(target, self.config.root):
            return None  # its anchors are not ours to read
        page = self.page(target)
        if isinstance(page, str):
            return f"'{written}': {shown} {page}"
        if fragment in page.anchors:
            return None
        close = difflib.get_close_matches(fragment, sorted(page.anchors), n=1)
        hint = f"; did you mean '#{close[0]}'?" if close else ""
        return f"'{written}': {shown} has no heading or anchor '{fragment}'{hint}"


def generated_markdown(config: Config, collection: Collection, *, index: bool
                       ) -> tuple[list[Path], list[Problem]]:
    """The reports of the collection's valid incidents (and the index): those to check."""
    paths, problems = [], []
    incidents = config.incidents_dir.resolve()
    wanted = [(report_path(config, f.path.resolve()), f.rel) for f in collection.files
              if f.summary is not None and incidents in f.path.resolve().parents]
    if index:
        wanted.append((config.index_path, config.rel(config.incidents_dir) + "/"))
        # Committed weekly reviews link to reports and their items too.
        if config.reviews_dir.is_dir():
            wanted.extend((p, "review") for p in sorted(config.reviews_dir.rglob("*.md")))
    for path, source in wanted:
        if not path.exists():
            problems.append(RENDERED(config.rel(path), 1, 1, "link", (
                f"not rendered yet, so its links were not checked; run `postmortem render` "
                f"(source: {source})")))
        elif is_generated(path):
            paths.append(path)
    return paths, problems


def check_links(config: Config, collection: Collection, *, index: bool = True) -> list[Problem]:
    """Problems of every relative link and anchor in the generated Markdown."""
    paths, problems = generated_markdown(config, collection, index=index)
    checker = Checker(config)
    for path in paths:
        problems.extend(checker.check(path))
    return sorted(problems, key=sort_key)
