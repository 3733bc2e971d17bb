"""Reading the action-item history of the incidents folder: git's log, the cache, the replay."""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from postmortem.config import Config
from postmortem.gcpause import gc_paused
from postmortem.history.blobs import BlobInfo, read_blob
from postmortem.history.cache import Cached, HistoryCache
from postmortem.history.git import GitError, RawCommit, Repository, is_incident_path
from postmortem.history.items import History
from postmortem.history.replay import replay
from postmortem.workers import start_method, stream

_SHOWN_FILES = 5
# New file versions the log must name before worker processes parse the rest; fewer are
# parsed here as they come. Starting 2 workers costs ~50 ms (fork, a repository and a `git
# cat-file` each) and saves at most half of ~0.16 ms a version: on 2 cores, 2 workers
# from the first version broke even with this process at 600 to 1,100 versions in the
# least loaded runs of benchmarks/bench_history.py --break-even (later when other work
# takes the cores). Spawn (macOS, Windows) imports the package again in each worker:
# ~0.6 s for 2, 12 times as much.
BLOBS_BEFORE_WORKERS = {"fork": 1000, "spawn": 12000}
# File versions a worker reads and parses at a time (~16 ms of work: a message costs far
# less, and the workers have work from the first batches on).
_BATCH = 100


def read_history(config: Config, *, use_cache: bool = True, jobs: int | None = None
                 ) -> History:
    """Every action item of the incidents folder through the first-parent history of HEAD.

    Only commits count, not the working tree. An item is keyed by its file's lineage:
    renames (git's rename detection, e.g. the id corrected together with the file name)
    and a file deleted and added again keep its history, reported under the incident's
    latest id. An item whose own id changes is a different item: the old one is dropped,
    the new one opened. Parsed blobs and per-commit changes are cached in
    ``.git/postmortem/`` so that a re-run reads only new commits.

    New file versions are parsed in up to ``jobs`` worker processes (default: the ``jobs``
    setting, else every CPU this process may use) while git lists older commits, once
    there are enough of them; the result and the cache are the same with any number.
    """
    from postmortem.format.load import require_incidents_dir

    require_incidents_dir(config)  # as check and render say it, before git is asked
    with Repository(config.root, purpose="; action-item history is read from the commits "
                    "of the incidents folder") as repo:
        return _Reader(repo, config, use_cache, config.jobs if jobs is None else jobs).read()


