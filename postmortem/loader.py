"""Reading one incident file safely: bytes -> YAML nodes -> plain data -> Incident, with positions."""

from __future__ import annotations

import difflib
import os
import re
import typing
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from postmortem.problems import Problem, error, warning
from postmortem.textfix import repair

try:  # libyaml's C parser; the pure-Python one is ~9x slower
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyPI wheels bundle libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_STD + t for t in ("str", "int", "float", "bool", "timestamp"))
_NULL = _STD + "null"
_MAP = _STD + "map"
_SEQ = _STD + "seq"
# A billion-laughs document is small on disk; what explodes is walking its aliases.
MAX_VALUES = 100_000
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


@dataclass
class Parsed:
    """One file after reading and YAML parsing: plain data, its node tree and what went wrong."""

    rel: str
    data: dict[str, Any] | None = None
    root: MappingNode | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def read_file(path: str | os.PathLike[str], rel: str, max_bytes: int) -> Parsed:
    """Read ``path`` and parse it; ``rel`` is the path shown in messages."""
    try:
        size = os.stat(path).st_size
        if size > max_bytes:
            return Parsed(rel, problems=[error(
                rel, 1, 1, "", f"file is {size:,} bytes, over the limit of {max_bytes:,}; "
                "incident files are a few KB (raise max_file_size in the configuration if "
                "this one really is that large)")])
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        return Parsed(rel, problems=[error(rel, 1, 1, "", f"cannot read file: {exc.strerror}")])
    return parse_bytes(data, rel, max_bytes)


