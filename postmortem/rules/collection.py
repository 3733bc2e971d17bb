"""Every incident of the repository checked together: what needs more than one file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from postmortem.config import Config
from postmortem.format.load import Listing, Loaded, incident_files, load_source, read_source
from postmortem.gcpause import gc_paused
from postmortem.reports.summary import Summary, SummaryCache
from postmortem.rules.across import check_across
from postmortem.rules.checked import Checked, checked
from postmortem.rules.privacy import check_privacy, scanner_of, wanted
from postmortem.rules.problems import Problem, sort_key
from postmortem.rules.registry import rule
from postmortem.rules.selection import Selection
from postmortem.text import has_scheme
from postmortem.workers import in_order, shares, worker_count, workers

if TYPE_CHECKING:
    from postmortem.privacy.scan import Scanner

UNIQUE_INCIDENT_ID = rule("X001")
RELATED_EXISTS = rule("X002")
RELATED_PATH_EXISTS = rule("X003")



@dataclass
class Collection:
    config: Config
    files: list[Checked]
    problems: list[Problem]


def load_all(config: Config, chosen: Listing | None = None, *,
             jobs: int | None = None) -> Collection:
    """Load the ``chosen`` files (default: every incident file) and check references across
    files; folders that could not be read are problems too.

    The files are parsed and validated in up to ``jobs`` worker processes (default: the
    ``jobs`` setting, else every CPU this process may use) when there are enough of them;
    the result is the same with any number.
    """
    from postmortem.reports.fingerprint import fingerprint

    everything = incident_files(config)
    chosen = everything if chosen is None else chosen
    picked = set(chosen.files)
    # The rules across incidents need the summaries of the files not chosen as well.
    rest = [p for p in everything.files if p not in picked]
    n = worker_count(config.jobs if jobs is None else jobs, len(chosen.files) + len(rest))
    # Read once, here (the workers inherit it): the summaries the last render knew.
    cache = SummaryCache(config, fingerprint(config)) if rest else None
    with workers(n, _Checking, config, cache) as pool:
        parts = pool.each(_Checking.run, list(zip(shares(chosen.files, n), shares(rest, n),
                                                  strict=True)))
    files: list[Checked] = in_order([part[0] for part in parts], len(chosen.files))
    others: list[Summary | None] = in_order([part[1] for part in parts], len(rest))
    cross_check(files, everything.files, config)
    summaries = {f.summary.id: f.summary for f in files if f.summary is not None}
    for summary in others:
        if summary is not None:
            summaries.setdefault(summary.id, summary)
    check_across(files, summaries, config)
    problems = sorted([*chosen.problems, *(p for f in files for p in f.problems)], key=sort_key)
    return Collection(config, files, problems)


class _Checking:
    """A worker of `check`: parses and validates its share of the files."""

    def __init__(self, config: Config, cache: SummaryCache | None) -> None:
        self.config = config
        self.cache = cache  # read only: summaries of the files not chosen
        self.scanner = scanner_of(config) if wanted(config) else None

    def run(self, share: tuple[list[tuple[int, Path]], list[tuple[int, Path]]]
            ) -> tuple[list[tuple[int, Checked]], list[tuple[int, Summary | None]]]:
        chosen, rest = share
        with gc_paused():
            files = [(i, self._checked(p)) for i, p in chosen]
            return files, [(i, self._summary(p)) for i, p in rest]

    def _checked(self, path: Path) -> Checked:
        source = read_source(path, self.config)
        return check_file(source.data, load_source(source, self.config), self.config,
                          self.scanner)

    def _summary(self, path: Path) -> Summary | None:
        return summary_of(path, self.config, self.cache)


def check_file(data: bytes | None, loaded: Loaded, config: Config,
               scanner: Scanner | None) -> Checked:
    """What `check` finds in one file by itself: ``loaded``'s problems (reading, schema,
    rules of one incident) and, with a ``scanner``, the secrets and personal data in its
    bytes ``data``."""
    if scanner is not None and data is not None:
        loaded.problems.extend(check_privacy(data, loaded, scanner, config))
    return checked(loaded, config)


def summary_of(path: Path, config: Config, cache: SummaryCache | None) -> Summary | None:
    """The summary of an incident file that has no errors by itself: from ``cache`` where
    it knows the file as it is, else from the file."""
    source = read_source(path, config)
    if cache is not None and source.data is not None:
        hit = cache.get(source.rel, source.sha)
        if hit is not None:
            return hit[0]
    return checked(load_source(source, config, errors_only=True), config).summary


def cross_check(files: list[Checked], everything: list[Path], config: Config) -> None:
    """Add the problems that need the whole collection: references and duplicate ids."""
    known: dict[str, list[Path]] = {}
    for p in everything:
        known.setdefault(p.name[: -len(".yaml")], []).append(p)
    selection = Selection.of(config)
    for file in files:
        found = file.noqa.apply(_cross_file(file, known, config))
        file.problems.extend(selection.apply(found))


def _cross_file(file: Checked, known: dict[str, list[Path]], config: Config) -> list[Problem]:
    out = []
    # Equal paths are the same file; only different spellings need resolving (slow: a
    # system call per path component, seconds for 10,000 files).
    here = file.path
    same = [p for p in known.get(file.stem, []) if p != here and p.resolve() != here.resolve()]
    if same:
        out.append(UNIQUE_INCIDENT_ID(file.rel, 1, 1, "id", f"another file has the same id: "
                                      f"{config.rel(same[0])}; incident ids must be unique"))
    if file.id is None:
        return out
    for ref in file.related:
        index, line, col = ref.index, ref.line, ref.col
        if ref.incident is not None and ref.incident != file.id and ref.incident not in known:
            out.append(RELATED_EXISTS(file.rel, line, col, f"related[{index}].incident",
                                      f"no incident with id '{ref.incident}' in "
                                      f"{config.rel(config.incidents_dir)}/; check the id"))
        elif ref.url and not has_scheme(ref.url) and not ref.url.startswith(("/", "#")):
            target = file.path.parent / ref.url.split("#")[0]
            if not _exists(target):
                out.append(RELATED_PATH_EXISTS(file.rel, line, col, f"related[{index}].url",
                                               f"relative path '{ref.url}' does not exist"))
    return out


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a name the OS refuses (too long, say) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False
