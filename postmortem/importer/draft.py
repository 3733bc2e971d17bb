"""The incident being assembled from a document: its fields, the comments on what was read by
interpretation, and the notes for the summary (what went where, what was guessed)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from postmortem.importer.yamlwrite import Comments, Path

NoteKind = Literal["mapped", "free", "repaired", "guessed", "unknown", "placeholder", "kept",
                   "waiting"]


@dataclass(frozen=True)
class Note:
    """One line of a document's import summary."""

    kind: NoteKind
    text: str


def loose(text: str) -> str:
    """Casefolded letters and digits only: how stated and rendered values are compared."""
    kept = "".join(ch if unicodedata.category(ch)[0] in "LN" else " "
                   for ch in unicodedata.normalize("NFC", text).casefold())
    return " ".join(kept.split())


def quote(text: str, limit: int = 100) -> str:
    """``text`` on one line, shortened, in double quotes: for comments and notes."""
    one = " ".join(text.split())
    if len(one) > limit:
        one = one[: limit - 1].rstrip() + "…"
    return f'"{one}"'


@dataclass
class Draft:
    """Fields of the incident in the making (plain data, as the YAML will hold them)."""

    data: dict[str, Any] = field(default_factory=dict)
    comments: Comments = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    # The built-in section last filled: free sections found now are placed after it.
    last: str = "header"

    def note(self, kind: NoteKind, text: str) -> None:
        self.notes.append(Note(kind, text))

    def comment(self, path: Path, text: str) -> None:
        lines = self.comments.setdefault(path, [])
        if text not in lines:
            lines.append(text)

    def set(self, name: str, value: Any, comment: str | None = None) -> None:
        self.data[name] = value
        if comment:
            self.comment((name,), comment)

    def append(self, name: str, value: Any) -> int:
        """Add ``value`` to the list field ``name``; its index."""
        items: list[Any] = self.data.setdefault(name, [])
        items.append(value)
        return len(items) - 1

    def free(self, title: str, body: str, *, after: str | None = None) -> None:
        """A free section at the current place: nothing that maps to no field is lost."""
        where = after or self.last
        entry: dict[str, Any] = {"title": title, "body": body}
        if where != "appendices":  # the default place of free sections
            entry["after"] = where
        self.append("sections", entry)
        self.note("free", f"{quote(title)} -> free section (after {where})")
