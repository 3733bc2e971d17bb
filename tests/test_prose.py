"""Durations and counts in prose: what is one, what is not, and the fast way finding the same."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem.rules import prose

COUNTED = frozenset({"root causes", "fixes", "tests", "action items", "maßnahmen"})


@pytest.mark.parametrize("text, found", [
    ("resolved in 23 minutes", [("23 minutes", 23.0, False)]),
    ("nach ~1 Stunde behoben", [("~1 Stunde", 60.0, True)]),
    ("down for 1 h 5 min.", [("1 h 5 min.", 65.0, False)]),
    ("In 5MIN", [("5MIN", 5.0, False)]),
    ("ABOUT 20 Minutes and 3 s", [("ABOUT 20 Minutes and 3 s", 20.05, True)]),
    ("eine halbe Stunde später", [("eine halbe Stunde", 30.0, False)]),
    ("anderthalb Stunden", [("anderthalb Stunden", 90.0, False)]),
    ("İstanbul: 5 Minuten", [("5 Minuten", 5.0, False)]),  # lowercase is one letter longer
    ("timeouts of 15-480 minutes", []),
    ("15 TO 480 minutes", []),
    # A number word ending a word is no duration: "ones" is not one second.
    ("we restarted the failing ones", []),
    ("the tens of users", []),
    ("Punkt eins ist erledigt", []),
    ("v1.2 hours", []),
])
def test_durations(text: str, found: list[tuple[str, float, bool]]) -> None:
    assert [(d.text, round(d.minutes, 2), d.approximate) for d in prose.durations(text)] \
        == found


@pytest.mark.parametrize("text, found", [
    ("All 8 Fixes were deployed", [("All 8 Fixes", 8, "fixes", True)]),
    ("ALLE 5 Tests bestanden", [("ALLE 5 Tests", 5, "tests", True)]),
    ("three root causes", [("three root causes", 3, "root causes", False)]),
    ("a fix", []),
])
def test_counts(text: str, found: list[tuple[str, int, str, bool]]) -> None:
    assert [(c.text, c.number, c.noun, c.all_of) for c in prose.counts(text, COUNTED)] == found


words = st.sampled_from(["All", "alle", "5", "1,5", "Minuten", "MIN", "hours", "h", "s",
                         "ca.", "About", "two", "Zwei", "eine", "halbe", "Stunde", "-", "to",
                         "BIS", "and", "fixes", "Tests", "root", "causes", "x", ".", "ones",
                         "Ä", "ß", "İ"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(words, st.sampled_from([" ", "", "\t", ", "])), max_size=12))
def test_matching_lowercased_text_finds_what_ignoring_case_finds(
        parts: list[tuple[str, str]]) -> None:
    text = "".join(w + sep for w, sep in parts)
    for fast, plain in (prose._DURATION, prose._COUNT):
        lower = text.lower()
        if len(lower) != len(text):
            continue
        assert [(m.span(), m.group(0)) for m in fast.finditer(lower)] == \
            [(m.span(), m.group(0).lower()) for m in plain.finditer(text)]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(words | st.sampled_from(["٣", "5min", "forty-five", "half", "an",
                                                     "hour", "x-", "fixes2", "é", "ones"]),
                          st.sampled_from([" ", "", "\t", ", ", "-", "."])), max_size=12))
def test_words_looked_for_first_change_nothing(parts: list[tuple[str, str]]) -> None:
    """A text is scanned only when it holds the words a finding needs; scanning every text
    finds the same."""
    text = "".join(w + sep for w, sep in parts)
    found = (prose.durations(text), prose.counts(text, COUNTED))
    everything = pytest.MonkeyPatch()
    with everything.context() as m:
        m.setattr(prose, "_may_state_duration", lambda lower: True)
        m.setattr(prose, "_may_count", lambda last_words, lower: True)
        assert (prose.durations(text), prose.counts(text, COUNTED)) == found
