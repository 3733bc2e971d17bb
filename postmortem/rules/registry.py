"""Every finding of `check` comes from a rule registered here: a stable code and name, a
default severity, and the documentation (`docs/rules.md`) with a bad and a good example."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

from postmortem.rules.problems import Problem, Severity


@dataclass(frozen=True)
class Rule:
    """One kind of finding. Calling it makes a Problem of that kind."""

    code: str  # stable: "M004"
    name: str  # stable: "milestone-order"
    severity: Severity  # the default
    summary: str  # what it finds, one sentence
    bad: str = ""  # an incident-file excerpt it reports
    good: str = ""  # the same, fixed
    group: str = field(default="", compare=False)

    def __call__(self, path: str, line: int, col: int, field: str, message: str, *,
                 severity: Severity | None = None) -> Problem:
        return Problem(path, line, col, severity or self.severity, field, message, self.code)


REGISTRY: dict[str, Rule] = {}
# code prefix -> what the group is about (the sections of docs/rules.md)
GROUPS: dict[str, str] = {}


def group(prefix: str, title: str) -> None:
    GROUPS[prefix] = title


def define(code: str, name: str, severity: Severity, summary: str, *, bad: str = "",
           good: str = "") -> Rule:
    """Register a rule; codes and names are unique for good."""
    if code in REGISTRY:
        raise ValueError(f"rule code {code} is defined twice")
    if any(r.name == name for r in REGISTRY.values()):
        raise ValueError(f"rule name {name} is defined twice")
    rule = Rule(code, name, severity, summary, bad, good, code.rstrip("0123456789"))
    REGISTRY[code] = rule
    return rule


C = TypeVar("C")
Check = Callable[[C], Iterable[Problem]]


@dataclass
class RuleTable:
    """Checks of one kind of subject (an incident, a collection), run in a fixed order."""

    checks: list[tuple[tuple[Rule, ...], Callable[..., Iterable[Problem]]]] = \
        field(default_factory=list)

    def add(self, *rules: Rule) -> Callable[[Check[C]], Check[C]]:
        """Decorator: the function reports the findings of ``rules``."""

        def register(fn: Check[C]) -> Check[C]:
            self.checks.append((rules, fn))
            return fn

        return register

    def run(self, subject: object) -> Iterator[Problem]:
        for _, check in self.checks:
            yield from check(subject)
