"""One Markdown document -> the YAML of an incident file, with notes on how it was read."""

from __future__ import annotations

import codecs
import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from postmortem.config import Config
from postmortem.errors import PostmortemError
from postmortem.format.ids import slugify
from postmortem.format.model import SCHEMA_ID, Incident
from postmortem.format.mojibake import repair, repair_whole
from postmortem.format.validate import model_of
from postmortem.importer.document import parse
from postmortem.importer.draft import Note
from postmortem.importer.reader import Reading
from postmortem.importer.sections import place_all
from postmortem.importer.vocabulary import Vocabulary, vocabulary
from postmortem.importer.yamlwrite import dump


class ImportFailure(PostmortemError):
    """A document that cannot become an incident file (the others are still imported)."""


@dataclass
class Converted:
    """An incident file made from a document: its id, YAML text and the notes."""

    id: str
    text: str
    notes: list[Note]
    data: dict[str, Any]


def decode(data: bytes) -> tuple[str, list[Note]]:
    """The document's text with ``\\n`` line ends, mis-decoding repaired where the whole
    text repairs; the notes say what was done."""
    notes: list[Note] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Windows' "Unicode"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFailure("the document starts as UTF-16 text but is not: save it as "
                                "UTF-8 and import it again") from None
        notes.append(Note("repaired", "not UTF-8: read as UTF-16 (its byte order mark)"))
        data = text.encode("utf-8")
    if b"\0" in data:
        raise ImportFailure("the document is not text (it holds NUL bytes): import Markdown "
                            "or plain-text documents")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        notes.append(Note("repaired", "not UTF-8: read as Windows-1252"))
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    whole = repair_whole(text)
    if whole is not None:
        text, codec, count = whole
        notes.append(Note("repaired", f"mis-decoded text repaired: the document is UTF-8 "
                                      f"that was read as {codec} ({count} sequences)"))
    elif repair(text) is not None:
        notes.append(Note("kept", "parts of the text look mis-decoded, but the whole text "
                                  "does not repair: left as it is"))
    return text, notes


def convert(text: str, name: str, config: Config, *, source: str | None = None,
            vocab: Vocabulary | None = None) -> Converted:
    """Read ``text`` (a document called ``name``) into an incident file's YAML, with the
    package's vocabulary unless ``vocab`` is given."""
    doc = parse(text)
    r = Reading(doc, config, vocab or vocabulary(), name)
    r.read_front_matter()
    r.read_header()
    r.read_title()
    r.decide_language()
    r.decide_date()
    if r.date is None:
        raise ImportFailure(f"{source or name}: no date found: the document states no day "
                            "of the incident; add a line such as `Date: 2025-10-01` under "
                            "its title")
    r.draft.set("date", r.date)
    r.decide_zone()
    place_all(r)
    r.apply_labels()
    r.decide_milestones()
    r.finish()
    draft = r.draft
    incident_id = f"{r.date.isoformat()}-{slugify(draft.data['title'])}"
    draft.data["id"] = incident_id
    data = ordered(draft.data, Incident)
    top = [f"yaml-language-server: $schema={SCHEMA_ID}",
           f"Imported by `postmortem import` from {source or name}. A comment marks each",
           "value read by interpretation: check it, then delete the comment."]
    return Converted(incident_id, dump(data, draft.comments, top), draft.notes, data)


def ordered(data: Any, model: type[BaseModel] | None) -> Any:
    """``data`` with mapping keys in the order the model declares its fields."""
    if isinstance(data, list):
        return [ordered(v, model) for v in data]
    if not isinstance(data, dict) or model is None:
        return data
    fields = model.model_fields
    out = {}
    for name, info in fields.items():
        value = data.get(name)
        # Empty text where the format allows none is left out (a section without prose).
        if name in data and not (value == "" and not info.is_required()):
            out[name] = ordered(value, _nested(model, name))
    for name, value in data.items():  # keys the model does not know (figures: labels)
        if name not in out:
            out[name] = value
    return out


@functools.lru_cache(maxsize=128)
def _nested(model: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The model of field ``name``'s values, through lists and unions."""
    found: type[BaseModel] | None = model_of(model.model_fields[name].annotation)
    return found


def as_text(value: Any) -> Any:
    """Plain data as the incident reader returns it: every scalar as text."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
