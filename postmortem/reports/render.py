"""`render`: gather every incident, link them, then write the reports and the index."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from postmortem.config import Config
from postmortem.format.load import Loaded, Source, incident_files, load_source, read_source
from postmortem.format.model import Incident
from postmortem.gcpause import gc_paused
from postmortem.reports.fingerprint import REPORT_TEMPLATE, fingerprint
from postmortem.reports.generated import (
    Outcome,
    inspect,
    put,
    remove_generated,
    up_to_date,
    with_marker,
)
from postmortem.reports.index import write_index
from postmortem.reports.links import LinkGraph, Links
from postmortem.reports.markdown import tidy
from postmortem.reports.paths import report_path
from postmortem.reports.report import report_context
from postmortem.reports.summary import Summary, SummaryCache, summarize
from postmortem.rules.across import check_across
from postmortem.rules.collection import cross_check
from postmortem.rules.problems import Problem, sort_key
from postmortem.rules.registry import rule

NOT_OURS = rule("R001")


@dataclass
class RenderResult:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    def changed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action != "unchanged"]


@dataclass
class Entry:
    """One incident file in a render run: a summary always, the model only when needed."""

    source: Source
    summary: Summary | None = None
    loaded: Loaded | None = None
    # The file's own problems, without those across files: what the cache keeps. A cache
    # hit has warnings only, since files with errors have no summary to cache.
    own_problems: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.loaded.problems if self.loaded is not None else self.own_problems

    def model(self, config: Config) -> Incident:
        if self.loaded is None:
            self.loaded = load_source(self.source, config)
        assert self.loaded.incident is not None, self.source.rel
        return self.loaded.incident


def gather(config: Config, cache: SummaryCache) -> tuple[list[Entry], list[Problem]]:
    """Every incident file with its summary: from the cache when it knows the file's bytes,
    else through the one loading path."""
    paths = incident_files(config)
    entries: list[Entry] = []
    for path in paths:
        source = read_source(path, config)
        entry = Entry(source)
        hit = cache.get(source.rel, source.sha) if source.data is not None else None
        if hit is not None:
            entry.summary, entry.own_problems = hit
        else:
            entry.loaded = load_source(source, config)
        entries.append(entry)
    known = {e.source.path.name[: -len(".yaml")] for e in entries}
    # A cached file was valid when cached; references to files since removed need a re-check.
    for entry in entries:
        if entry.summary and any(ref not in known for ref, _ in entry.summary.related):
            entry.summary, entry.loaded = None, load_source(entry.source, config)
    for entry in entries:
        if entry.loaded is not None:
            entry.own_problems = list(entry.loaded.problems)
    loaded = [e.loaded for e in entries if e.loaded is not None]
    cross_check(loaded, paths, config)
    for entry in entries:
        if entry.loaded is not None and entry.loaded.incident is not None:
            entry.summary = summarize(entry.loaded.incident, config, entry.source.rel,
                                      config.rel(report_path(config, entry.source.path)))
    check_across(loaded, {e.summary.id: e.summary for e in entries if e.summary is not None},
                 config)
    problems = sorted((p for e in entries for p in e.problems), key=sort_key)
    return entries, problems


def render_report(config: Config, incident: Incident, source_rel: str, report_rel: str,
                  links: Links) -> str:
    from postmortem.templating import render

    context = report_context(incident, config, source_rel, report_rel, links)
    return tidy(render(config, REPORT_TEMPLATE, context))


def render_all(config: Config, *, check: bool = False) -> RenderResult:
    """Write (or with ``check``, only compare) every report; never touch files not ours."""
    with gc_paused():
        return _render_all(config, check=check)


def _render_all(config: Config, *, check: bool) -> RenderResult:
    digest = fingerprint(config)
    cache = SummaryCache(config, digest)
    entries, problems = gather(config, cache)
    result = RenderResult(problems=problems, files=len(entries))
    valid = {e.summary.id: e for e in entries if e.summary is not None}
    summaries = {key: e.summary for key, e in valid.items() if e.summary is not None}
    graph = LinkGraph(summaries, config.rel(config.index_path))
    expected: set[Path] = set()
    for key in sorted(valid):
        entry = valid[key]
        source = entry.source
        out = report_path(config, source.path)
        expected.add(out)
        report_rel = config.rel(out)
        inputs = hashlib.sha256(f"{digest}\0{source.sha}\0{graph.digest(key)}"
                                .encode()).hexdigest()[:16]
        existing = inspect(out)
        if up_to_date(existing, inputs):
            result.outcomes.append(Outcome(report_rel, "unchanged"))
            continue
        body = render_report(config, entry.model(config), source.rel, report_rel,
                             graph.links(key))
        action = put(out, with_marker(source.rel, inputs, body), check=check, existing=existing)
        result.outcomes.append(Outcome(report_rel, action))
        if action == "not-ours":
            result.problems.append(NOT_OURS(report_rel, 1, 1, "", (
                f"not overwritten: the file exists and was not generated by postmortem; move "
                f"it away (or set output_dir) so that the report of {source.rel} can be "
                "written")))
    outcome, problem = write_index(config, [(e.source.rel, e.source.sha) for e in valid.values()],
                                   summaries, digest, check=check)
    result.outcomes.append(outcome)
    if problem is not None:
        result.problems.append(problem)
    _remove_orphans(config, expected, result, check=check)
    if not check:
        cache.save({e.source.rel: (e.source.sha, e.summary, e.own_problems) for e in entries
                    if e.summary is not None})
    result.outcomes.sort(key=lambda o: o.path)
    result.problems.sort(key=sort_key)
    return result


def _remove_orphans(config: Config, expected: set[Path], result: RenderResult, *,
                    check: bool) -> None:
    """Generated files whose source is gone: reports of deleted incident files, and an index
    left behind when index_file moved. The marker says we made them, so ours to delete."""
    folder = config.reports_dir
    if not folder.is_dir():
        return
    incidents = config.rel(config.incidents_dir)

    def orphaned(source: str) -> bool:
        if source == incidents + "/":
            return True  # an index; the current one is in `expected`
        return (source.startswith(incidents + "/") and source.endswith(".yaml")
                and not (config.root / source).exists())

    candidates = set(folder.rglob("*.md"))
    if config.index_path.parent != folder and (folder / "README.md").exists():
        candidates.add(folder / "README.md")
    for path in sorted(candidates):
        if path in expected or path == config.index_path:
            continue
        action = remove_generated(path, check=check, orphaned=orphaned)
        if action is not None:
            result.outcomes.append(Outcome(config.rel(path), action))
