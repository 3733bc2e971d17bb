"""Action-item history from git: the one module that talks to git (through GitPython)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import marshal
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem.actions import CLOSED, Commit, Event, History, ItemHistory, State
from postmortem.collection import gc_paused
from postmortem.config import Config
from postmortem.errors import PostmortemError

if TYPE_CHECKING:
    import git

# Bump when the cached data or its meaning changes: older caches are then ignored.
CACHE_VERSION = 1
# Each commit starts with \x01; with -z its fields and the raw diff entries are NUL-separated.
_FORMAT = "%x01%H%x00%ct%x00%an"
_REGULAR = (b"100644", b"100755")  # symlinks and submodules are not incident files
_SHOWN_FILES = 5
_MAGIC = b"postmortem-history\n"
_JOURNAL_LIMIT = 500  # commits in the journal before the base file is rewritten

# (kind A/D/M/R, old path, new path, new blob): one incident file changed by one commit.
Change = tuple[str, str, str, str]
# (sha, committer time as Unix seconds, author name, changes to incident files)
RawCommit = tuple[str, int, str, list[Change]]
# (id, title, owner, priority, status, due as written)
ItemRow = tuple[str, str, "str | None", "str | None", "str | None", "str | None"]
# (incident id, items, problem): items None means "this version is unreadable, skip it".
BlobInfo = tuple["str | None", "list[ItemRow] | None", "str | None"]


def read_history(config: Config, *, use_cache: bool = True) -> History:
    """Every action item of the incidents folder through the first-parent history of HEAD.

    Only commits count, not the working tree. An item is keyed by its file's lineage:
    renames (git's rename detection, e.g. the id corrected together with the file name)
    and a file deleted and added again keep its history, reported under the incident's
    latest id. An item whose own id changes is a different item: the old one is dropped,
    the new one opened. Parsed blobs and per-commit changes are cached in
    ``.git/postmortem/`` so that a re-run reads only new commits.
    """
    git = _import_git()
    try:
        repo = git.Repo(config.root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PostmortemError(
            f"'{config.root}' is not in a git repository; action-item history is read "
            "from the commits of the incidents folder",
            hint="run this inside a clone of the incident repository, or start one with "
                 "`git init` and commit the incident files") from None
    with repo:
        try:
            return _Reader(repo, config, use_cache).read()
        except git.GitCommandError as exc:
            detail = exc.stderr.strip().removeprefix("stderr: ").strip("'\n ") or str(exc)
            raise PostmortemError(f"git failed while reading the history: {detail}") from None


def _import_git() -> Any:
    try:
        import git
    except ImportError as exc:  # GitPython refuses to import without a git executable
        raise PostmortemError(f"git is not available: {str(exc).splitlines()[0]}",
                              hint="install git, or set GIT_PYTHON_GIT_EXECUTABLE to its "
                                   "path") from None
    return git


class _Reader:
    def __init__(self, repo: git.Repo, config: Config, use_cache: bool) -> None:
        from postmortem.timeutil import zone

        self.repo = repo
        self.config = config
        self.use_cache = use_cache
        self.tz = zone(config.timezone) or dt.timezone.utc
        self.warnings: list[str] = []
        if repo.working_tree_dir is None:
            raise PostmortemError(f"'{repo.git_dir}' is a bare repository; run this in a "
                                  "clone with a working tree")
        top = Path(repo.working_tree_dir).resolve()
        try:
            prefix = config.incidents_dir.resolve().relative_to(top).as_posix()
        except ValueError:
            raise PostmortemError(f"the incidents folder '{config.incidents_dir}' is not "
                                  f"inside the git repository '{top}'") from None
        self.prefix = "" if prefix == "." else prefix
        self.pathspec = f":(top,literal){self.prefix}" if self.prefix else ":(top)"

    # -- the walk ----------------------------------------------------------------------------

    def read(self) -> History:
        self._check_working_tree()
        if not self.repo.head.is_valid():  # no commits yet
            return History({}, self.warnings)
        head = self.repo.git.rev_parse("HEAD").strip()
        shallow = self._shallow_commits()
        with gc_paused():  # a million small objects, no cycles: the cyclic GC only slows this
            cache = self._read_cache(shallow) if self.use_cache else None
            blobs: dict[str, BlobInfo] = cache["blobs"] if cache else {}
            commits, since = self._reusable(cache, head) if cache else ([], None)
            known = len(blobs)
            new = [] if since == head else self._log(since, blobs)
            new.reverse()  # git log lists the newest first
            commits.extend(new)
            walk = _Walk(self.tz, frozenset(shallow), blobs, self.warnings)
            for commit in commits:
                walk.commit(commit)
            items = walk.result()
            if self.use_cache and (cache is None or cache["tip"] != head
                                   or len(blobs) != known or new):
                self._write_cache(head, shallow, commits, blobs, cache,
                                  appended=cache is not None and since == cache["tip"])
        history = History(items, self.warnings)
        if shallow:
            history.shallow_since = self._shallow_start()
        return history

    def _log(self, since: str | None, blobs: dict[str, BlobInfo]) -> list[RawCommit]:
        """Commits changing incident files, newest first: ``since`` (excluded) to HEAD.

        Each commit's new blobs are parsed as soon as git has listed it: git keeps diffing
        older commits meanwhile, so its work and ours overlap.
        """
        proc = self.repo.git.log(
            "--first-parent", "--diff-merges=first-parent", "--raw", "--no-abbrev", "-z",
            "-M", "--root", "--no-color", "--no-notes", "--no-show-signature",
            f"--format={_FORMAT}", f"{since}..HEAD" if since else "HEAD", "--",
            self.pathspec, as_process=True)
        # git may warn once per commit (rename limits): read its stderr on the side, or a
        # full pipe would stop git while we wait for its output.
        errors: list[bytes] = []
        drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()), daemon=True)
        drain.start()
        odb, limit = self.repo.odb, self.config.max_file_size
        commits: list[RawCommit] = []
        # Paths and most rows recur in later commits: one shared object each makes the cache
        # smaller and quicker to load (marshal writes a shared object once).
        shared: dict[Any, Any] = {}
        for commit in iter_log(_tokens(proc.stdout)):
            changes = commit[3]
            changes[:] = [(k, shared.setdefault(o, o), shared.setdefault(n, n), b)
                          for k, o, n, b in changes]
            for _, _, path, blob in changes:
                if blob and blob not in blobs:
                    incident, rows, problem = read_blob(odb.stream(bytes.fromhex(blob)).read(),
                                                        path, limit)
                    if rows:
                        rows = [shared.setdefault(r, r) for r in rows]
                    blobs[blob] = (incident, rows, problem)
            commits.append(commit)
        drain.join()
        proc.wait(stderr=b"".join(errors))  # raises GitCommandError when git failed
        return commits

    # -- the working tree and shallow clones -----------------------------------------------

    def _check_working_tree(self) -> None:
        out = self.repo.git.status("--porcelain=v1", "-z", "--no-renames",
                                   "--untracked-files=all", "--", self.pathspec)
        changed = sorted({entry[3:] for entry in out.split("\0")
                          if len(entry) > 3 and entry.endswith(".yaml")})
        if changed:
            shown = ", ".join(changed[:_SHOWN_FILES])
            if len(changed) > _SHOWN_FILES:
                shown += f" and {len(changed) - _SHOWN_FILES} more"
            self.warnings.append(f"uncommitted changes to {shown}: the history shows the "
                                 "committed state only; commit them to include them")

    def _shallow_commits(self) -> list[str]:
        try:
            text = (Path(self.repo.common_dir) / "shallow").read_text(encoding="ascii")
        except OSError:
            return []
        return sorted(line.strip() for line in text.splitlines() if line.strip())

    def _shallow_start(self) -> dt.datetime | None:
        out = self.repo.git.rev_list("--first-parent", "--max-parents=0",
                                     "--format=%x01%H %ct", "HEAD")
        starts = [line[1:].split() for line in out.splitlines() if line.startswith("\x01")]
        if not starts:
            return None
        sha, stamp = starts[-1]
        when = dt.datetime.fromtimestamp(int(stamp), self.tz)
        self.warnings.append(
            f"this is a shallow clone: its history starts on {when.date().isoformat()} "
            f"(commit {sha[:10]}), so items already present then show their opening date "
            "as unknown; run `git fetch --unshallow` for the full history")
        return when

    # -- the cache ---------------------------------------------------------------------------

    def _cache_path(self, suffix: str = ".bin") -> Path:
        # marshal's format may change between Python versions: each has its own file.
        key = json.dumps([CACHE_VERSION, self.prefix, self.config.max_file_size,
                          marshal.version, sys.version_info[:2]])
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        return Path(self.repo.common_dir) / "postmortem" / f"history-{digest}{suffix}"

    def _read_cache(self, shallow: list[str]) -> dict[str, Any] | None:
        """The cache when it is whole and made for this shallow state; None otherwise.

        Two files: the base (all commits up to some tip) and a journal of the commits
        added since (so that a few new commits do not rewrite the whole cache). Each is a
        checksum and marshal data (plain lists, tuples, strings and numbers; loading it runs
        no code): a torn or altered file fails its checksum and is ignored.
        """
        base = _load(self._cache_path())
        if base is None or base[1].get("shallow") != shallow:
            return None
        digest, data = base
        data["base"], data["base_count"] = digest, len(data["commits"])
        journal = _load(self._cache_path(".journal"))
        if journal is not None and journal[1].get("base") == digest:
            data["commits"] = data["commits"] + journal[1]["commits"]
            data["blobs"].update(journal[1]["blobs"])
            data["tip"] = journal[1]["tip"]
        return data

    def _reusable(self, cache: dict[str, Any], head: str) -> tuple[list[RawCommit], str | None]:
        """The cached commits still on HEAD's first-parent line, and the newest of them."""
        from git import GitCommandError

        commits: list[RawCommit] = cache["commits"]
        tip: str = cache["tip"]
        if tip == head:
            return commits, head
        try:
            out = self.repo.git.rev_list("--first-parent", "--parents", "HEAD", f"^{tip}")
            last = out.splitlines()[-1].split() if out else []
            if len(last) > 1 and last[1] == tip:  # the old tip is on the line: only append
                return commits, tip
        except GitCommandError:  # the old tip may be gone after a rewrite and a gc
            pass
        # History was rewritten (amend, rebase, reset, other branch): keep what is shared.
        line = set(self.repo.git.rev_list("--first-parent", "HEAD").split())
        for index in range(len(commits) - 1, -1, -1):
            if commits[index][0] in line:
                return commits[: index + 1], commits[index][0]
        return [], None

    def _write_cache(self, head: str, shallow: list[str], commits: list[RawCommit],
                     blobs: dict[str, BlobInfo], cache: dict[str, Any] | None,
                     appended: bool) -> None:
        """Store the walk's input; new commits on top of the base go to the journal."""
        base = cache["base_count"] if cache is not None and appended else 0
        if base > 0 and len(commits) - base <= _JOURNAL_LIMIT:
            assert cache is not None
            added = commits[base:]
            used = {c[3] for _, _, _, changes in added for c in changes if c[3]}
            _store(self._cache_path(".journal"), {
                "base": cache["base"], "tip": head, "commits": added,
                "blobs": {sha: info for sha, info in blobs.items() if sha in used}})
            return
        used = {c[3] for _, _, _, changes in commits for c in changes if c[3]}
        _store(self._cache_path(), {
            "tip": head, "shallow": shallow, "commits": commits,
            "blobs": {sha: info for sha, info in blobs.items() if sha in used}})
        with contextlib.suppress(OSError):
            self._cache_path(".journal").unlink()


def _load(path: Path) -> tuple[bytes, dict[str, Any]] | None:
    """(checksum, data) of a cache file; None when it is missing, torn or not ours."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    start = len(_MAGIC) + 20
    digest = raw[len(_MAGIC):start]
    if raw[:len(_MAGIC)] != _MAGIC or hashlib.sha1(raw[start:]).digest() != digest:
        return None
    try:
        data = marshal.loads(raw[start:])
    except (ValueError, EOFError, TypeError):
        return None
    return (digest, data) if isinstance(data, dict) else None


def _store(path: Path, data: dict[str, Any]) -> None:
    """Write a cache file atomically; a repository we cannot write to just stays uncached."""
    body = marshal.dumps(data)
    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".history-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_MAGIC + hashlib.sha1(body).digest() + body)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass


# -- parsing git's output and the blobs -------------------------------------------------------

def _tokens(stream: Any) -> Iterator[bytes]:
    """The NUL-separated fields of a stream, as they arrive."""
    rest = b""
    while True:
        chunk = stream.read1(1 << 16)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def parse_log(raw: bytes) -> list[RawCommit]:
    """Commits of ``git log --raw -z --format=<_FORMAT>`` output (see :func:`iter_log`)."""
    return list(iter_log(iter(raw.split(b"\0"))))


def iter_log(tokens: Iterator[bytes]) -> Iterator[RawCommit]:
    """Commits with their incident-file changes, each yielded once it is complete.

    Only regular ``*.yaml`` files count; a file turned into something else is deleted and
    a rename between a YAML file and another kind of file is an addition or a deletion.
    Commits without such changes (e.g. a merge that only touched other files) are skipped.
    """
    commit: RawCommit | None = None
    for field in tokens:
        token = field.lstrip(b"\n")
        if token.startswith(b"\x01"):
            if commit is not None and commit[3]:
                yield commit
            commit = (token[1:].decode("ascii"), int(next(tokens)),
                      next(tokens).decode("utf-8", "replace"), [])
        elif token.startswith(b":") and commit is not None:
            old_mode, new_mode, _, blob, status = token[1:].split(b" ")
            old = next(tokens)
            new = next(tokens) if status[:1] in (b"R", b"C") else old
            was = old_mode in _REGULAR and old.endswith(b".yaml") and status[:1] != b"C"
            now = new_mode in _REGULAR and new.endswith(b".yaml")
            old_path = old.decode("utf-8", "surrogateescape")
            new_path = new.decode("utf-8", "surrogateescape")
            if was and now:
                commit[3].append(("M" if old == new else "R", old_path, new_path,
                                  blob.decode("ascii")))
            elif was:
                commit[3].append(("D", old_path, "", ""))
            elif now:
                commit[3].append(("A", "", new_path, blob.decode("ascii")))
    if commit is not None and commit[3]:
        yield commit


# What may follow a top-level key's line at column 0 inside its value: blanks, comments
# and the entries of a compact block sequence; anything else ends the value.
_NEXT_AT_COLUMN_0 = re.compile(rb"^(?:[^ \r\n#-]|-[^ \t\r\n])", re.M)
_TOP_KEY = re.compile(rb"[A-Za-z_][A-Za-z0-9_-]*[ \t]*:(?:[ \t\r\n]|$)")
_WANTED = {name: re.compile(re.escape(name) + rb"[ \t]*:(?:[ \t\r\n]|$)")
           for name in (b"id", b"action_items")}


def read_blob(data: bytes, path: str, limit: int) -> BlobInfo:
    """The incident id and action items of one version of an incident file.

    Only the top-level ``id`` and ``action_items`` entries are parsed when the file is an
    ordinary block mapping whose keys start at column 0 (which is what makes the history
    fast: an incident is mostly timeline and prose). The whole file is parsed when that
    part does not parse on its own or anything looks unusual (document markers, a line
    at column 0 that is not a plain key, duplicate keys), so a version is skipped with a
    warning exactly when its id or action items cannot be read; a YAML error elsewhere in
    an old version (which ``check`` reported at the time) does not hide its items.
    """
    from postmortem.loader import parse_bytes

    part = _sections(data) if len(data) <= limit else None
    if part is not None:
        parsed = parse_bytes(part, path, limit)
        if parsed.data is not None:
            return blob_info(parsed)
    return blob_info(parse_bytes(data, path, limit))


def _sections(data: bytes) -> bytes | None:
    """The ``id`` and ``action_items`` entries cut out of ``data`` (None: parse it whole)."""
    if data.startswith((b"---", b"...", b"%")) or b"\n---" in data or b"\n..." in data \
            or b"\n%" in data:
        return None  # document markers or directives
    parts: list[bytes] = []
    for name, pattern in _WANTED.items():
        starts = [i + 1 for i in _find_all(data, b"\n" + name) if pattern.match(data, i + 1)]
        if data.startswith(name) and pattern.match(data):
            starts.insert(0, 0)
        if len(starts) != 1:
            if not starts and name == b"action_items" and name not in data:
                continue  # no action items at all
            return None  # missing, duplicated or written in some unusual way
        start = starts[0]
        end = data.find(b"\n", start)
        following = _NEXT_AT_COLUMN_0.search(data, end + 1) if end >= 0 else None
        if following is None:
            stop = len(data)
        elif _TOP_KEY.match(data, following.start()):
            stop = following.start()
        else:
            return None  # a flow collection or quoted text running on at column 0, a tab...
        part = data[start:stop]
        parts.append(part if part.endswith(b"\n") else part + b"\n")
    return b"".join(parts)


def _find_all(data: bytes, needle: bytes) -> Iterator[int]:
    index = data.find(needle)
    while index >= 0:
        yield index
        index = data.find(needle, index + 1)


def blob_info(parsed: Any) -> BlobInfo:
    """The incident id and action items of one parsed version of a file, read leniently.

    Entries that are not mappings with an id are skipped (``check`` reports them where
    they were written); only an unreadable file or a non-list ``action_items`` make the
    version unusable.
    """
    data = parsed.data
    if data is None:
        first = next((p for p in parsed.problems if p.severity == "error"), None)
        return None, None, (f"{first.line}:{first.col}: {first.message}" if first
                            else "unreadable")
    incident = data.get("id")
    incident = incident if isinstance(incident, str) and incident else None
    entries = data.get("action_items")
    if entries is None:
        return incident, [], None
    if not isinstance(entries, list):
        return incident, None, "action_items is not a list"
    rows: list[ItemRow] = []
    seen: set[str] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        ident = entry.get("id")
        if not isinstance(ident, str) or not ident or ident in seen:
            continue
        seen.add(ident)
        rows.append((ident, _text(entry.get("title")) or "", _text(entry.get("owner")),
                     _text(entry.get("priority")), _text(entry.get("status")),
                     _text(entry.get("due"))))
    return incident, rows, None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


_DATES: dict[str, dt.date | None] = {}


def _date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return _DATES[text]
    except KeyError:
        try:
            value: dt.date | None = dt.date.fromisoformat(text)
        except ValueError:
            value = None
        _DATES[text] = value
        return value


# -- from changes to events -----------------------------------------------------------------

class _Walk:
    """Replays the commits oldest first, following each file's lineage through renames."""

    def __init__(self, tz: dt.tzinfo, boundary: frozenset[str], blobs: dict[str, BlobInfo],
                 warnings: list[str]) -> None:
        self.tz = tz
        self.boundary = boundary  # shallow commits: what they add was opened earlier
        self.blobs = blobs
        self.warnings = warnings
        self.live: dict[str, int] = {}  # path -> lineage
        self.paths: list[str] = []  # lineage -> its (last) path
        self.ids: list[str] = []  # lineage -> its (latest) incident id
        self.shown: list[dict[str, ItemRow]] = []  # lineage -> the items in its file now
        self.dead: set[int] = set()
        self.dead_by_path: dict[str, int] = {}
        self.dead_by_id: dict[str, int] = {}
        self.items: dict[tuple[int, str], ItemHistory] = {}
        self.last: dict[tuple[int, str], State] = {}

    def commit(self, raw: RawCommit) -> None:
        sha, stamp, author, changes = raw
        commit = Commit(sha, author, dt.datetime.fromtimestamp(stamp, self.tz))
        moving: dict[str, int] = {}
        gone: list[int] = []
        # Sources first, so that "a -> b, new a" and swaps within one commit work.
        for kind, old, new, _ in changes:
            if kind in ("D", "R"):
                lineage = self.live.pop(old, None)
                if lineage is None:
                    continue
                if kind == "R":
                    moving[new] = lineage
                else:
                    gone.append(lineage)
                    self.dead.add(lineage)
                    self.dead_by_path[old] = lineage
                    self.dead_by_id[self.ids[lineage]] = lineage
        for kind, _, path, blob in changes:
            if kind == "D":
                continue
            incident, rows, problem = self.blobs[blob]
            lineage = moving.pop(path, None) if kind == "R" else self.live.get(path)
            if lineage is None:
                lineage = self._lineage_for(path, incident)
            self.live[path] = lineage
            self.paths[lineage] = path
            if rows is None:
                self.warnings.append(
                    f"{path} in commit {sha[:10]} ({commit.date.date().isoformat()}) cannot "
                    f"be read: {problem}; the history skips that version")
                continue
            if incident is not None:
                self.ids[lineage] = incident
            self._update(lineage, rows, commit)
        for lineage in gone:
            if lineage in self.dead:  # deleted, not re-added under another name
                self._update(lineage, [], commit)

    def _lineage_for(self, path: str, incident: str | None) -> int:
        """A file appears: the lineage it continues (re-added by path or id), or a new one."""
        for lineage in (self.dead_by_path.get(path),
                        self.dead_by_id.get(incident) if incident else None):
            if lineage is not None and lineage in self.dead:
                self.dead.discard(lineage)
                return lineage
        self.paths.append(path)
        self.ids.append(incident or Path(path).name.removesuffix(".yaml"))
        self.shown.append({})
        return len(self.paths) - 1

    def _update(self, lineage: int, rows: list[ItemRow], commit: Commit) -> None:
        before = self.shown[lineage]
        now = {row[0]: row for row in rows}
        if now == before:  # an edit elsewhere in the file: most commits are like this
            return
        self.shown[lineage] = now
        last, items = self.last, self.items
        for ident, row in now.items():
            if before.get(ident) == row:
                continue
            key = (lineage, ident)
            previous = last.get(key)
            status = row[4] or "todo"
            due = _date(row[5])
            state = State(commit, True, row[1], row[2], row[3] or "medium", status, due)
            if previous is None:
                item = items[key] = ItemHistory("", ident, "", [state])
                if commit.sha in self.boundary:
                    item.opened_known = False  # opened before the start of a shallow history
                else:
                    item.events.append(Event("opened", commit, None, status))
            else:
                item = items[key]
                events = item.events
                if not previous.present:
                    events.append(Event("restored", commit, None, status))
                if status != previous.status:
                    events.append(Event("status", commit, previous.status, status))
                if due != previous.due:
                    events.append(Event("due", commit, previous.due, due))
                if row[2] != previous.owner:
                    events.append(Event("owner", commit, previous.owner, row[2]))
                item.states.append(state)
            last[key] = state
        for ident in before:
            if ident not in now:
                self._vanish((lineage, ident), commit)

    def _vanish(self, key: tuple[int, str], commit: Commit) -> None:
        """The item left its file: dropped, unless it was done or wontfix."""
        p = self.last[key]
        item = self.items[key]
        if p.status not in CLOSED:
            item.events.append(Event("dropped", commit, p.status, None))
        state = State(commit, False, p.title, p.owner, p.priority, p.status, p.due)
        item.states.append(state)
        self.last[key] = state

    def result(self) -> dict[tuple[str, str], ItemHistory]:
        """Items keyed by (latest incident id, item id), in the order they were opened."""
        names: dict[int, str] = {}
        claimed: dict[str, int] = {}
        for lineage in sorted({k[0] for k in self.items}):  # the oldest file keeps an id
            name, path = self.ids[lineage], self.paths[lineage]
            if name in claimed:  # two files claim one incident id: `check` reports that
                stem = Path(path).name.removesuffix(".yaml")
                other = self.paths[claimed[name]]
                if stem in claimed or stem == name or stem in self.ids:
                    self.warnings.append(f"{path} and {other} both have incident id "
                                         f"'{name}'; the action items of {path} are left out")
                    continue
                self.warnings.append(f"{path} and {other} both have incident id '{name}'; "
                                     f"the action items of {path} are listed under '{stem}'")
                name = stem
            claimed[name] = lineage
            names[lineage] = name
        out: dict[tuple[str, str], ItemHistory] = {}
        paths = self.paths
        for (lineage, ident), item in self.items.items():
            listed = names.get(lineage)
            if listed is not None:
                item.incident, item.path = listed, paths[lineage]
                out[(listed, ident)] = item
        return out


# -- writing: `postmortem review --commit` records its report with these (issue 5) -----------
# They live here because this is the one module that talks to git. Paths are absolute.

def _writable_repo(config: Config) -> tuple[git.Repo, Path]:
    git = _import_git()
    try:
        repo = git.Repo(config.root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise PostmortemError(f"'{config.root}' is not in a git repository") from None
    if repo.working_tree_dir is None:
        repo.close()
        raise PostmortemError(f"'{repo.git_dir}' is a bare repository")
    return repo, Path(repo.working_tree_dir).resolve()


def _in_repo(path: Path, top: Path) -> str:
    try:
        return path.resolve().relative_to(top).as_posix()
    except ValueError:
        raise PostmortemError(f"'{path}' is not inside the git repository '{top}'") from None


def staged_paths(config: Config) -> list[Path]:
    """Files with changes staged for the next commit (against the empty tree before one)."""
    repo, top = _writable_repo(config)
    with repo:
        out = repo.git.diff("--cached", "--name-only", "--no-renames", "-z")
    return sorted(top / name for name in out.split("\0") if name)


def committed_text(config: Config, path: Path) -> str | None:
    """``path`` as HEAD has it; None when HEAD lacks it (or there is no commit yet)."""
    repo, top = _writable_repo(config)
    with repo:
        from git import GitCommandError

        try:
            data = repo.git.cat_file("blob", f"HEAD:{_in_repo(path, top)}",
                                     stdout_as_string=False, strip_newline_in_stdout=False)
        except GitCommandError:
            return None
    return bytes(data).decode("utf-8", "replace")


def commit_file(config: Config, path: Path, message: str) -> str:
    """Commit ``path`` alone with ``message``; the new commit's sha."""
    repo, top = _writable_repo(config)
    spec = f":(top,literal){_in_repo(path, top)}"
    with repo:
        import contextlib

        from git import GitCommandError

        try:
            repo.git.add("--", spec)
            repo.git.commit("--quiet", "--only", "-m", message, "--", spec)
        except GitCommandError as exc:
            with contextlib.suppress(GitCommandError):  # leave the index as it was
                repo.git.reset("--quiet", "--", spec)
            detail = exc.stderr.strip().removeprefix("stderr: ").strip("'\n ") or str(exc)
            raise PostmortemError(f"git commit of {_in_repo(path, top)} failed: {detail}",
                                  hint="set user.name and user.email with `git config` if "
                                       "git asks who you are") from None
        return str(repo.git.rev_parse("HEAD")).strip()
