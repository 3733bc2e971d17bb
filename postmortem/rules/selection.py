"""Which rules run and how severe their findings are: `select`, `ignore`, per-file ignores and
severity overrides, from the configuration and the command line (as ruff and flake8 do)."""

from __future__ import annotations

import dataclasses
import difflib
import fnmatch
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from postmortem.config import Config
from postmortem.errors import UsageError
from postmortem.rules.problems import Problem, Severity
from postmortem.rules.registry import REGISTRY, Rule

SEVERITY_NAMES: tuple[Severity, ...] = ("error", "warning")
_SELECTIONS: dict[object, Selection] = {}
_UNUSED_NOQA = "Q001"


def matching(selector: str, *, where: str) -> list[Rule]:
    """The rules a selector names: a code (``M006``), a code prefix (``M``, ``M00``), a rule
    name (``timeline-order``) or ``ALL``."""
    wanted = selector.strip()
    if wanted.upper() == "ALL":
        return list(REGISTRY.values())
    found = [r for r in REGISTRY.values()
             if r.code.startswith(wanted.upper()) or r.name == wanted.lower()]
    if found and wanted[:1].isalpha():
        return found
    padded = f"{wanted[:1].upper()}{wanted[1:].zfill(3)}"  # M6 and M06 mean M006
    names = [*REGISTRY, *(r.name for r in REGISTRY.values())]
    close = [padded] if padded in REGISTRY else difflib.get_close_matches(wanted, names, n=1)
    hint = f"did you mean '{close[0]}'?" if close else "`postmortem rules` lists them all"
    raise UsageError(f"{where}: '{selector}' names no rule", hint=hint)


def override(config: Config, *, select: Sequence[str] = (), ignore: Sequence[str] = ()
             ) -> Config:
    """``config`` with the command line's choice: ``select`` replaces the configured
    selection and its ignores; ``ignore`` adds to the ignores."""
    for option, values in (("--select", select), ("--ignore", ignore)):
        for value in values:
            matching(value, where=option)
    if select:
        return dataclasses.replace(config, select=tuple(select), ignore=tuple(ignore))
    return dataclasses.replace(config, ignore=(*config.ignore, *ignore))


def split_codes(values: Iterable[str]) -> tuple[str, ...]:
    """``--select M,C --select X001`` -> ("M", "C", "X001")."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Selection:
    """The rules that report, per file, and the severity each reports with."""

    enabled: frozenset[str]
    per_file: tuple[tuple[str, frozenset[str]], ...] = ()  # (glob, codes ignored there)
    severity: dict[str, Severity] = field(default_factory=dict)

    @classmethod
    def build(cls, *, select: Sequence[str] | None = None, ignore: Iterable[str] = (),
              per_file_ignores: dict[str, list[str]] | None = None,
              severity: dict[str, str] | None = None, where: str = "configuration"
              ) -> Selection:
        """``select`` None means the rules enabled by default."""
        if select is None:
            chosen = {r.code for r in REGISTRY.values() if r.enabled}
        else:
            chosen = {r.code for s in select for r in matching(s, where=where)}
        chosen -= {r.code for s in ignore for r in matching(s, where=where)}
        per_file = tuple(
            (pattern, frozenset(r.code for s in codes for r in matching(s, where=where)))
            for pattern, codes in (per_file_ignores or {}).items())
        levels: dict[str, Severity] = {}
        for selector, level in (severity or {}).items():
            if level not in SEVERITY_NAMES:
                raise UsageError(f"{where}: severity of '{selector}' must be 'error' or "
                                 f"'warning', not '{level}'")
            for r in matching(selector, where=where):
                levels[r.code] = level
        return cls(frozenset(chosen), per_file, levels)

    @classmethod
    def of(cls, config: Config) -> Selection:
        """The selection a configuration (and the command line, through it) makes."""
        key = (config.select, config.ignore, config.per_file_ignores, config.severity)
        found = _SELECTIONS.get(key)
        if found is None:
            where = {"pyproject.toml": "pyproject.toml [tool.postmortem.check]",
                     "postmortem.toml": "postmortem.toml [check]"}.get(
                config.source.name if config.source else "", "configuration [check]")
            found = cls.build(select=config.select, ignore=config.ignore,
                              per_file_ignores={g: list(c) for g, c in config.per_file_ignores},
                              severity=dict(config.severity), where=where)
            _SELECTIONS[key] = found
        return found

    @functools.cached_property
    def errors(self) -> frozenset[str]:
        """The rules that run and report errors."""
        return frozenset(code for code in self.enabled
                         if self.severity.get(code, REGISTRY[code].severity) == "error")

    def apply(self, problems: Iterable[Problem]) -> list[Problem]:
        """The problems of selected rules, at their configured severity. Findings without a
        code (none should be left) always pass."""
        out = []
        for p in problems:
            if p.code == _UNUSED_NOQA and p.field not in self.enabled:
                continue  # the comment's rule did not run: it could not be used
            if p.code:
                if p.code not in self.enabled or any(
                        p.code in codes and fnmatch.fnmatchcase(p.path, pattern)
                        for pattern, codes in self.per_file):
                    continue
                level = self.severity.get(p.code)
                if level is not None and level != p.severity:
                    p = Problem(p.path, p.line, p.col, level, p.field, p.message, p.code)
            out.append(p)
        return out
