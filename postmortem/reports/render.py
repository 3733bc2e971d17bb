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
from postmortem.errors import PostmortemError, UsageError
from postmortem.format.load import Source, incident_files, load_source, read_source
from postmortem.format.model import Incident
from postmortem.gcpause import gc_paused
from postmortem.reports.fingerprint import REPORT_TEMPLATE, fingerprint
from postmortem.reports.generated import (
    Existing,
    Outcome,
    edited,
    inspect,
    remove_generated,
    up_to_date,
    write_generated,
)
from postmortem.reports.index import write_index
from postmortem.reports.links import LinkGraph, Links
from postmortem.reports.markdown import tidy
from postmortem.reports.paths import report_path
from postmortem.reports.report import report_context
from postmortem.reports.summary import Summary, SummaryCache
from postmortem.rules.across import check_across
from postmortem.rules.checked import Checked, checked
from postmortem.rules.collection import cross_check
from postmortem.rules.problems import Problem, sort_key
from postmortem.workers import Local, Pool, in_order, worker_count, workers


@dataclass
class RenderResult:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    def changed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action != "unchanged"]


@dataclass
class Entry:
    """One incident file in a render run, as the main process holds it: its summary, and
    what was found in it; its model stays in the worker that parsed it."""

    path: Path
    rel: str
    sha: str
    summary: Summary | None = None
    checked: Checked | None = None  # when parsed in this run (not known to the cache)
    # The file's own problems, without those across files: what the cache keeps. A cache
    # hit has warnings only, since files with errors have no summary to cache.
    own_problems: list[Problem] = field(default_factory=list)
    # Its text names `publishable`: the external render parses only these files again.
    may_publish: bool = False

    @property
    def problems(self) -> list[Problem]:
        return self.checked.problems if self.checked is not None else self.own_problems


def _entry(source: Source, entry: Entry) -> Entry:
    """``entry``, noting whether its text names `publishable`."""
    entry.may_publish = source.data is not None and b"publishable" in source.data
    return entry


@dataclass
class Gathered:
    """Every incident file of a render with its summary, and who holds what was read: the
    files the cache knew as they are stay in this process (``here``), the others in the
    worker of ``pool`` that parsed them (``holder``: file position -> worker)."""

    entries: list[Entry]
    problems: list[Problem]
    here: _Rendering
    pool: Local | Pool
    holder: dict[int, int]


@contextlib.contextmanager
def gathered(config: Config, cache: SummaryCache, jobs: int | None, digest: str = "",
             check: bool = False, force: bool = False) -> Iterator[Gathered]:
    """Every incident file with its summary: from the cache when it knows the file's bytes,
    else through the one loading path, in as many workers as the files to parse pay for (at
    most ``jobs``); they stay for :meth:`_Rendering.render` until the block ends.

    A render with nothing (or little) to parse starts no workers: reading and hashing the
    files here costs less than starting them.
    """
    listing = incident_files(config)
    paths = listing.files
    known = {p.stem for p in paths}
    args = (digest, check, force)  # what the reports need, when they are rendered
    here = _Rendering(config, cache, known, *args)
    known_here, rest = here.sort_out(paths) if cache.entries else ([], list(enumerate(paths)))
    n = worker_count(config.jobs if jobs is None else jobs, len(rest))
    with workers(n, _Rendering, config, cache, known, *args) as pool:
        dealt = [rest[k::pool.size] for k in range(pool.size)]
        parts = pool.each(_Rendering.gather, dealt)
        entries: list[Entry] = in_order([known_here, *parts], len(paths))
        parsed = [e.checked for e in entries if e.checked is not None]
        cross_check(parsed, paths, config)
        for entry in entries:
            if entry.checked is not None:
                entry.summary = entry.checked.summary
        check_across(parsed,
                     {e.summary.id: e.summary for e in entries if e.summary is not None},
                     config)
        problems = sorted([*listing.problems, *(p for e in entries for p in e.problems)],
                          key=sort_key)
        yield Gathered(entries, problems, here, pool,
                       {index: k for k, part in enumerate(dealt) for index, _ in part})


def gather(config: Config, cache: SummaryCache, jobs: int | None = None
           ) -> tuple[list[Entry], list[Problem]]:
    """:func:`gathered`, for a run that needs only the summaries of the files (and their
    problems)."""
    with gathered(config, cache, jobs) as run:
        return run.entries, run.problems


