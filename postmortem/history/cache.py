"""The history cache in the repository's git folder: parsed blobs and per-commit changes, so
that a re-run reads only new commits.

Two files: the base (all commits up to some tip) and a journal of the commits added since
(so that a few new commits do not rewrite the whole cache). Each is a checksum and marshal
data (plain lists, tuples, strings and numbers; loading it runs no code). A torn or altered
file fails its checksum, and data of an unexpected shape fails validation: either way the
cache is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmortem.files import Refused, read_regular
from postmortem.history.blobs import BlobInfo
from postmortem.history.git import RawCommit

# Bump when the meaning of the cached data changes (its shape is validated on load).
CACHE_VERSION = 4  # 3: an `unknown` owner or due date is read as none; 4: hidden
# files are no incident files
_MAGIC = b"postmortem-history\n"
_JOURNAL_LIMIT = 500  # commits in the journal before the base file is rewritten


@dataclass
class Cached:
    tip: str  # the newest commit it covers
    shallow: list[str]
    commits: list[RawCommit]  # oldest first
    blobs: dict[str, BlobInfo]
    base: bytes  # checksum of the base file, which the journal names
    base_count: int  # commits in the base file


class HistoryCache:
    def __init__(self, common_dir: Path, prefix: str, max_file_size: int) -> None:
        # marshal's format may change between Python versions: each has its own file.
        key = json.dumps([CACHE_VERSION, prefix, max_file_size, marshal.version,
                          sys.version_info[:2]])
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        self.base = common_dir / "postmortem" / f"history-{digest}.bin"
        self.journal = self.base.with_suffix(".journal")

    def read(self, shallow: list[str]) -> Cached | None:
        """The cache when it is whole, valid and made for this shallow state; else None."""
        base = _load(self.base)
        if base is None:
            return None
        digest, data = base
        if not _valid_base(data) or data["shallow"] != shallow:
            return None
        cached = Cached(data["tip"], shallow, data["commits"], data["blobs"], digest,
                        len(data["commits"]))
        journal = _load(self.journal)
        if journal is not None and _valid_journal(journal[1]) and journal[1]["base"] == digest \
                and _blobs_cover(journal[1]["commits"], {**cached.blobs, **journal[1]["blobs"]}):
            cached.commits = cached.commits + journal[1]["commits"]
            cached.blobs.update(journal[1]["blobs"])
            cached.tip = journal[1]["tip"]
        return cached

    def write(self, head: str, shallow: list[str], commits: list[RawCommit],
              blobs: dict[str, BlobInfo], cached: Cached | None, *, appended: bool) -> None:
        """Store the replay's input; new commits on top of the base go to the journal."""
        base = cached.base_count if cached is not None and appended else 0
        if base > 0 and len(commits) - base <= _JOURNAL_LIMIT:
            assert cached is not None
            added = commits[base:]
            used = {c[3] for _, _, _, changes in added for c in changes if c[3]}
            _store(self.journal, {
                "base": cached.base, "tip": head, "commits": added,
                "blobs": {sha: info for sha, info in blobs.items() if sha in used}})
            return
        used = {c[3] for _, _, _, changes in commits for c in changes if c[3]}
        _store(self.base, {
            "tip": head, "shallow": shallow, "commits": commits,
            "blobs": {sha: info for sha, info in blobs.items() if sha in used}})
        with contextlib.suppress(OSError):
            self.journal.unlink()


# -- validation: the shapes the replay relies on ------------------------------------------

def _is_text(v: Any) -> bool:
    return type(v) is str


_HEX = frozenset("0123456789abcdef")


def _is_sha(v: Any) -> bool:
    return type(v) is str and len(v) in (40, 64) and _HEX.issuperset(v)


def _valid_change(change: Any) -> bool:
    """(kind, old path, new path, blob): an addition has no old path, a deletion no blob."""
    if not (type(change) is tuple and len(change) == 4 and all(map(_is_text, change))):
        return False
    kind, old, new, blob = change
    if kind == "D":
        return bool(old) and not new and not blob
    return kind in ("A", "M", "R") and bool(new) and _is_sha(blob) and bool(old) == (kind != "A")


def _opt_text(v: Any) -> bool:
    return v is None or type(v) is str


def _valid_commits(commits: Any) -> bool:
    if type(commits) is not list:
        return False
    for commit in commits:
        if not (type(commit) is tuple and len(commit) == 4 and _is_sha(commit[0])
                and type(commit[1]) is int and -2**63 <= commit[1] < 2**63
                and _is_text(commit[2]) and type(commit[3]) is list
                and all(map(_valid_change, commit[3]))):
            return False
    return True


def _valid_blobs(blobs: Any) -> bool:
    if type(blobs) is not dict:
        return False
    for sha, info in blobs.items():
        if not (_is_sha(sha) and type(info) is tuple and len(info) == 3
                and _opt_text(info[0]) and _opt_text(info[2])):
            return False
        rows = info[1]
        if rows is None:
            continue
        if type(rows) is not list:
            return False
        for row in rows:
            if not (type(row) is tuple and len(row) == 6 and _is_text(row[0])
                    and _is_text(row[1]) and all(map(_opt_text, row[2:]))):
                return False
    return True


def _valid_base(data: dict[str, Any]) -> bool:
    return (set(data) == {"tip", "shallow", "commits", "blobs"} and _is_sha(data["tip"])
            and type(data["shallow"]) is list and all(map(_is_sha, data["shallow"]))
            and _valid_commits(data["commits"]) and _valid_blobs(data["blobs"])
            and _blobs_cover(data["commits"], data["blobs"]))


def _valid_journal(data: dict[str, Any]) -> bool:
    return (set(data) == {"base", "tip", "commits", "blobs"} and type(data["base"]) is bytes
            and _is_sha(data["tip"]) and _valid_commits(data["commits"])
            and _valid_blobs(data["blobs"]))


def _blobs_cover(commits: list[RawCommit], blobs: dict[str, BlobInfo]) -> bool:
    """Every blob a commit adds is known: the replay looks each one up."""
    return all(c[3] in blobs for _, _, _, changes in commits for c in changes if c[3])


# -- the files ------------------------------------------------------------------------------

def _load(path: Path) -> tuple[bytes, dict[str, Any]] | None:
    """(checksum, data) of a cache file; None when it is missing, torn or not ours."""
    try:
        raw = read_regular(path)
    except (Refused, OSError):
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
