"""The replay: commits, oldest first, turned into each action item's states and events.

Pure: it takes plain commits (``history.git.RawCommit``) and a function that reads a blob,
so it is tested with plain data as well as with real repositories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path

from postmortem.history.blobs import BlobInfo, ItemRow
from postmortem.history.git import RawCommit
from postmortem.history.items import Commit, Event, ItemHistory, State


def replay(commits: Iterable[RawCommit], blob: Callable[[str], BlobInfo], tz: dt.tzinfo, *,
           boundary: frozenset[str] = frozenset(), warnings: list[str] | None = None
           ) -> dict[tuple[str, str], ItemHistory]:
    """Every action item of the commits (oldest first), keyed by (incident id, item id).

    ``blob(sha)`` gives the incident id and items of one file version; ``boundary`` are the
    commits where a shallow history starts (what they add was opened earlier); problems
    with single versions are appended to ``warnings``.
    """
    walk = _Walk(tz, boundary, blob, warnings if warnings is not None else [])
    for commit in commits:
        walk.commit(commit)
    walk.warn_skew()
    return walk.result()


# Commit times (Unix seconds) a date can be made of in any zone: years 1 to 9999, a day in.
# Git takes any date; one outside these counts as the nearest of them.
EARLIEST, LATEST = -62135596800 + 86400, 253402300799 - 86400

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


class _Walk:
    """Replays the commits oldest first, following each file's lineage through renames."""

    def __init__(self, tz: dt.tzinfo, boundary: frozenset[str], blob: Callable[[str], BlobInfo],
                 warnings: list[str]) -> None:
        self.tz = tz
        self.boundary = boundary  # shallow commits: what they add was opened earlier
        self.blob = blob
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
        self.latest: int | None = None  # the date (Unix seconds) the history has reached
        self.skewed: list[tuple[str, int, int]] = []  # (sha, own date, date counted)

    def commit(self, raw: RawCommit) -> None:
        sha, stamp, author, changes = raw
        if not EARLIEST <= stamp <= LATEST:
            stamp = min(max(stamp, EARLIEST), LATEST)
            self.warnings.append(f"commit {sha[:10]} is dated outside the years 1 to 9999; it "
                                 f"counts as dated {self._day(stamp)}")
        # Events follow the commits, not their clocks: a commit dated before the one it
        # follows (a skewed clock, a rebase) counts from that one's date, so nothing
        # closes before it opened and every state is found at the instant it had.
        if self.latest is not None and stamp < self.latest:
            self.skewed.append((sha, stamp, self.latest))
            stamp = self.latest
        self.latest = stamp
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
            incident, rows, problem = self.blob(blob)
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

    def warn_skew(self) -> None:
        if not self.skewed:
            return
        sha, own, counted = self.skewed[0]
        more = len(self.skewed) - 1
        self.warnings.append(
            f"commit {sha[:10]} is dated {self._day(own)}, before the commit it follows "
            f"({self._day(counted)}){f', and so are {more} more' if more else ''}: their "
            "changes are counted from the date of the commit before them, in the order of "
            "history")

    def _day(self, stamp: int) -> str:
        return dt.datetime.fromtimestamp(stamp, self.tz).strftime("%Y-%m-%d %H:%M")

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
        if p.is_open:
            item.events.append(Event("dropped", commit, p.status, None))
        state = State(commit, False, p.title, p.owner, p.priority, p.status, p.due)
        item.states.append(state)
        self.last[key] = state

    def result(self) -> dict[tuple[str, str], ItemHistory]:
        """Items keyed by (latest incident id, item id), in the order they were opened."""
        names: dict[int, str] = {}
        claimed: dict[str, int] = {}
        # The oldest file keeps an id; a file still there before any deleted one, so that a
        # file given the id of one deleted earlier does not lose its items to it.
        for lineage in sorted({k[0] for k in self.items}, key=lambda n: (n in self.dead, n)):
            name, path = self.ids[lineage], self.paths[lineage]
            if name in claimed:  # two files claim one incident id: `check` reports that
                stem = Path(path).name.removesuffix(".yaml")
                other = self.paths[claimed[name]]
                shown = f"{path} (deleted)" if lineage in self.dead else path
                if stem in claimed or stem == name or stem in self.ids:
                    self.warnings.append(f"{shown} and {other} both have incident id "
                                         f"'{name}'; the action items of {shown} are left "
                                         "out")
                    continue
                self.warnings.append(f"{shown} and {other} both have incident id '{name}'; "
                                     f"the action items of {shown} are listed under '{stem}'")
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
