"""`render`: gather every incident, link them, then write the reports and the index."""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from postmortem.atomic import TEMP_NAME, leftover_temps, locked, remove
from postmortem.config import Config
from postmortem.format.load import Loaded, Source, incident_files, load_source, read_source
from postmortem.format.model import Incident
from postmortem.gcpause import gc_paused
from postmortem.reports.fingerprint import REPORT_TEMPLATE, fingerprint
from postmortem.reports.generated import (
    Existing,
    Outcome,
    edited,
    inspect,
    not_ours,
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
    listing = incident_files(config)
    paths = listing.files
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
    problems = sorted([*listing.problems, *(p for e in entries for p in e.problems)],
                      key=sort_key)
    return entries, problems


def render_report(config: Config, incident: Incident, source_rel: str, report_rel: str,
                  links: Links) -> str:
    from postmortem.templating import render

    context = report_context(incident, config, source_rel, report_rel, links)
    return tidy(render(config, REPORT_TEMPLATE, context))


def render_all(config: Config, *, check: bool = False, force: bool = False,
               waiting: Callable[[], None] | None = None) -> RenderResult:
    """Write (or with ``check``, only compare) every report; never touch files not ours, and
    replace hand-edited ones only with ``force`` (keeping the edit beside them).

    Runs in one repository take turns: a lock in its git folder (shared by runs that only
    compare); ``waiting`` is called when another run holds it.
    """
    with render_lock(config, check=check, waiting=waiting):
        return _render_all(config, check=check, force=force)


@contextlib.contextmanager
def render_lock(config: Config, *, check: bool,
                waiting: Callable[[], None] | None) -> Iterator[None]:
    """One render of a repository at a time (runs that only compare share the lock), with
    the garbage collector paused."""
    from postmortem.history.git import state_dir

    folder = state_dir(config.root)
    with locked(folder / "render.lock" if folder else None, shared=check, waiting=waiting), \
            gc_paused():
        yield
        if not check and folder is not None:  # a killed run's temp file of the cache
            for path in leftover_temps(folder, lambda name: name == SummaryCache.NAME):
                remove(path)


def _render_all(config: Config, *, check: bool, force: bool) -> RenderResult:
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
        write_report(config, out, source.rel, inputs, body, existing, result, check=check,
                     force=force)
    outcome, problem = write_index(config, [(e.source.rel, e.source.sha) for e in valid.values()],
                                   summaries, digest, check=check, force=force)
    result.outcomes.append(outcome)
    if problem is not None:
        result.problems.append(problem)
    remove_orphans(config, expected, result, check=check, force=force)
    if not check:
        cache.save({e.source.rel: (e.source.sha, e.summary, e.own_problems) for e in entries
                    if e.summary is not None})
    result.outcomes.sort(key=lambda o: o.path)
    result.problems.sort(key=sort_key)
    return result


def write_report(config: Config, out: Path, source_rel: str, inputs: str, body: str,
                 existing: Existing | None, result: RenderResult, *, check: bool,
                 force: bool) -> None:
    """Write (or compare) one report, with its outcome and problems in ``result``."""
    report_rel = config.rel(out)
    action, kept = put(out, with_marker(source_rel, inputs, body, report_rel), check=check,
                       existing=existing, shown=report_rel, force=force)
    result.outcomes.append(Outcome(report_rel, action, config.rel(kept) if kept else None))
    if action == "not-ours":
        assert existing is not None
        result.problems.append(NOT_OURS(report_rel, 1, 1, "", (
            f"not overwritten: {not_ours(existing)}; move it away (or set output_dir) so "
            f"that the report of {source_rel} can be written")))
    elif action == "edited":
        assert existing is not None
        result.problems.append(edited(config, out, existing, f"carry the change over to "
                                      f"{source_rel}"))


def remove_orphans(config: Config, expected: set[Path], result: RenderResult, *,
                   check: bool, force: bool, gone: Callable[[str], bool] | None = None) -> None:
    """Generated files whose source is gone: reports of deleted incident files, and an index
    left behind when index_file moved. Their marker says we made them where they are, so
    they are ours to delete (unless edited by hand). Temp files of a killed run go too.
    ``gone`` says of other sources (incident files) whether their report should go too."""
    folder = config.reports_dir
    if not folder.is_dir():
        return
    incidents = config.rel(config.incidents_dir)

    def orphaned(source: str) -> bool:
        if source == incidents + "/":
            return True  # an index; the current one is in `expected`
        if not (source.startswith(incidents + "/") and source.endswith(".yaml")):
            return False
        if gone is not None and gone(source):
            return True
        try:
            os.lstat(config.root / source)
        except (FileNotFoundError, NotADirectoryError):
            return True
        except OSError:
            return False  # cannot tell (an unreadable folder): keep its report
        return False

    candidates: list[str] = []
    for top, _dirs, names in os.walk(folder):
        for name in names:
            if name.endswith(".md"):
                candidates.append(os.path.join(top, name))
            elif not check and name.endswith(".tmp"):
                temp = TEMP_NAME.match(name)
                if temp and temp.group("target").endswith(".md"):
                    remove(Path(top, name), config.rel(Path(top, name)))
    index_folder = config.index_path.parent
    if not check and not index_folder.is_relative_to(folder):
        for path in leftover_temps(index_folder, lambda name: name == config.index_path.name):
            remove(path, config.rel(path))
    if index_folder != folder and (folder / "README.md").exists():
        candidates.append(str(folder / "README.md"))
    known = {str(p) for p in expected} | {str(config.index_path)}
    for text in sorted(set(candidates) - known):
        path = Path(text)
        rel = config.rel(path)
        action, kept = remove_generated(path, rel, check=check, force=force,
                                        orphaned=orphaned)
        if action is None:
            continue
        result.outcomes.append(Outcome(rel, action, config.rel(kept) if kept else None))
        if action == "edited":
            existing = inspect(path)
            assert existing is not None
            result.problems.append(edited(config, path, existing, (
                "its incident file is gone, so delete it yourself if the edit is not needed"),
                removing=True))
