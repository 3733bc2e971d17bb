"""An incident as YAML text: fields in schema order, Markdown as literal blocks, and a comment
above each value the importer read by interpretation rather than copied."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from postmortem.format.scaffold import yaml_quoted

Path = tuple[str | int, ...]
Comments = dict[Path, list[str]]

# Plain scalars another reader would take for a number, date, time, boolean or null, or
# that YAML gives a meaning of their own (`<<` merges, `=` is the value key).
_TYPED = re.compile(r"^(?:[-+]?[\d._:,T +-]*\d[\d._:,T +-]*|[-+]?\.(?:inf|nan)|~|null|true|false"
                    r"|yes|no|on|off|y|n|=|<<)$", re.I)
_INDICATORS = tuple("-?:,[]{}#&*!|>'\"%@`~ ")
# Characters that may stand in a plain or literal scalar: YAML's printable set, less NEL
# and the Unicode separators (line breaks to YAML 1.1) and the BOM.
_PRINTABLE = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
                        "|[\u2028\u2029\ufeff]")


def dump(data: dict[str, Any], comments: Comments, top: list[str]) -> str:
    """YAML for ``data`` (plain dicts, lists, str, bool, dates), ``top`` comment lines first."""
    out = [f"# {line}" if line else "#" for line in top]
    _mapping(out, data, (), 0, comments)
    return "\n".join(out) + "\n"


def _comment(out: list[str], path: Path, indent: int, comments: Comments) -> None:
    for line in comments.get(path, []):
        out.append(" " * indent + "# " + " ".join(line.split()))


def _mapping(out: list[str], data: dict[str, Any], path: Path, indent: int,
             comments: Comments, first_prefix: str = "") -> None:
    pad = " " * indent
    first = True
    for name, value in data.items():
        if _empty(value):
            continue
        here = (*path, name)
        prefix = first_prefix if first and first_prefix else pad
        if not first or not first_prefix:
            _comment(out, here, indent, comments)
        first = False
        key = name if re.fullmatch(r"[A-Za-z_][\w-]*", name) else yaml_quoted(name)
        if isinstance(value, dict):
            out.append(f"{prefix}{key}:")
            _mapping(out, value, here, indent + 2, comments)
        elif isinstance(value, list):
            out.append(f"{prefix}{key}:")
            _sequence(out, value, here, indent + 2, comments)
        else:
            _scalar(out, f"{prefix}{key}:", value, indent)


def _sequence(out: list[str], items: list[Any], path: Path, indent: int,
              comments: Comments) -> None:
    pad = " " * indent
    for index, value in enumerate(items):
        here = (*path, index)
        _comment(out, here, indent, comments)
        if isinstance(value, dict) and value:
            first_key = next(k for k, v in value.items() if not _empty(v))
            _comment(out, (*here, first_key), indent, comments)
            _mapping(out, value, here, indent + 2, comments, first_prefix=pad + "- ")
        elif isinstance(value, list):
            out.append(f"{pad}-")
            _sequence(out, value, here, indent + 2, comments)
        else:
            _scalar(out, f"{pad}-", value, indent)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


def _scalar(out: list[str], lead: str, value: Any, indent: int) -> None:
    if isinstance(value, bool):
        out.append(f"{lead} {'true' if value else 'false'}")
    elif isinstance(value, dt.date):
        out.append(f"{lead} {value.isoformat()}")
    elif isinstance(value, int):
        out.append(f"{lead} {value}")
    else:
        text = str(value)
        if "\n" in text and _literal_ok(text):
            _literal(out, lead, text, indent)
        else:
            out.append(f"{lead} {text if _plain(text) else yaml_quoted(text)}")


def _literal(out: list[str], lead: str, text: str, indent: int) -> None:
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    first = next((line for line in body.split("\n") if line.strip()), "")
    hint = "2" if first[:1] in (" ", "\t") or (body[:1] == "\n") else ""
    out.append(f"{lead} |{hint}{chomp}")
    pad = " " * (indent + 2)
    for line in body.split("\n"):
        out.append(pad + line if line else "")
    out.extend("" for _ in range(trailing - 1))


def _literal_ok(text: str) -> bool:
    """Whether a literal block (``|``) holds ``text`` exactly: printable, some content, and
    no line of only blanks (YAML reads those as indentation, or rejects them)."""
    lines = text.split("\n")
    return bool(text.strip()) and not _PRINTABLE.search(text) and all(
        line.strip() or not line for line in lines)


def _plain(text: str) -> bool:
    """Whether ``text`` can stand unquoted and reads back as the same text everywhere."""
    return bool(text) and not (
        text.startswith(_INDICATORS) or text.endswith((" ", ":", "\t")) or ": " in text
        or "\n" in text
        or " #" in text or "\t" in text or _TYPED.match(text) or _PRINTABLE.search(text)
        or text.startswith(("---", "...")))
