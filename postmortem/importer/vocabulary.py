"""The words the importer understands: vocab/*.toml read once, matched by meaning, not case."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources

from postmortem.config import tomllib

_EMPHASIS = re.compile(r"\*\*|__|[*_`~]")
_NUMBERING = re.compile(r"^(?:#+\s*)?(?:\d+(?:\.\d+)*\.?|[a-z]\)|[ivx]+\.)\s+")
_EDGES = " \t:?!.,;–—-|/\\\"'“”„«»()[]"
_SPACES = re.compile(r"\s+")
_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_HYPHENS = str.maketrans("\u2010\u2011", "--")


def _symbol(ch: str) -> bool:
    return unicodedata.category(ch) in ("So", "Cs", "Co", "Cn") or ch in "\ufe0f\u200d"


# Headings and labels are looked up in several tables, and the same words recur across
# documents: the normal form is computed once per text.
@functools.lru_cache(maxsize=8192)
def key(text: str) -> str:
    """``text`` as vocabulary entries are matched: casefolded, without emoji, emphasis,
    leading numbering, surrounding punctuation or repeated white space."""
    # The hyphens word processors put in (U+2010, non-breaking U+2011) are hyphens:
    # SEV-1 and Follow-ups written with them. One character for one, so positions stay.
    text = unicodedata.normalize("NFC", text).casefold().translate(_HYPHENS)
    text = _EMPHASIS.sub("", text)
    if not text.isascii():
        text = _NON_ASCII.sub(lambda m: " " if _symbol(m.group()) else m.group(), text)
    text = _SPACES.sub(" ", text).strip(_EDGES)
    text = _NUMBERING.sub("", text)
    return text.strip(_EDGES)


def symbols(text: str) -> str:
    """The emoji and other symbols of ``text``, in order (variation selectors kept)."""
    return "".join(ch for ch in text if _symbol(ch))


def split_paren(text: str) -> tuple[str, str | None]:
    """``Immediate Fix (Applied)`` -> (``Immediate Fix``, ``Applied``)."""
    m = _PAREN.search(text)
    if m and m.start() > 0:
        return text[: m.start()].rstrip(), m.group(1).strip()
    return text, None


@dataclass(frozen=True)
class Match:
    """A vocabulary entry found in a text: its key, the phrase and where it stood."""

    key: str
    phrase: str
    start: int
    end: int
    language: str

    @property
    def symbol(self) -> bool:
        return not key(self.phrase)


@dataclass
class Vocabulary:
    """Every language's tables merged: table -> phrase (as :func:`key` gives it) -> keys."""

    words: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)
    # Symbol entries (emoji) per table, longest first: found anywhere in a text.
    marks: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    months: dict[str, int] = field(default_factory=dict)
    title_prefixes: list[str] = field(default_factory=list)
    languages: tuple[str, ...] = ()
    _patterns: dict[str, re.Pattern[str]] = field(default_factory=dict, repr=False)

    def add(self, language: str, data: dict[str, object]) -> None:
        for table, entries in data.items():
            if not isinstance(entries, dict):
                continue
            if table == "months":
                for number, names in entries.items():
                    for name in names:
                        self.months.setdefault(key(name), int(number))
                continue
            if table == "title_prefixes":
                self.title_prefixes.extend(key(w) for w in entries["words"])
                continue
            for name, phrases in entries.items():
                for phrase in phrases:
                    normal = key(phrase)
                    if normal:
                        keys = self.words.setdefault(table, {}).setdefault(normal, [])
                        if (name, language) not in keys:
                            keys.append((name, language))
                    else:
                        self.marks.setdefault(table, []).append((phrase, name, language))
        for table in self.marks:
            self.marks[table].sort(key=lambda m: -len(m[0]))

    def lookup(self, table: str, text: str) -> list[str]:
        """Keys of ``table`` whose phrase is all of ``text`` (in vocabulary order)."""
        return [name for name, _ in self.words.get(table, {}).get(key(text), [])]

    def languages_of(self, table: str, text: str) -> set[str]:
        return {lang for _, lang in self.words.get(table, {}).get(key(text), []) if lang}

    def heading(self, table: str, text: str) -> tuple[list[str], str | None]:
        """Keys for a heading, tried whole and without its closing parenthetical (returned)."""
        found = self.lookup(table, text)
        if found:
            return found, None
        bare, paren = split_paren(text)
        if paren is not None:
            found = self.lookup(table, bare)
            if found:
                return found, paren
        # "Lessons Learned / Erkenntnisse": either half names it; "Appendix: Commands".
        for part in [*re.split(r"\s+/\s+", text), text.partition(":")[0]]:
            if part != text:
                found = self.lookup(table, part)
                if found:
                    return found, None
        return [], None

    def find(self, table: str, text: str) -> Match | None:
        """The entry of ``table`` that ``text`` states: a phrase at its start (the longest),
        else a distinctive phrase anywhere (several words, a hyphen or a digit), else an
        emoji."""
        normal = key(text)
        entries = self.words.get(table, {})
        for m in self._pattern(table).finditer(normal):
            phrase = m.group(0)
            if m.start() == 0 or _distinctive(phrase):
                name, language = entries[phrase][0]
                return Match(name, phrase, m.start(), m.end(), language)
        for phrase, name, language in self.marks.get(table, []):
            at = text.find(phrase)
            if at >= 0:
                return Match(name, phrase, at, at + len(phrase), language)
        return None

    def first(self, table: str, text: str) -> Match | None:
        """The entry of ``table`` that ``text`` names first, wherever it stands."""
        m = self._pattern(table).search(key(text))
        if m is None:
            return None
        name, language = self.words[table][m.group(0)][0]
        return Match(name, m.group(0), m.start(), m.end(), language)

    def _pattern(self, table: str) -> re.Pattern[str]:
        pattern = self._patterns.get(table)
        if pattern is None:
            phrases = sorted(self.words.get(table, {}), key=lambda p: (-len(p), p))
            alternatives = "|".join(re.escape(p) for p in phrases) or "(?!)"
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
            self._patterns[table] = pattern
        return pattern

    def mentions(self, table: str, name: str, text: str) -> bool:
        """Whether ``text`` (casefolded, emoji and brackets kept) says one of the phrases
        that ``table`` lists under ``name``."""
        pattern = self._patterns.get(f"{table}\0{name}")
        if pattern is None:
            phrases = sorted((p for p, keys in self.words.get(table, {}).items()
                              if any(k == name for k, _ in keys)), key=len, reverse=True)
            alternatives = "|".join(re.escape(p) for p in phrases) or "(?!)"
            pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
            self._patterns[f"{table}\0{name}"] = pattern
        return pattern.search(text.casefold()) is not None

    def month(self, word: str) -> int | None:
        return self.months.get(key(word))


def _distinctive(phrase: str) -> bool:
    """A phrase unlikely to mean anything else where it stands: not one plain word."""
    return " " in phrase or "-" in phrase or any(c.isdigit() for c in phrase)


@functools.lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Every vocab/*.toml of the package, merged (common words first)."""
    folder = resources.files("postmortem.importer") / "vocab"
    names = sorted((f.name for f in folder.iterdir() if f.name.endswith(".toml")),
                   key=lambda n: (n != "common.toml", n != "en.toml", n))
    vocab = Vocabulary()
    languages = []
    for name in names:
        data = tomllib.loads((folder / name).read_text(encoding="utf-8"))
        language = str(data.get("language", ""))
        if language:
            languages.append(language)
        vocab.add(language, data)
    vocab.languages = tuple(languages)
    return vocab
