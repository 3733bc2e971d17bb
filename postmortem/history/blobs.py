"""One version of an incident file, as the history needs it: its id and action items.

Read through the one loading path (``format.load``), without the models: history only
needs plain data, and most of a file is timeline and prose it can skip.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from postmortem.config import Config
from postmortem.format.load import Loaded, load
from postmortem.format.vocabulary import UNKNOWN

# (id, title, owner, priority, status, due as written); an owner or due date that is
# `unknown` (an item not triaged yet) is None, as if not given: nobody owns it, it is due
# on no day. A priority may be `unknown`: it sorts after the known ones.
ItemRow = tuple[str, str, "str | None", "str | None", "str | None", "str | None"]
# (incident id, items, problem): items None means "this version is unreadable, skip it".
BlobInfo = tuple["str | None", "list[ItemRow] | None", "str | None"]


# What may follow a top-level key's line at column 0 inside its value: blanks, comments
# and the entries of a compact block sequence; anything else ends the value.
_NEXT_AT_COLUMN_0 = re.compile(rb"^(?:[^ \r\n#-]|-[^ \t\r\n])", re.M)
_TOP_KEY = re.compile(rb"[A-Za-z_][A-Za-z0-9_-]*[ \t]*:(?:[ \t\r\n]|$)")
_WANTED = {name: re.compile(re.escape(name) + rb"[ \t]*:(?:[ \t\r\n]|$)")
           for name in (b"id", b"action_items")}


def read_blob(data: bytes, path: str, config: Config) -> BlobInfo:
    """The incident id and action items of one version of an incident file.

    Only the top-level ``id`` and ``action_items`` entries are parsed when the file is an
    ordinary block mapping whose keys start at column 0 (which is what makes the history
    fast: an incident is mostly timeline and prose). The whole file is parsed when that
    part does not parse on its own or anything looks unusual (document markers, a line
    at column 0 that is not a plain key, duplicate keys), so a version is skipped with a
    warning exactly when its id or action items cannot be read; a YAML error elsewhere in
    an old version (which ``check`` reported at the time) does not hide its items.
    """
    part = _sections(data) if len(data) <= config.max_file_size else None
    if part is not None:
        loaded = load(part, path, config, validate=False)
        if loaded.data is not None:
            return blob_info(loaded)
    return blob_info(load(data, path, config, validate=False))


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


def blob_info(parsed: Loaded) -> BlobInfo:
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
        rows.append((ident, _text(entry.get("title")) or "", _known(entry.get("owner")),
                     _text(entry.get("priority")), _text(entry.get("status")),
                     _known(entry.get("due"))))
    return incident, rows, None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _known(value: Any) -> str | None:
    text = _text(value)
    return None if text == UNKNOWN else text
