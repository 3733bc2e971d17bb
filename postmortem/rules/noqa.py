"""Findings silenced for one line: a YAML comment ``# noqa: C003`` (codes or rule names,
comma-separated, a reason may follow) on the line of the finding, or on the line that opens
the block of text the finding is in (``summary: |  # noqa: C003 -- stated as the seed has it``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from postmortem.rules.problems import Problem
from postmortem.rules.registry import REGISTRY, rule

UNUSED_NOQA = rule("Q001")
NOQA_WITHOUT_CODE = rule("Q002")
UNKNOWN_NOQA_CODE = rule("Q003")

_NOQA = re.compile(r"(?:^|[ \t])#[ \t]*noqa\b(?P<rest>[^\n]*)", re.I | re.M)
_CODES = re.compile(r"^[ \t]*:[ \t]*(?P<codes>[A-Za-z][\w-]*(?:[ \t]*,[ \t]*[A-Za-z][\w-]*)*)")
_BY_NAME = {r.name: r.code for r in REGISTRY.values()}
# Findings across files and of the scan for private data (only `check` runs it) are added
# after a file is loaded; their comments are judged then, or not at all.
LATE_GROUPS = ("X", "P")


@dataclass
class Noqa:
    """The noqa comments of one file."""

    # line -> code -> (as written, column of the comment)
    codes: dict[int, dict[str, tuple[str, int]]] = field(default_factory=dict)
    opener: dict[int, int] = field(default_factory=dict)  # block text line -> its key's line
    used: set[tuple[int, str]] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)  # the comments' own problems

    def silences(self, problem: Problem) -> bool:
        if not problem.code:
            return False
        for line in (problem.line, self.opener.get(problem.line)):
            if line is not None and problem.code in self.codes.get(line, {}):
                self.used.add((line, problem.code))
                return True
        return False

    def apply(self, problems: Iterable[Problem]) -> list[Problem]:
        return [p for p in problems if not self.silences(p)]

    def unused(self, rel: str, groups: tuple[str, ...] = ()) -> list[Problem]:
        """Comments naming a code that reported nothing on their line: of the rules of
        ``groups``, or without groups of all rules but the late ones."""
        out = []
        for line, codes in sorted(self.codes.items()):
            for code, (written, col) in codes.items():
                judged = code.startswith(groups) if groups else not code.startswith(LATE_GROUPS)
                if (line, code) not in self.used and judged:
                    out.append(UNUSED_NOQA(rel, line, col, code, (
                        f"'# noqa: {written}' silences nothing here: no {code} finding on this "
                        "line; remove it")))
        return out


def find(text: str, rel: str, root: Node | None) -> Noqa:
    """The noqa comments of ``text``: only real comments, not `# noqa` inside text values."""
    if "noqa" not in text.lower():
        return Noqa()
    spans, openers = _text_spans(root)
    noqa = Noqa(opener=openers)
    line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
    for m in _NOQA.finditer(text):
        start = m.start() if text[m.start()] == "#" else m.start() + 1
        line = _line_of(line_starts, start)
        col = start - line_starts[line - 1] + 1
        if any(a <= (line, col) < b for a, b in spans):
            continue  # inside a quoted or block text: content, not a comment
        codes = _CODES.match(m.group("rest"))
        if codes is None:
            noqa.problems.append(NOQA_WITHOUT_CODE(rel, line, col, "", (
                "'# noqa' silences nothing without codes: name them, e.g. '# noqa: M006'")))
            continue
        for written in (c.strip() for c in codes.group("codes").split(",")):
            code = written.upper() if written.upper() in REGISTRY else _BY_NAME.get(written)
            if code is None:
                noqa.problems.append(UNKNOWN_NOQA_CODE(rel, line, col, "", (
                    f"'# noqa: {written}' names no rule; `postmortem rules` lists them")))
                continue
            noqa.codes.setdefault(line, {})[code] = (written, col)
    return noqa


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:  # the last line start at or before offset
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


Pos = tuple[int, int]


def _text_spans(root: Node | None) -> tuple[list[tuple[Pos, Pos]], dict[int, int]]:
    """(start, end) positions of quoted and block texts, and each block text line's opener."""
    spans: list[tuple[Pos, Pos]] = []
    openers: dict[int, int] = {}
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            if node.style:
                start = (node.start_mark.line + 1, node.start_mark.column + 1)
                end = (node.end_mark.line + 1, node.end_mark.column + 1)
                if node.style in "|>":
                    start = (start[0] + 1, 1)  # the indicator line may hold the comment
                    for line in range(start[0], end[0] + 1):
                        openers[line] = node.start_mark.line + 1
                spans.append((start, end))
        elif isinstance(node, MappingNode):
            stack.extend(v for pair in node.value for v in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return spans, openers
