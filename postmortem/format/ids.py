"""Incident ids and slugs: one slug rule for file names and anchors alike."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from postmortem.errors import UsageError
from postmortem.format.vocabulary import ID_MAX, ID_PATTERN

SLUG_MAX = 60
FALLBACK_SLUG = "incident"

# NFKD strips accents by decomposing; German spells umlauts out instead, and a few Latin
# letters have no decomposition at all.
_TRANSLITERATE = str.maketrans({
    "ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS",
    "æ": "ae", "Æ": "Ae", "œ": "oe", "Œ": "Oe", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "\u0131": "i",  # dotless i
})
_APOSTROPHES = re.compile(r"['\u2019`\u00b4]")  # apostrophe, right quote, grave, acute
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def slug(text: str, max_length: int | None = None) -> str:
    """Lowercase ASCII words joined by hyphens: ``Störung im Zahlungs-API!`` ->
    ``stoerung-im-zahlungs-api`` ("" for text without letters or digits).

    A slug longer than ``max_length`` is cut at a hyphen when that keeps at least half of
    the allowed length, else hard.
    """
    # NFC first so that an umlaut typed as a + combining diaeresis is transliterated too.
    ascii_text = unicodedata.normalize("NFC", text).translate(_TRANSLITERATE)
    ascii_text = unicodedata.normalize("NFKD", ascii_text).encode("ascii", "ignore").decode()
    ascii_text = _APOSTROPHES.sub("", ascii_text.lower())  # "don't" -> "dont", not "don-t"
    out = _NON_ALNUM.sub("-", ascii_text).strip("-")
    if max_length is not None and len(out) > max_length:
        cut = out.rfind("-", 0, max_length + 1)
        out = out[:cut] if cut >= max_length // 2 else out[:max_length].rstrip("-")
    return out


def slugify(title: str, max_length: int = SLUG_MAX) -> str:
    """The slug of an incident title for its id (``incident`` when it has no letters)."""
    return slug(title, max_length) or FALLBACK_SLUG


def check_id(value: str) -> str:
    """``value`` if it is a valid incident id (it becomes a file name), else a UsageError."""
    if len(value) > ID_MAX or not re.fullmatch(ID_PATTERN, value):
        hint = "leave out the .yaml" if value.endswith(".yaml") else None
        raise UsageError(f"--id '{value}' is not a valid incident id: use lowercase letters, "
                         f"digits and hyphens, starting with a letter or digit, at most "
                         f"{ID_MAX} characters", hint=hint)
    return value


def existing_ids(folder: Path) -> dict[str, Path]:
    """Id -> file of every incident file under ``folder`` (sub-folders too, as ``check``)."""
    if not folder.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.yaml")):
        found.setdefault(path.name[: -len(".yaml")], path)
    return found


def free_id(base: str, taken: Mapping[str, Path] | set[str]) -> str:
    """``base-2``, ``base-3``, ...: the first id not taken (for the "use --id" hint)."""
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: ID_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1
