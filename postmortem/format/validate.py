"""Plain data against the models: an Incident, or problems that say where and what to do."""

from __future__ import annotations

import difflib
import re
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, SequenceNode

from postmortem.format.model import LANGUAGE_PATTERN, LINE_PATTERN, Incident
from postmortem.format.yamlread import Parsed, dotted, key_node, locate, position
from postmortem.rules.problems import Problem
from postmortem.rules.registry import rule
from postmortem.text import NOT_IN_A_LINE, clip


def validate(parsed: Parsed) -> Incident | None:
    """The Incident model of ``parsed`` (None on schema errors, which are added to it)."""
    assert parsed.data is not None
    try:
        return Incident.model_validate(parsed.data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors(include_url=False):
            loc, branch = _real_loc(parsed.root, err["loc"], err["type"])
            if parsed.bad_tags and _under(loc, parsed.bad_tags):
                continue
            errors.append((loc, branch, err))
        seen: set[tuple[str | int, ...]] = set()
        unknown = 0
        for loc, err in _pick_union_errors(errors):
            if loc in seen:  # one message per place
                continue
            seen.add(loc)
            unknown += err["type"] == "extra_forbidden"
            parsed.problems.append(_schema_problem(parsed, loc, err,
                                                   suggest=unknown <= SUGGESTIONS))
        return None


Loc = tuple[str | int, ...]
# "Did you mean" for at most this many unknown fields of a file: typos come one or two at a
# time, and finding the closest name costs ~0.2 ms a field (a file of 90,000 unknown keys
# took 20 s on that alone).
SUGGESTIONS = 20
# Errors that only say "the value has another shape than this union member takes".
_SHAPE_WORDS = {"string_type": "text", "list_type": "a list", "dict_type": "a mapping",
                "model_type": "a mapping", "model_attributes_type": "a mapping",
                "bool_type": "true or false", "bool_parsing": "true or false"}


def _pick_union_errors(errors: list[tuple[Loc, Loc | None, Any]]) -> list[tuple[Loc, Any]]:
    """Where a union (``str | ChecklistItem``) failed, pydantic reports every member: keep the
    member that matched the value's shape, or one message naming all the shapes."""
    shapes: dict[Loc, list[str]] = {}
    others: set[Loc] = set()
    for loc, branch, err in errors:
        if branch is None:
            continue
        if loc == branch and err["type"] in _SHAPE_WORDS:
            shapes.setdefault(branch, []).append(_SHAPE_WORDS[err["type"]])
        else:
            others.add(branch)
    out: list[tuple[Loc, Any]] = []
    for loc, branch, err in errors:
        if branch is not None and loc == branch and err["type"] in _SHAPE_WORDS:
            if branch in others:
                continue  # another member took this shape; its error is the real one
            words = list(dict.fromkeys(shapes[branch]))
            if len(words) > 1:
                err = {**err, "type": "union_shape",
                       "msg": f"expected {' or '.join(words)}, found {_found(err.get('input'))}"}
        out.append((loc, err))
    return out


def _real_loc(root: Node | None, loc: tuple[Any, ...], kind: str) -> tuple[Loc, Loc | None]:
    """The location in the document, without the parts pydantic adds for union members
    (``str``, ``ChecklistItem``, ``dict[str,str]``); and where the innermost union is."""
    out: list[str | int] = []
    branch: Loc | None = None
    node: Node | None = root
    for index, part in enumerate(loc):
        if part == "[key]":  # pydantic's mark of an error in a mapping's key, not its value
            continue
        if isinstance(node, SequenceNode) and isinstance(part, int):
            out.append(part)
            node, _ = locate(node, [part])
            continue
        if isinstance(node, MappingNode) and isinstance(part, str):
            child, found = locate(node, [part])
            if found or (index == len(loc) - 1 and kind == "missing"):
                out.append(part)
                node = child if found else None
                continue
        if isinstance(part, str) and node is not None:
            branch = tuple(out)  # a union member's name
        else:
            out.append(part)
    return tuple(out), branch


def _under(loc: Loc, paths: set[str]) -> bool:
    """Whether ``loc`` is one of ``paths`` (dotted) or below one: a lookup per ancestor, not a
    scan of ``paths`` per error (thousands of tagged values made that quadratic)."""
    return any(dotted(loc[:end]) in paths for end in range(1, len(loc) + 1))


def _found(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{clip(str(value), 40)}'"


_PATTERN_WORDS = {
    LANGUAGE_PATTERN: "one word such as bash, python or yaml (letters, digits and _ + . # -)",
    r"^[a-z0-9][a-z0-9-]*$": "lowercase letters, digits and hyphens, starting with a letter or "
                             "digit (no spaces, dots or slashes)",
    r"^[A-Za-z][A-Za-z0-9-]*$": "letters, digits and hyphens, starting with a letter (e.g. AI-1)",
}


REQUIRED = rule("S001")
KNOWN_FIELD = rule("S002")
TYPE = rule("S003")
ALLOWED_VALUE = rule("S004")
VALUE_FORMAT = rule("S005")
ONE_LINE = rule("S006")
ONE_PAIR = rule("S007")


def _schema_problem(parsed: Parsed, loc: tuple[str | int, ...], err: Any, *,
                    suggest: bool = True) -> Problem:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    rel, root = parsed.rel, parsed.root
    line, col = position(root, loc)
    name = dotted(loc)
    if kind == "missing":
        line, col = position(root, loc[:-1])
        return REQUIRED(rel, line, col, name, "required field is missing")
    if kind == "extra_forbidden":
        key = key_node(root, loc)
        if key is not None:
            line, col = key.start_mark.line + 1, key.start_mark.column + 1
        known = _known_fields(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6) \
            if suggest else []
        hint = (f"did you mean '{close[0]}'?" if close
                else f"known fields here: {', '.join(known)}" if known else "")
        return KNOWN_FIELD(rel, line, col, name,
                           f"unknown field '{loc[-1]}'; {hint}".rstrip("; "))
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        meant = _close_value(value, re.findall(r"'([^']*)'", expected))
        return ALLOWED_VALUE(rel, line, col, name, f"{_found(value)} is not allowed here; "
                     + (f"did you mean '{meant}'? " if meant else "") + f"use {expected}")
    if kind == "string_type":
        if value is None:
            return TYPE(rel, line, col, name, "is empty; write a text value")
        return TYPE(rel, line, col, name, f"expected text, found {_found(value)}")
    if kind == "list_type":
        return TYPE(rel, line, col, name,
                     f"expected a list (lines starting with '- '), found {_found(value)}")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return TYPE(rel, line, col, name, f"expected a mapping of fields, found {_found(value)}")
    if kind.startswith("date_") or kind.startswith("datetime_"):
        return VALUE_FORMAT(rel, line, col, name,
                            f"{_found(value)} is not a date; write YYYY-MM-DD")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == LINE_PATTERN:
        return ONE_LINE(rel, line, col, name, _not_one_line(str(value)))
    if kind in ("too_short", "too_long") and isinstance(value, dict):  # a figure
        return ONE_PAIR(rel, line, col, name, (
            f"a figure is one `Label: value` pair, but this mapping has {len(value)} "
            f"{'key' if len(value) == 1 else 'keys'}; write each pair as a list entry of its "
            "own (`- Label: value`), or plain text"))
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        words = _PATTERN_WORDS.get(pattern, f"the pattern {pattern}")
        return VALUE_FORMAT(rel, line, col, name,
                            f"{_found(value)} is not valid here: use {words}")
    if kind == "string_too_long":
        return VALUE_FORMAT(rel, line, col, name,
                     f"is longer than {ctx.get('max_length')} characters; shorten it")
    if kind in ("bool_parsing", "bool_type"):
        return TYPE(rel, line, col, name, f"{_found(value)} is not true or false")
    if kind == "union_shape":
        return TYPE(rel, line, col, name, str(err["msg"]))
    message = str(err.get("msg", "is not valid"))
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return VALUE_FORMAT(rel, line, col, name, message)


def _close_value(value: Any, allowed: list[str]) -> str | None:
    """The allowed value ``value`` was probably meant to be: the same in another case
    (``Resolved``), or a close spelling (``sucess``)."""
    if not isinstance(value, str) or not allowed:
        return None
    for option in allowed:
        if option.casefold() == value.casefold().replace(" ", "_").replace("-", "_"):
            return option
    words = {**{w: v for w, v in _SYNONYMS.items() if v in allowed},
             **{option: option for option in allowed}}
    close = difflib.get_close_matches(value.casefold(), list(words), n=1, cutoff=0.6)
    return words[close[0]] if close else None


# Words people write for a value of a closed list (an outcome "success" is `ok`).
_SYNONYMS = {"success": "ok", "successful": "ok", "passed": "ok", "good": "ok",
             "fail": "failed", "failure": "failed", "error": "failed", "warn": "warning",
             "information": "info", "note": "info", "wont_fix": "wontfix", "open": "todo",
             "completed": "done", "finished": "done", "resolve": "resolved"}


def _not_one_line(value: str) -> str:
    """What breaks a one-line field: the first line break or control character in it."""
    found = re.search(f"[{NOT_IN_A_LINE}]", value)
    assert found is not None, value  # the pattern did not match
    index, char = found.start(), found.group()
    where = f"after '{clip(value[:index], 30)}'" if value[:index].strip() else "at its start"
    if char in "\n\r\u2028\u2029":
        return (f"is one line, but holds a line break {where}; join the lines (longer text "
                "belongs in a Markdown field such as summary or description)")
    code = ord(char)
    return (f"holds the control character U+{code:04X}{_CONTROL_NAMES.get(code, '')} {where}; "
            "remove it")


_CONTROL_NAMES = {0: " (NUL)", 7: " (BEL)", 8: " (backspace)", 9: " (tab)", 0x1B: " (ESC)",
                  0x7F: " (DEL)"}


def _known_fields(loc: typing.Sequence[str | int]) -> list[str]:
    """Field names of the model at ``loc`` (for "did you mean")."""
    model: Any = Incident
    for part in loc:
        if isinstance(part, int):
            continue
        info = (model.model_fields.get(part)
                if isinstance(model, type) and issubclass(model, BaseModel) else None)
        if info is None:
            return []
        model = model_of(info.annotation)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def model_of(annotation: Any) -> Any:
    """The model class inside a field's annotation (through lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = model_of(arg)
        if found is not None:
            return found
    return None
