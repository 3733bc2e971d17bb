"""Problems found in incident files, and how they are printed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

from postmortem.text import visible

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, located in a file (1-based line and column; 0 means "the whole file")."""

    path: str
    line: int
    col: int
    severity: Severity
    field: str
    message: str
    code: str  # the rule's code in rules/catalog.toml

    def format(self) -> str:
        """One line for a terminal: what it would act on (a line break or an escape sequence
        in a quoted value, a path or a key) is shown as an escape."""
        where = f"{self.path}:{self.line}:{self.col}" if self.line else f"{self.path}:1:1"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return visible(f"{where}: {self.severity}: {what} [{self.code}]")


def sort_key(p: Problem) -> tuple[str, int, int, int, str, str]:
    return (p.path, p.line, p.col, 0 if p.severity == "error" else 1, p.field, p.message)


def summary(problems: Iterable[Problem], files: int) -> str:
    problems = list(problems)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    noun = "file" if files == 1 else "files"
    if not problems:
        return f"{files} {noun} checked, no problems"
    return (
        f"{files} {noun} checked: {errors} error{'s' * (errors != 1)}, "
        f"{warnings} warning{'s' * (warnings != 1)}"
    )


def to_json(problems: Iterable[Problem]) -> str:
    return json.dumps([asdict(p) for p in problems], ensure_ascii=False, indent=2) + "\n"


def is_failure(problems: Iterable[Problem], *, strict: bool) -> bool:
    return any(p.severity == "error" or strict for p in problems)
