"""Durations and counts stated in prose, in English and German, with their positions.

The consistency rules compare them with what the structured fields say; this module only
reads the text. Each finding keeps how approximate the statement is, so that the rules can
allow a wider tolerance for "~1 Stunde" than for "23 minutes".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_EN_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
               "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
               "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
               "forty-five": 45, "sixty": 60, "ninety": 90, "both": 2}
_DE_NUMBERS = {"ein": 1, "eine": 1, "einer": 1, "einen": 1, "eins": 1, "zwei": 2, "drei": 3,
               "vier": 4, "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
               "elf": 11, "zwölf": 12, "fünfzehn": 15, "zwanzig": 20, "dreißig": 30,
               "vierzig": 40, "fünfundvierzig": 45, "sechzig": 60, "neunzig": 90, "beide": 2,
               "beiden": 2}
NUMBER_WORDS = {**_EN_NUMBERS, **_DE_NUMBERS}
_FRACTIONS = {"half an": 0.5, "half a": 0.5, "a half": 0.5, "eine halbe": 0.5, "einer halben": 0.5,
              "anderthalb": 1.5, "eineinhalb": 1.5, "one and a half": 1.5}

# unit word -> minutes; longest spellings first in the pattern
_UNITS = {
    "seconds": 1 / 60, "second": 1 / 60, "secs": 1 / 60, "sec": 1 / 60, "s": 1 / 60,
    "sekunden": 1 / 60, "sekunde": 1 / 60, "sek": 1 / 60,
    "minutes": 1, "minute": 1, "mins": 1, "min": 1, "minuten": 1,
    "hours": 60, "hour": 60, "hrs": 60, "hr": 60, "h": 60, "stunden": 60, "stunde": 60,
    "std": 60,
    "days": 1440, "day": 1440, "tage": 1440, "tagen": 1440, "tag": 1440,
}
_APPROX = ("~", "≈", "ca.", "ca", "circa", "etwa", "rund", "ungefähr", "about", "around",
           "roughly", "approximately", "approx.", "approx", "nearly", "almost", "fast", "knapp",
           "gut", "some", "over", "more than", "über", "mehr als", "under", "less than",
           "unter", "weniger als", "up to", "bis zu")

_NUM = r"\d+(?:[.,]\d+)?"


def _patterns(pattern: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """``pattern`` for lowercased text, and ignoring case for text whose lowercase has
    another length (offsets must stay those of the text). Matching lowercased text is about
    three times faster: Python's `re` skips a branch of words at its first letter only
    when case counts."""
    return re.compile(pattern), re.compile(pattern, re.I)


def _finditer(patterns: tuple[re.Pattern[str], re.Pattern[str]], text: str,
              needed: Callable[[str], bool]) -> Iterator[re.Match[str]]:
    """The matches in ``text``, not looked for where ``needed`` says (of the lowercased text)
    that none can be."""
    lower = text.lower()
    if len(lower) == len(text):
        return patterns[0].finditer(lower) if needed(lower) else iter(())
    return patterns[1].finditer(text)


# A duration's unit, number word and a counted noun are each a whole run of these letters
# in the lowercased text (the patterns want no letter, digit or hyphen around them), so a
# text without such a word holds none: a set of its words costs a fifth of a scan.
_WORD = re.compile(r"[a-zäöüß-]+")
_DIGIT = re.compile(r"\d")


def _words(lower: str) -> set[str]:
    return set(_WORD.findall(lower))
_WORD_NUM = "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True))
_FRACTION = "|".join(sorted(map(re.escape, _FRACTIONS), key=len, reverse=True))
_UNIT = "|".join(sorted(map(re.escape, _UNITS), key=len, reverse=True))
_APPROX_RE = "|".join(sorted(map(re.escape, _APPROX), key=len, reverse=True))
# A figure may touch its unit ("5min"); a number word is a word of its own ("ones" is no
# second, "tens" no ten seconds).
_QUANTITY = rf"(?:{_NUM}[ \t\u00a0]*|(?:{_FRACTION}|{_WORD_NUM})[ \t\u00a0]+)"
_PART = rf"{_QUANTITY}(?:{_UNIT})\.?(?![\w-])"
_DURATION = _patterns(
    rf"(?<![\w.:/-])(?P<approx>(?:{_APPROX_RE})[ \t\u00a0]*)?"
    rf"(?P<parts>{_PART}(?:[ \t\u00a0]*(?:,|and|und)?[ \t\u00a0]*{_PART})*)"
    rf"(?P<range>[ \t\u00a0]*(?:-|–|to|bis)[ \t\u00a0]*{_NUM})?")
_UNIT_WORDS = frozenset(_UNITS)
_QUANTITY_WORDS = frozenset(NUMBER_WORDS) | {w for f in _FRACTIONS for w in f.split()}


def _may_state_duration(lower: str) -> bool:
    words = _words(lower)
    return not words.isdisjoint(_UNIT_WORDS) and (
        _DIGIT.search(lower) is not None or not words.isdisjoint(_QUANTITY_WORDS))


_PART_RE = re.compile(rf"(?P<q>{_NUM}|{_FRACTION}|{_WORD_NUM})[ \t\u00a0]*(?P<u>{_UNIT})\.?")
# A number range before the unit ("15-480 minutes") is a range, not one duration.
_RANGE_BEFORE = re.compile(rf"{_NUM}[ \t\u00a0]*(?:-|–|to|bis)[ \t\u00a0]*$", re.I)


@dataclass(frozen=True)
class Duration:
    start: int  # offset in the text
    end: int
    minutes: float
    approximate: bool  # "~1 Stunde", "about 20 minutes"
    text: str


def _quantity(text: str) -> float:
    word = text.lower()
    if word in _FRACTIONS:
        return _FRACTIONS[word]
    if word in NUMBER_WORDS:
        return float(NUMBER_WORDS[word])
    return float(word.replace(",", "."))


def durations(text: str) -> list[Duration]:
    """Every duration stated in ``text``: "23 minutes", "~1 Stunde", "1 h 5 min",
    "ca. 8 Min.", "eine halbe Stunde". Ranges ("15-480 minutes") are left out."""
    out = []
    for m in _finditer(_DURATION, text, _may_state_duration):
        if m.group("range") or _RANGE_BEFORE.search(text, 0, m.start()):
            continue
        minutes = 0.0
        for part in _PART_RE.finditer(m.group("parts").lower()):
            minutes += _quantity(part.group("q")) * _UNITS[part.group("u")]
        if minutes <= 0:
            continue
        approx = m.group("approx")
        out.append(Duration(m.start(), m.end(), minutes, bool(approx),
                            text[m.start():m.end()].strip()))
    return out


@dataclass(frozen=True)
class Count:
    start: int
    end: int
    number: int
    noun: str  # the noun as written, lowercased
    all_of: bool  # "all 8 fixes", "alle 5 Tests": every one of them
    text: str


_NO_COUNT = frozenset(("a", "an", "ein", "eine", "einer", "einen"))  # "a fix" counts nothing
_COUNT_WORDS = frozenset(NUMBER_WORDS) - _NO_COUNT
_COUNT = _patterns(
    rf"(?<![\w./:-])(?P<all>(?:all|alle|sämtliche)[ \t]+(?:the[ \t]+|der[ \t]+|die[ \t]+)?)?"
    rf"(?P<n>\d+|{_WORD_NUM})[ \t]+(?P<w1>[A-Za-zÄÖÜäöüß-]+)(?:[ \t]+(?P<w2>[A-Za-zÄÖÜäöüß-]+))?"
    rf"(?:[ \t]+(?P<w3>[A-Za-zÄÖÜäöüß-]+))?")


def _may_count(last_words: frozenset[str], lower: str) -> bool:
    if not any(word in lower for word in last_words):  # most texts count nothing: 1 us
        return False
    words = _words(lower)
    return not words.isdisjoint(last_words) and (
        _DIGIT.search(lower) is not None or not words.isdisjoint(_COUNT_WORDS))


@functools.cache
def _last_words(nouns: frozenset[str]) -> frozenset[str]:
    return frozenset(noun.rsplit(" ", 1)[-1] for noun in nouns)


def counts(text: str, nouns: frozenset[str]) -> list[Count]:
    """Numbers of things stated in ``text`` ("three root causes", "All 8 fixes",
    "alle 5 Tests"), for the nouns (lowercase, as written in the text) asked about. One
    word may stand between number and noun ("3 critical issues"); "a"/"ein" never count."""
    out = []
    for m in _finditer(_COUNT, text, functools.partial(_may_count, _last_words(nouns))):
        number_text = m.group("n").lower()
        if number_text in _NO_COUNT:
            continue
        words = [w for w in (m.group("w1"), m.group("w2"), m.group("w3")) if w]
        # The noun right after the number ("8 fixes"), after one word ("3 critical issues"),
        # or of two words ("three root causes").
        for first, last in ((0, 2), (0, 1), (1, 3), (1, 2)):
            if last > len(words):
                continue
            noun = " ".join(words[first:last]).lower()
            if noun in nouns:
                end = m.start("w1") + len(" ".join(words[:last]))
                number = int(number_text) if number_text.isdigit() else NUMBER_WORDS[number_text]
                out.append(Count(m.start(), end, number, noun, bool(m.group("all")),
                                 text[m.start():end]))
                break
    return out