class _Rendering:
    """A worker of `render`: reads and parses its share of the files, keeps what it parsed,
    then renders and writes the reports of that share. The main process has one too, for
    the files the cache knows."""

    def __init__(self, config: Config, cache: SummaryCache, known: set[str],
                 digest: str = "", check: bool = False, force: bool = False) -> None:
        self.config = config
        self.cache = cache
        self.known = known  # the ids of every incident file
        self.digest, self.check, self.force = digest, check, force
        self.kept: dict[int, tuple[Source, Incident | None]] = {}

    def sort_out(self, paths: list[Path]
                 ) -> tuple[list[tuple[int, Entry]], list[tuple[int, Path]]]:
        """The entries of the files the cache knows as they are (kept here), and the
        positions and paths of the others."""
        known, rest = [], []
        with gc_paused():
            for index, path in enumerate(paths):
                source = read_source(path, self.config)
                entry = self._cached(index, source)
                if entry is None:
                    rest.append((index, path))
                else:
                    known.append((index, entry))
        return known, rest

    def gather(self, share: list[tuple[int, Path]]) -> list[tuple[int, Entry]]:
        config = self.config
        out = []
        with gc_paused():
            for index, path in share:
                source = read_source(path, config)
                entry = self._cached(index, source)
                if entry is None:
                    loaded = load_source(source, config)
                    self.kept[index] = (source, loaded.incident)
                    found = checked(loaded, config)
                    entry = _entry(source, Entry(path, source.rel, source.sha, checked=found,
                                                 own_problems=list(found.problems)))
                out.append((index, entry))
        return out

    def _cached(self, index: int, source: Source) -> Entry | None:
        hit = self.cache.get(source.rel, source.sha) if source.data is not None else None
        # A cached file was valid when cached; references to files since removed need a
        # re-check.
        if hit is None or not all(ref in self.known for ref, _ in hit[0].related):
            return None
        self.kept[index] = (source, None)
        return _entry(source, Entry(source.path, source.rel, source.sha, hit[0],
                                    own_problems=hit[1]))

    def render(self, work: tuple[LinkGraph, list[tuple[int, str]]]
               ) -> list[tuple[int, Outcome | PostmortemError, Problem | None]]:
        """The reports of ``work`` (file position, incident id) that are out of date; stops
        at the first error (a file that cannot be written), which ends the list."""
        graph, tasks = work
        out: list[tuple[int, Outcome | PostmortemError, Problem | None]] = []
        with gc_paused():
            for index, key in tasks:
                try:
                    out.append((index, *self._report(index, key, graph)))
                except PostmortemError as exc:
                    out.append((index, exc, None))
                    break
        return out

    def _report(self, index: int, key: str, graph: LinkGraph) -> tuple[Outcome, Problem | None]:
        config = self.config
        source, incident = self.kept[index]
        out = report_path(config, source.path)
        report_rel = config.rel(out)
        inputs = hashlib.sha256(f"{self.digest}\0{source.sha}\0{graph.digest(key)}"
                                .encode()).hexdigest()[:16]
        existing = inspect(out)
        if up_to_date(existing, inputs):
            return Outcome(report_rel, "unchanged"), None
        if incident is None:  # known to the cache: parsed only now that it is needed
            incident = load_source(source, config).incident
            assert incident is not None, source.rel
        body = render_report(config, incident, source.rel, report_rel, graph.links(key))
        return write_report(config, out, source.rel, inputs, body, existing, check=self.check,
                            force=self.force)


def write_report(config: Config, out: Path, source_rel: str, inputs: str, body: str,
                 existing: Existing | None, *, check: bool, force: bool,
                 command: str = "postmortem render") -> tuple[Outcome, Problem | None]:
    """Write (or compare) one report: its outcome, and the problem when it was left alone."""
    return write_generated(
        config, out, source_rel, inputs, body, existing, check=check, force=force,
        command=command, carry_over=f"carry the change over to {source_rel}",
        elsewhere=f"move it away (or set output_dir) so that the report of {source_rel} can "
                  "be written")


def render_report(config: Config, incident: Incident, source_rel: str, report_rel: str,
                  links: Links) -> str:
    from postmortem.templating import render

    context = report_context(incident, config, source_rel, report_rel, links)
    return tidy(render(config, REPORT_TEMPLATE, context))


def render_all(config: Config, *, check: bool = False, force: bool = False,
               jobs: int | None = None,
               waiting: Callable[[], None] | None = None) -> RenderResult:
    """Write (or with ``check``, only compare) every report; never touch files not ours, and
    replace hand-edited ones only with ``force`` (keeping the edit beside them).

    Files are parsed and reports rendered in up to ``jobs`` worker processes (default: the
    ``jobs`` setting, else every CPU this process may use) when there are enough files;
    the result is the same with any number. Runs in one repository take turns: a lock in
    its git folder (shared by runs that only compare); ``waiting`` is called when another
    run holds it.
    """
    with render_lock(config, check=check, waiting=waiting):
        return _render_all(config, check=check, force=force, jobs=jobs)


@contextlib.contextmanager
def render_lock(config: Config, *, check: bool,
                waiting: Callable[[], None] | None) -> Iterator[None]:
    """One render of a repository at a time (runs that only compare share the lock), with
    the garbage collector paused; what an interrupted run wrote half is removed."""
    from postmortem.history.git import state_dir

    folder = state_dir(config.root)
    with locked(folder / "render.lock" if folder else None, shared=check, waiting=waiting), \
            gc_paused():
        try:
            yield
        except BaseException:
            # Workers remove their temp files as they stop, unless killed outright (out of
            # memory): the lock makes every temp file of a report ours to remove.
            if not check:
                _remove_temps(config)
            raise
        if not check and folder is not None:  # a killed run's temp file of the cache
            for path in leftover_temps(folder, lambda name: name == SummaryCache.NAME):
                remove(path)