def parse_bytes(data: bytes, rel: str, max_bytes: int = 1 << 20) -> Parsed:
    """Parse the bytes of an incident file (from disk or from a git blob)."""
    if len(data) > max_bytes:
        return Parsed(rel, problems=[error(rel, 1, 1, "", f"file is over the limit of "
                                           f"{max_bytes:,} bytes (max_file_size)")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start:exc.start + 1].hex()
        return Parsed(rel, problems=[error(
            rel, line, col, "", f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")])
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_text(text, rel)


def parse_text(text: str, rel: str) -> Parsed:
    parsed = Parsed(rel)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        parsed.problems.append(_yaml_problem(rel, exc, text))
        return parsed
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        pos = getattr(exc, "position", 0) or 0
        line = text.count("\n", 0, pos) + 1
        col = pos - (text.rfind("\n", 0, pos) + 1) + 1
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        parsed.problems.append(error(rel, line, col, "", f"YAML cannot read this file: {reason}"))
        return parsed
    if root is None:
        parsed.problems.append(error(rel, 1, 1, "", "file is empty; an incident needs at least "
                                     "id, title, date, status, severity and started "
                                     "(`postmortem new` writes a complete scaffold)"))
        return parsed
    if not isinstance(root, MappingNode) or root.tag != _MAP:
        found = _kind(root)
        parsed.problems.append(error(rel, root.start_mark.line + 1, root.start_mark.column + 1,
                                     "", f"the file must be a mapping of fields (id: ..., "
                                     f"title: ...), but it is {found}"))
        return parsed
    converter = _Converter(rel)
    try:
        data = converter.convert(root)
    except _TooBig as exc:
        parsed.problems.extend(converter.problems)
        parsed.problems.append(error(rel, exc.line, exc.col, "", (
            f"the document expands to more than {MAX_VALUES:,} values through YAML aliases "
            "(an 'alias bomb'); remove the anchors (&) and aliases (*)")))
        return parsed
    parsed.problems.extend(converter.problems)
    parsed.root = root
    parsed.data = data
    return parsed


def _yaml_problem(rel: str, exc: yaml.MarkedYAMLError, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or "syntax error"
    if exc.context and exc.context not in what:
        what = f"{what} ({exc.context})"
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in what or "'\\t'" in what or here[: max(col, 1)].lstrip(" ").startswith("\t"):
        what += "; indent with spaces, not tabs"
    elif "mapping values are not allowed" in what:
        what += "; a value containing ': ' must be quoted"
    elif "found duplicate anchor" in what or "undefined alias" in what:
        what += "; check the anchors (&name) and aliases (*name)"
    return error(rel, line, col, "", f"YAML syntax error: {what}")


def _kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return "a single value" if node.value else "empty"


class _TooBig(Exception):
    def __init__(self, line: int, col: int) -> None:
        self.line, self.col = line, col


class _Converter:
    """Nodes -> plain data. Scalars stay the text that was written (so ``10:30`` is a time, not
    YAML 1.1's 630, and ``no`` stays ``no``); only unquoted nulls become None."""

    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.problems: list[Problem] = []
        self.count = 0
        self.path: list[str | int] = []

    def where(self, node: Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def convert(self, node: Node) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig(*self.where(node))
        if isinstance(node, ScalarNode):
            tag = node.tag
            if tag in _SCALAR_TAGS:
                value: str = node.value
                if not value.isascii():
                    self._check_text(node, value)
                return value
            if tag == _NULL:
                return None if node.style is None else node.value
            self._bad_tag(node)
            return node.value
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self._bad_tag(node)
            out = []
            path = self.path
            for index, child in enumerate(node.value):
                path.append(index)
                out.append(self.convert(child))
                path.pop()
            return out
        assert isinstance(node, MappingNode)
        if node.tag != _MAP:
            self._bad_tag(node)
        result: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _STD + "merge":
                line, col = self.where(key_node)
                what = "merge keys (<<)" if isinstance(key_node, ScalarNode) else "a " + (
                    "list" if isinstance(key_node, SequenceNode) else "mapping") + " as a key"
                self.problems.append(error(self.rel, line, col, self.dotted(),
                                           f"{what} are not supported in incident files"))
                continue
            key = key_node.value
            if key in seen:
                line, col = self.where(key_node)
                self.problems.append(error(
                    self.rel, line, col, self.dotted(key),
                    f"duplicate key '{key}' (first at line {seen[key]}); YAML would silently "
                    "keep only the last one: merge them or rename one"))
                continue
            seen[key] = key_node.start_mark.line + 1
            self.path.append(key)
            if key in MARKDOWN_FIELDS and isinstance(value_node, ScalarNode):
                self._check_fences(value_node)
            elif key in MARKDOWN_LISTS and isinstance(value_node, SequenceNode):
                for item in value_node.value:
                    if isinstance(item, ScalarNode):
                        self._check_fences(item)
            result[key] = self.convert(value_node)
            self.path.pop()
        return result

    def dotted(self, last: str | None = None) -> str:
        return dotted([*self.path, last] if last is not None else self.path)

    def _bad_tag(self, node: Node) -> None:
        line, col = self.where(node)
        tag = node.tag.replace(_STD, "!!")
        self.problems.append(error(
            self.rel, line, col, self.dotted(),
            f"YAML tag '{tag}' is not allowed: incident files hold plain text, lists and "
            "mappings only (nothing is ever constructed from tags)"))

    def _check_text(self, node: ScalarNode, value: str) -> None:
        fixed = repair(value)
        if fixed is None:
            return
        repaired, codec = fixed
        line, col = self.where(node)
        for offset, (old, new) in enumerate(zip(value.split("\n"), repaired.split("\n"))):
            if old != new:
                if node.style in ("|", ">"):
                    line, col = node.start_mark.line + 2 + offset, 1
                self.problems.append(warning(
                    self.rel, line, col, self.dotted(),
                    f"text looks mis-decoded (UTF-8 read as {codec}): '{_clip(old)}' "
                    f"probably should read '{_clip(new)}'; re-save the text as UTF-8"))
                return

    def _check_fences(self, node: ScalarNode) -> None:
        value = node.value
        if "```" not in value and "~~~" not in value:
            return
        opened: tuple[str, int, str] | None = None
        for number, line in enumerate(value.split("\n")):
            m = _FENCE.match(line)
            if not m:
                continue
            fence, rest = m.group(1), m.group(2)
            if opened is None:
                if fence[0] == "`" and "`" in rest:
                    continue  # an inline code span, not a fence
                opened = (fence, number, line.strip())
            elif fence[0] == opened[0][0] and len(fence) >= len(opened[0]) and not rest.strip():
                opened = None
        if opened is not None:
            fence, number, text = opened
            if node.style in ("|", ">"):
                line, col = node.start_mark.line + 2 + number, 1
            else:
                line, col = self.where(node)
            self.problems.append(error(
                self.rel, line, col, self.dotted(),
                f"code fence '{_clip(text)}' is never closed; add a line '{fence}' after "
                "the code"))


def _clip(text: str, width: int = 60) -> str:
    text = text.strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def dotted(path: typing.Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def locate(root: Node | None, loc: typing.Sequence[str | int]) -> tuple[Node | None, bool]:
    """The node at ``loc`` (or its nearest ancestor), and whether all of ``loc`` was found."""
    node = root
    for part in loc:
        if isinstance(node, MappingNode) and isinstance(part, str):
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.value == part:
                    node = value_node
                    break
            else:
                return node, False
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node, False
    return node, True


def key_node(root: Node | None, loc: typing.Sequence[str | int]) -> Node | None:
    """The key node of the last part of ``loc`` (for "unknown key" messages)."""
    parent, found = locate(root, loc[:-1])
    if found and isinstance(parent, MappingNode):
        for k, _ in parent.value:
            if isinstance(k, ScalarNode) and k.value == loc[-1]:
                return k
    return None


def position(root: Node | None, loc: typing.Sequence[str | int]) -> tuple[int, int]:
    node, _ = locate(root, loc)
    if node is None:
        return 1, 1
    return node.start_mark.line + 1, node.start_mark.column + 1


# ---- validation against the models -------------------------------------------------------

def validate(parsed: Parsed) -> Any:
    """The Incident model of ``parsed`` (None on schema errors, which are added to it)."""
    from pydantic import ValidationError

    from postmortem.model import Incident

    assert parsed.data is not None
    try:
        return Incident.model_validate(parsed.data)
    except ValidationError as exc:
        seen: set[tuple[str | int, ...]] = set()
        for err in exc.errors(include_url=False):
            loc = _real_loc(parsed.root, err["loc"])
            if loc in seen:  # one message per place, even when a union tried several types
                continue
            seen.add(loc)
            parsed.problems.append(_schema_problem(parsed, loc, err))
        return None


def _real_loc(root: Node | None, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop the parts pydantic adds for union members and validators."""
    out: list[str | int] = []
    node: Node | None = root
    for part in loc:
        if isinstance(node, MappingNode) and isinstance(part, str):
            out.append(part)
            node, _ = locate(node, [part])
        elif isinstance(node, SequenceNode) and isinstance(part, int):
            out.append(part)
            node, _ = locate(node, [part])
        elif isinstance(part, str) and not out and node is root:
            out.append(part)
        # else: a union member's name such as 'str' or 'dict[str,str]'
    return tuple(out)


def _found(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"'{_clip(str(value), 40)}'"


_PATTERN_WORDS = {
    r"^[a-z0-9][a-z0-9-]*$": "lowercase letters, digits and hyphens, starting with a letter or "
                             "digit (no spaces, dots or slashes)",
    r"^[A-Za-z][A-Za-z0-9-]*$": "letters, digits and hyphens, starting with a letter (e.g. AI-1)",
}


def _schema_problem(parsed: Parsed, loc: tuple[str | int, ...], err: Any) -> Problem:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    rel, root = parsed.rel, parsed.root
    line, col = position(root, loc)
    name = dotted(loc)
    if kind == "missing":
        line, col = position(root, loc[:-1])
        return error(rel, line, col, name, "required field is missing")
    if kind == "extra_forbidden":
        key = key_node(root, loc)
        if key is not None:
            line, col = key.start_mark.line + 1, key.start_mark.column + 1
        known = _known_fields(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = (f"did you mean '{close[0]}'?" if close
                else f"known fields here: {', '.join(known)}" if known else "")
        return error(rel, line, col, name, f"unknown field '{loc[-1]}'; {hint}".rstrip("; "))
    if kind == "literal_error":
        return error(rel, line, col, name,
                     f"{_found(value)} is not allowed here; use {ctx.get('expected', '')}")
    if kind == "string_type":
        if value is None:
            return error(rel, line, col, name, "is empty; write a text value")
        return error(rel, line, col, name, f"expected text, found {_found(value)}")
    if kind == "list_type":
        return error(rel, line, col, name,
                     f"expected a list (lines starting with '- '), found {_found(value)}")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return error(rel, line, col, name, f"expected a mapping of fields, found {_found(value)}")
    if kind.startswith("date_") or kind.startswith("datetime_"):
        return error(rel, line, col, name, f"{_found(value)} is not a date; write YYYY-MM-DD")
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        words = _PATTERN_WORDS.get(pattern, f"the pattern {pattern}")
        return error(rel, line, col, name, f"{_found(value)} is not valid here: use {words}")
    if kind == "string_too_long":
        return error(rel, line, col, name,
                     f"is longer than {ctx.get('max_length')} characters; shorten it")
    if kind == "bool_parsing" or kind == "bool_type":
        return error(rel, line, col, name, f"{_found(value)} is not true or false")
    message = str(err.get("msg", "is not valid"))
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return error(rel, line, col, name, message)


def _known_fields(loc: typing.Sequence[str | int]) -> list[str]:
    """Field names of the model at ``loc`` (for "did you mean")."""
    from pydantic import BaseModel

    from postmortem.model import Incident

    model: Any = Incident
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) if isinstance(model, type) else None
        if info is None:
            return []
        model = _model_of(info.annotation)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _model_of(annotation: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _is_markdown(annotation: Any) -> bool:
    from postmortem.model import MARKDOWN

    if any(getattr(x, "json_schema_extra", None) == MARKDOWN
           for x in getattr(annotation, "__metadata__", ())):
        return True
    return typing.get_origin(annotation) is not list and any(
        _is_markdown(arg) for arg in typing.get_args(annotation))


def _markdown_fields() -> tuple[frozenset[str], frozenset[str]]:
    """Names of fields that hold Markdown, and of lists of Markdown (from the models)."""
    from pydantic import BaseModel

    from postmortem import model as m

    fields, lists = set(), set()
    for obj in vars(m).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel) and obj is not BaseModel:
            for fname, info in obj.model_fields.items():
                if info.json_schema_extra == m.MARKDOWN or _is_markdown(info.annotation):
                    fields.add(fname)
                elif typing.get_origin(info.annotation) is list and _is_markdown(
                        typing.get_args(info.annotation)[0]):
                    lists.add(fname)
    return frozenset(fields), frozenset(lists)


MARKDOWN_FIELDS, MARKDOWN_LISTS = _markdown_fields()