class _Reader:
    def __init__(self, repo: Repository, config: Config, use_cache: bool,
                 jobs: int | None) -> None:
        from postmortem.format.times import zone

        self.repo = repo
        self.config = config
        self.jobs = jobs
        self.tz = zone(config.timezone) or dt.timezone.utc
        self.warnings: list[str] = []
        try:
            prefix = config.incidents_dir.resolve().relative_to(repo.top).as_posix()
        except ValueError:
            raise GitError(f"the incidents folder '{config.incidents_dir}' is not inside the "
                           f"git repository '{repo.top}'") from None
        self.prefix = "" if prefix == "." else prefix
        self.pathspec = f":(top,literal){self.prefix}" if self.prefix else ":(top)"
        self.cache = HistoryCache(repo.common_dir, self.prefix, config.max_file_size) \
            if use_cache else None

    def read(self) -> History:
        self._check_working_tree()
        head = self.repo.head()
        if head is None:  # no commits yet
            return History({}, self.warnings)
        nested = self.repo.submodule_of(self.prefix)
        if nested is not None:
            raise GitError(f"the incidents folder '{self.config.rel(self.config.incidents_dir)}'"
                           f" is in the submodule '{nested}', whose commits this repository "
                           "does not hold: its action-item history cannot be read from here",
                           hint=f"run postmortem inside '{nested}' (with a configuration of "
                                "its own there)")
        shallow = self.repo.shallow_commits()
        with gc_paused():  # a million small objects, no cycles: the cyclic GC only slows this
            cached = self.cache.read(shallow) if self.cache else None
            blobs: dict[str, BlobInfo] = cached.blobs if cached else {}
            commits, since = self._reusable(cached, head) if cached else ([], None)
            known = len(blobs)
            new = [] if since == head else self._log(since, blobs)
            new.reverse()  # git log lists the newest first
            commits.extend(new)
            items = replay(commits, blobs.__getitem__, self.tz, boundary=frozenset(shallow),
                           warnings=self.warnings)
            if self.cache and (cached is None or cached.tip != head or len(blobs) != known
                               or new):
                self.cache.write(head, shallow, commits, blobs, cached,
                                 appended=cached is not None and since == cached.tip)
        if shallow:
            self._warn_shallow()
        return History(items, self.warnings)

    def _log(self, since: str | None, blobs: dict[str, BlobInfo]) -> list[RawCommit]:
        """Commits changing incident files, newest first: ``since`` (excluded) to HEAD.

        The new blobs each commit names are parsed in batches while git goes on diffing
        older commits (its work and ours overlap), by worker processes when there are many.
        """
        commits: list[RawCommit] = []
        # Paths and most rows recur in later commits: one shared object each makes the cache
        # smaller and quicker to load (marshal writes a shared object once).
        shared: dict[Any, Any] = {}
        new: dict[str, None] = {}  # in the order the log names them
        with stream(self.jobs, BLOBS_BEFORE_WORKERS[start_method()], _BATCH, _Blobs.read,
                    _Blobs, self.repo.top, self.config) as parsing, \
                contextlib.closing(self.repo.log(self.pathspec, since,
                                                     prefix=self.prefix)) as log:
            for commit in log:
                changes = commit[3]
                changes[:] = [(k, shared.setdefault(o, o), shared.setdefault(n, n), b)
                              for k, o, n, b in changes]
                for _, _, path, blob in changes:
                    if blob and blob not in blobs and blob not in new:
                        new[blob] = None
                        parsing.put((blob, path))
                commits.append(commit)
            parsed = dict(pair for batch in parsing.results() for pair in batch)
        # Stored in the log's order and shared alike whichever process parsed them, so that
        # the cache's bytes are too: a fixed problem text is one object in one process but
        # a copy per batch from workers, hence interned.
        for blob in new:
            incident, rows, problem = parsed.pop(blob)
            if rows:
                rows = [shared.setdefault(r, r) for r in rows]
            blobs[blob] = (incident, rows, problem if problem is None else sys.intern(problem))
        return commits

    def _reusable(self, cached: Cached, head: str) -> tuple[list[RawCommit], str | None]:
        """The cached commits still on HEAD's first-parent line, and the newest of them."""
        commits = cached.commits
        if cached.tip == head or self.repo.extends(cached.tip):
            return commits, cached.tip
        # History was rewritten (amend, rebase, reset, other branch): keep what is shared.
        line = self.repo.first_parent_line()
        for index in range(len(commits) - 1, -1, -1):
            if commits[index][0] in line:
                return commits[: index + 1], commits[index][0]
        return [], None

    def _check_working_tree(self) -> None:
        changed = [p for p in self.repo.changed_files(self.pathspec)
                   if is_incident_path(p, self.prefix)]
        if changed:
            shown = ", ".join(changed[:_SHOWN_FILES])
            if len(changed) > _SHOWN_FILES:
                shown += f" and {len(changed) - _SHOWN_FILES} more"
            self.warnings.append(f"uncommitted changes to {shown}: the history shows the "
                                 "committed state only; commit them to include them")

    def _warn_shallow(self) -> None:
        first = self.repo.first_commit()
        if first is None:
            return
        sha, stamp = first
        when = dt.datetime.fromtimestamp(stamp, self.tz)
        self.warnings.append(
            f"this is a shallow clone: its history starts on {when.date().isoformat()} "
            f"(commit {sha[:10]}), so items already present then show their opening date "
            "as unknown; run `git fetch --unshallow` for the full history")


class _Blobs:
    """Where new file versions are read and parsed (a worker, or this process): a
    repository of its own, as git processes cannot be shared between processes."""

    def __init__(self, top: Path, config: Config) -> None:
        self.repo = Repository(top)
        self.config = config

    def read(self, batch: list[tuple[str, str]]) -> list[tuple[str, BlobInfo]]:
        """(blob, id and items) of each (blob, path)."""
        texts = self.repo.read_blobs([blob for blob, _ in batch])
        with gc_paused():
            return [(blob, read_blob(text, path, self.config))
                    for (blob, path), text in zip(batch, texts, strict=True)]

    def close(self) -> None:
        self.repo.close()
