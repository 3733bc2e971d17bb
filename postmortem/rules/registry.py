"""Every finding of `check` comes from a rule of the catalogue (``catalog.toml``): a stable
code and name, a default severity, and documentation with a bad and a good example."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

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
    enabled: bool = True  # runs unless deselected; False: only when selected

    def __call__(self, path: str, line: int, col: int, field: str, message: str, *,
                 severity: Severity | None = None) -> Problem:
        return Problem(path, line, col, severity or self.severity, field, message, self.code)


def _catalogue() -> tuple[dict[str, Rule], dict[str, str]]:
    from postmortem.config import tomllib

    data = tomllib.loads((Path(__file__).parent / "catalog.toml").read_text(encoding="utf-8"))
    groups = data.pop("groups")
    rules = {code: Rule(code, entry["name"], entry["severity"], entry["summary"],
                        entry.get("bad", "").strip("\n"), entry.get("good", "").strip("\n"),
                        code.rstrip("0123456789"), entry.get("enabled", True))
             for code, entry in data.items()}
    return rules, groups


# code -> rule, and code prefix -> what that group of rules is about
REGISTRY, GROUPS = _catalogue()


def rule(code: str) -> Rule:
    """The rule with ``code``; its implementation reports findings by calling it."""
    return REGISTRY[code]


# A check: the subject, then the rules it reports (in the order given to RuleTable.check).
Check = Callable[..., Iterable[Problem]]


@dataclass
class RuleTable:
    """The checks of one kind of subject (an incident, a collection), run in a fixed order."""

    checks: list[tuple[tuple[Rule, ...], Check]] = field(default_factory=list)
    _chosen: dict[frozenset[str], list[tuple[tuple[Rule, ...], Check]]] = field(
        default_factory=dict, repr=False)

    def check(self, *codes: str) -> Callable[[Check], Check]:
        """Decorator: the function reports the findings of the rules ``codes``, which it
        receives after the subject."""
        rules = tuple(rule(code) for code in codes)

        def register(fn: Check) -> Check:
            self.checks.append((rules, fn))
            return fn

        return register

    def run(self, subject: object, codes: frozenset[str]) -> Iterator[Problem]:
        """The findings of the checks that report one of ``codes`` at least (a check of
        rules nobody asked for does not run)."""
        chosen = self._chosen.get(codes)
        if chosen is None:  # the same few sets of codes come for every file
            chosen = self._chosen[codes] = [(rules, check) for rules, check in self.checks
                                            if any(r.code in codes for r in rules)]
        for rules, check in chosen:
            yield from check(subject, *rules)
