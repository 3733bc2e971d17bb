"""One loaded file as the checks across files see it.

This is what a worker process sends back of a file it parsed: its problems, its summary
and where the few things the rules across files point at are written. The models and the
node tree stay where the file was parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from postmortem.config import Config
from postmortem.format.load import Loaded
from postmortem.reports.summary import Summary
from postmortem.rules.noqa import Noqa
from postmortem.rules.problems import Problem


@dataclass
class Reference:
    """``related[index]``: another incident by id, or a document by URL or path."""

    index: int
    incident: str | None
    url: str | None
    line: int
    col: int


@dataclass
class Cause:
    """``root_causes[index].category``, where it is written."""

    index: int
    category: str
    line: int
    col: int


@dataclass
class Checked:
    path: Path
    rel: str
    problems: list[Problem]
    noqa: Noqa = field(default_factory=Noqa)
    id: str | None = None  # the model's id, when the file matched the schema
    own_summary: Summary | None = None  # when the file had no errors by itself
    related: list[Reference] = field(default_factory=list)
    causes: list[Cause] = field(default_factory=list)
    started_at: tuple[int, int] = (1, 1)

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def summary(self) -> Summary | None:
        """The summary while the file has no errors, those across files included: only
        valid incidents are rendered and linked."""
        if self.own_summary is None or any(p.severity == "error" for p in self.problems):
            return None
        return self.own_summary


def checked(loaded: Loaded, config: Config) -> Checked:
    from postmortem.format.yamlread import position
    from postmortem.reports.paths import report_path
    from postmortem.reports.summary import summarize

    out = Checked(loaded.path, loaded.rel, loaded.problems, loaded.noqa)
    model = loaded.model
    if model is None:
        return out
    out.id = model.id
    out.related = [Reference(i, ref.incident, ref.url, *loaded.related_at[i])
                   for i, ref in enumerate(model.related)]
    incident = loaded.incident
    if incident is not None:
        out.own_summary = summarize(incident, config, loaded.rel,
                                    config.rel(report_path(config, loaded.path)))
        out.started_at = position(loaded.root, ("started",))
        out.causes = [Cause(i, cause.category, *position(loaded.root,
                                                         ("root_causes", i, "category")))
                      for i, cause in enumerate(incident.root_causes) if cause.category]
    return out