def _render_all(config: Config, *, check: bool, force: bool, jobs: int | None) -> RenderResult:
    """In phases: summaries (in the workers), the link graph (here, once), then the reports
    (where their files were read, the workers each sent the graph once)."""
    digest = fingerprint(config)
    cache = SummaryCache(config, digest)
    with gathered(config, cache, jobs, digest, check, force) as run:
        entries = run.entries
        result = RenderResult(problems=run.problems, files=len(entries))
        valid = {e.summary.id: (i, e) for i, e in enumerate(entries) if e.summary is not None}
        summaries = {key: e.summary for key, (_, e) in valid.items() if e.summary is not None}
        _index_apart(config, [e for e in entries if e.summary is not None])
        graph = LinkGraph(summaries, config.rel(config.index_path))
        theirs: list[list[tuple[int, str]]] = [[] for _ in range(run.pool.size)]
        mine: list[tuple[int, str]] = []
        for i, key in sorted((i, key) for key, (i, _) in valid.items()):
            worker = run.holder.get(i)
            (mine if worker is None else theirs[worker]).append((i, key))
        parts = run.pool.each(_Rendering.render, [(graph, part) for part in theirs],
                              meanwhile=lambda: run.here.render((graph, mine)))
    for _, outcome, problem in sorted((r for part in parts for r in part), key=lambda r: r[0]):
        if isinstance(outcome, PostmortemError):
            raise outcome  # the first in file order, where one process would have stopped
        result.outcomes.append(outcome)
        if problem is not None:
            result.problems.append(problem)
    expected = {report_path(config, e.path) for _, e in valid.values()}
    outcome, problem = write_index(config, [(e.rel, e.sha) for _, e in valid.values()],
                                   summaries, digest, check=check, force=force)
    result.outcomes.append(outcome)
    if problem is not None:
        result.problems.append(problem)
    remove_orphans(config, expected, result, check=check, force=force)
    if not check:
        cache.save({e.rel: (e.sha, e.summary, e.own_problems) for e in entries
                    if e.summary is not None})
    result.outcomes.sort(key=lambda o: o.path)
    result.problems.sort(key=sort_key)
    return result


def _index_apart(config: Config, entries: list[Entry]) -> None:
    """The index is not written where a report goes: the two would overwrite each other
    on every run."""
    index = config.index_path
    if index.suffix != ".md" or not index.is_relative_to(config.reports_dir):
        return
    # The one incident file whose report would be there (report_path, the other way).
    source = config.incidents_dir / index.relative_to(config.reports_dir).with_suffix(".yaml")
    for entry in entries:
        if entry.path == source:
            raise UsageError(
                f"{config.source.name if config.source else 'configuration'}: index_file "
                f"'{config.rel(index)}' is where the report of {entry.rel} is written",
                hint="set index_file to another path, such as "
                     f"'{config.rel(config.reports_dir / 'README.md')}'")


def remove_orphans(config: Config, expected: set[Path], result: RenderResult, *,
                   check: bool, force: bool, gone: Callable[[str], bool] | None = None,
                   command: str = "postmortem render") -> None:
    """Generated files whose source is gone: reports of deleted incident files, and an index
    left behind when index_file moved. Their marker says we made them where they are, so
    they are ours to delete (unless edited by hand). Temp files of a killed run go too.
    ``gone`` says of other sources (incident files) whether their report should go too.
    Only files that ``command`` wrote are removed: the folder may hold the other
    audience's reports (an external folder inside this one, or around it)."""
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

    candidates = [os.path.join(top, name) for top, _dirs, names in os.walk(folder)
                  for name in names if name.endswith(".md")]
    if not check:
        _remove_temps(config)
    index_folder = config.index_path.parent
    if index_folder != folder and (folder / "README.md").exists():
        candidates.append(str(folder / "README.md"))
    known = {str(p) for p in expected} | {str(config.index_path)}
    for text in sorted(set(candidates) - known):
        path = Path(text)
        rel = config.rel(path)
        action, kept = remove_generated(path, rel, check=check, force=force,
                                        orphaned=orphaned, command=command)
        if action is None:
            continue
        result.outcomes.append(Outcome(rel, action, config.rel(kept) if kept else None))
        if action == "edited":
            existing = inspect(path)
            assert existing is not None
            result.problems.append(edited(config, path, existing, (
                "its incident file is gone, so delete it yourself if the edit is not needed"),
                removing=True))


def _remove_temps(config: Config) -> None:
    """Temp files of reports and of the index that a killed run left behind."""
    folder = config.reports_dir
    for top, _dirs, names in os.walk(folder):
        for name in names:
            temp = TEMP_NAME.match(name) if name.endswith(".tmp") else None
            if temp and temp.group("target").endswith(".md"):
                remove(Path(top, name), config.rel(Path(top, name)))
    index_folder = config.index_path.parent
    if not index_folder.is_relative_to(folder):
        for path in leftover_temps(index_folder, lambda name: name == config.index_path.name):
            remove(path, config.rel(path))
