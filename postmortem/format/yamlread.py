"""Reading YAML safely: bytes -> nodes -> plain data, every problem located (no models here)."""

from __future__ import annotations

import re
import typing
import unicodedata
import weakref
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from postmortem.format.mojibake import first_change, repair
from postmortem.rules.problems import Problem
from postmortem.rules.registry import rule
from postmortem.text import BIDI_CONTROLS, clip

try:  # libyaml's C parser; the pure-Python one is ~9x slower
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyPI wheels bundle libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_STD + t for t in ("str", "int", "float", "bool", "timestamp"))
_NULL = _STD + "null"
_MAP = _STD + "map"
_SEQ = _STD + "seq"
_STR = _STD + "str"
_MERGE = _STD + "merge"
_PLAIN_NULLS = frozenset(("", "~", "null", "Null", "NULL"))


class _TextLoader(_Loader):
    """The safe loader with a cheap tag resolver. Every scalar is read as text, so of YAML
    1.1's implicit types only null matters (plus `<<` and `=`, which stay reportable); the
    stock resolver's regular expressions cost ~20 % of composing a file."""

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        if kind is ScalarNode:
            if implicit[0]:  # plain scalar
                if value in _PLAIN_NULLS:
                    return _NULL
                if value == "<<":
                    return _MERGE
                if value == "=":
                    return _STD + "value"
            return _STR  # int, float, bool and timestamp would be read as text all the same
        tag: str = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag

    # No path resolvers are registered: skip two Python calls per node.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


# A billion-laughs document is small on disk; what explodes is walking its aliases.
MAX_VALUES = 100_000
# Incident files nest a few levels; libyaml's composer recurses in C and crashes the process
# somewhere past ~20,000 levels (earlier on small stacks), our converter past ~300.
MAX_DEPTH = 100
# Cheap signs that a text might nest deeply: many brackets, or a long run of indentation and
# block indicators at the start of a line. Only then are the parse events counted. (A literal
# "\n" first lets the regex engine skip ahead: ~5 us for a 4.5 KB file, ^ with MULTILINE ~30.)
_DEEP_START = re.compile(rf"[ ?-]{{{MAX_DEPTH}}}")
_DEEP_LINE = re.compile(rf"\n[ ?-]{{{MAX_DEPTH}}}")
_DEEP_LINE_ANY_BREAK = re.compile(rf"[\n\r\x85\u2028\u2029][ ?-]{{{MAX_DEPTH}}}")
_RARE_BREAKS = ("\r", "\x85", "\u2028", "\u2029")
_RUN = re.compile(r"[^\x00-\x7f]+")
# An anchor (`&name`) where a node starts: without one a document has no aliases.
_ANCHOR = re.compile(r"(?:^|[\s:,\[{?-])&[^\s,\[\]{}]", re.M)
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$", re.M)
# (names of fields holding Markdown, names of lists of Markdown): where fences must balance.
Markdown = tuple[frozenset[str], frozenset[str]]
NO_MARKDOWN: Markdown = (frozenset(), frozenset())


@dataclass
class Parsed:
    """One file after reading and YAML parsing: plain data, its node tree and what went wrong."""

    rel: str
    data: dict[str, Any] | None = None
    root: MappingNode | None = None
    problems: list[Problem] = field(default_factory=list)
    # Dotted paths of values with a rejected YAML tag: already reported, so the schema's
    # complaints about what is under them are noise.
    bad_tags: set[str] = field(default_factory=set)
    text: str = ""  # the source, for rules that point into long values


READABLE = rule("Y001")
SIZE = rule("Y002")
UTF8 = rule("Y003")
SYNTAX = rule("Y004")
ONE_DOCUMENT = rule("Y005")
CONTROL = rule("Y006")
EMPTY = rule("Y007")
MAPPING = rule("Y008")
DEPTH = rule("Y009")
ALIASES = rule("Y010")
NO_TAGS = rule("Y011")
UNIQUE_KEYS = rule("Y012")
PLAIN_KEYS = rule("Y013")
MOJIBAKE = rule("Y014")
FENCES = rule("Y015")
REGULAR = rule("Y016")
BIDI = rule("T001")


def too_big(rel: str, size: int, max_bytes: int) -> Problem:
    return SIZE(rel, 1, 1, "", f"file is {size:,} bytes, over the limit of {max_bytes:,}; "
                 "incident files are a few KB (raise max_file_size in the configuration if "
                 "this one really is that large)")


def parse_bytes(data: bytes, rel: str, max_bytes: int = 1 << 20,
                markdown: Markdown = NO_MARKDOWN) -> Parsed:
    """Parse the bytes of an incident file (from disk or from a git blob); ``markdown`` names
    the fields whose code fences must balance."""
    if len(data) > max_bytes:
        return Parsed(rel, problems=[too_big(rel, len(data), max_bytes)])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start:exc.start + 1].hex()
        return Parsed(rel, problems=[UTF8(
            rel, line, col, "", f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8")])
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_text(text, rel, markdown)


def parse_text(text: str, rel: str, markdown: Markdown = NO_MARKDOWN) -> Parsed:
    """Parse YAML ``text``; every problem found is in the result, nothing is raised."""
    parsed = Parsed(rel)
    try:
        deep = _too_deep(text)
        if deep is not None:
            line, col = deep
            parsed.problems.append(DEPTH(rel, line, col, "", (
                f"lists and mappings are nested more than {MAX_DEPTH} levels deep here; "
                "incident files need a few levels")))
            return parsed
        root = yaml.compose(text, Loader=_TextLoader)
    except yaml.MarkedYAMLError as exc:
        parsed.problems.append(_yaml_problem(rel, exc, text))
        return parsed
    except yaml.YAMLError as exc:  # reader errors: control characters and the like
        parsed.problems.append(_reader_problem(rel, exc, text))
        return parsed
    if root is None:
        parsed.problems.append(EMPTY(rel, 1, 1, "", "file is empty; an incident needs at least "
                                     "id, title, date, status, severity and started "
                                     "(`postmortem new` writes a complete scaffold)"))
        return parsed
    if not isinstance(root, MappingNode):
        found = _kind(root)
        parsed.problems.append(MAPPING(rel, root.start_mark.line + 1, root.start_mark.column + 1,
                                     "", f"the file must be a mapping of fields (id: ..., "
                                     f"title: ...), but it is {found}"))
        return parsed
    converter = _Converter(rel, markdown, text)
    try:
        data = converter.convert(root)
    except _TooBig as exc:
        parsed.problems.extend(converter.problems)
        # Point at the top-level field being expanded: the node where the count ran out is
        # a shared (anchored) node somewhere above, which says little.
        top = key_node(root, converter.path[:1]) if converter.path else None
        line, col = (top.start_mark.line + 1, top.start_mark.column + 1) if top else (
            exc.line, exc.col)
        field = dotted(converter.path[:1])
        if exc.deep:
            parsed.problems.append(DEPTH(rel, line, col, field, (
                f"lists and mappings are nested more than {MAX_DEPTH} levels deep (through "
                "YAML aliases); incident files need a few levels")))
        elif not _ANCHOR.search(text):  # no anchor, so no alias: the file is just that big
            parsed.problems.append(SIZE(rel, line, col, field, (
                f"the document holds more than {MAX_VALUES:,} values; incident files hold a "
                "few hundred: is this an incident file?")))
        else:
            parsed.problems.append(ALIASES(rel, line, col, field, (
                f"the document expands to more than {MAX_VALUES:,} values through YAML "
                "aliases (an 'alias bomb'); remove the anchors (&) and aliases (*)")))
        return parsed
    parsed.problems.extend(converter.problems)
    parsed.bad_tags = converter.bad_tags
    parsed.root = root
    parsed.text = text
    parsed.data = data
    return parsed


def _too_deep(text: str) -> tuple[int, int] | None:
    """Line and column where nesting first exceeds MAX_DEPTH, if it does (without composing)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH and not _DEEP_START.match(text):
        lines = _DEEP_LINE_ANY_BREAK if any(b in text for b in _RARE_BREAKS) else _DEEP_LINE
        if not lines.search(text):
            return None
    try:
        return _first_too_deep(text, _Loader)
    except yaml.MarkedYAMLError as exc:
        if "maximum nesting depth" not in str(exc.problem) or exc.problem_mark is None:
            return None  # composing stops at the same place and reports it
        # libyaml >= 0.2.6 has a nesting limit of its own (1000), deeper than ours, and its
        # scanner may reach it before the parser hands out the events that pass ours. The
        # text before its stop holds ours: find it there with the pure-Python parser.
        mark = exc.problem_mark
        try:
            found = _first_too_deep(text[:mark.index], yaml.SafeLoader)
        except yaml.YAMLError:
            found = None  # the prefix is cut mid-token; libyaml's place will do
        return found or (mark.line + 1, mark.column + 1)
    except yaml.YAMLError:
        return None


def _first_too_deep(text: str, loader: Any) -> tuple[int, int] | None:
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            mark = event.start_mark
            if depth > MAX_DEPTH and mark is not None:
                return mark.line + 1, mark.column + 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return None


_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 0x1B: "ESC", 0x7F: "DEL",
                  0xFEFF: "byte-order mark", 0xFFFE: "non-character", 0xFFFF: "non-character"}


def _reader_problem(rel: str, exc: yaml.YAMLError, text: str) -> Problem:
    code = getattr(exc, "character", None)
    pos = -1
    if isinstance(code, int):
        # The C reader reports a byte offset; the first occurrence of the character is the
        # one it stopped at, and gives the position in characters.
        pos = text.find(chr(code))
    if pos < 0:
        pos = min(max(getattr(exc, "position", 0) or 0, 0), len(text))
    line = text.count("\n", 0, pos) + 1
    col = pos - (text.rfind("\n", 0, pos) + 1) + 1
    if isinstance(code, int):
        name = _CONTROL_NAMES.get(code)
        what = f"U+{code:04X}" + (f" ({name})" if name else "")
        return CONTROL(rel, line, col, "", f"control character {what} is not allowed in YAML; "
                     "remove it")
    reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
    return SYNTAX(rel, line, col, "", f"YAML cannot read this file: {reason}")


def _yaml_problem(rel: str, exc: yaml.MarkedYAMLError, text: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = exc.problem or "syntax error"
    if exc.context and exc.context not in what:
        what = f"{what} ({exc.context})"
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in what or "'\\t'" in what or here[: max(col, 1)].lstrip(" ").startswith("\t"):
        # libyaml's wording ("found character that cannot start any token") hides the cause.
        return SYNTAX(rel, line, col, "", "YAML syntax error: a tab is used for indentation; "
                     "indent with spaces, not tabs")
    if "but found another document" in what:
        return ONE_DOCUMENT(rel, line, col, "", "a second YAML document starts here ('---'); an "
                     "incident file holds exactly one: move the rest to its own file")
    if "mapping values are not allowed" in what:
        what += "; a value containing ': ' must be quoted"
    elif "found duplicate anchor" in what or "undefined alias" in what:
        what += "; check the anchors (&name) and aliases (*name)"
    return SYNTAX(rel, line, col, "", f"YAML syntax error: {what}")


def _kind(node: Node) -> str:
    if isinstance(node, SequenceNode):
        return "a list"
    if isinstance(node, MappingNode):
        return "a mapping"
    return "a single value" if node.value else "empty"


class _TooBig(Exception):
    def __init__(self, line: int, col: int, *, deep: bool = False) -> None:
        self.line, self.col, self.deep = line, col, deep


class _Converter:
    """Nodes -> plain data. Scalars stay the text that was written (so ``10:30`` is a time, not
    YAML 1.1's 630, and ``no`` stays ``no``); only unquoted nulls become None."""

    def __init__(self, rel: str, markdown: Markdown = NO_MARKDOWN, text: str = "") -> None:
        self.rel = rel
        self.text = text  # the document, for exact positions in long values
        self.markdown_fields, self.markdown_lists = markdown
        self.problems: list[Problem] = []
        self.count = 0
        self.path: list[str | int] = []
        self.bad_tags: set[str] = set()

    def where(self, node: Node) -> tuple[int, int]:
        return node.start_mark.line + 1, node.start_mark.column + 1

    def convert(self, node: Node) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig(*self.where(node))
        if len(self.path) > MAX_DEPTH:  # only aliases get here: _too_deep saw the text
            raise _TooBig(*self.where(node), deep=True)
        if isinstance(node, ScalarNode):
            tag = node.tag
            if tag in _SCALAR_TAGS:
                value: str = node.value
                if not value.isascii():
                    self._check_text(node, value)
                return value
            if tag == _NULL:
                return None if not node.style else node.value  # C loader: "" means plain
            self._bad_tag(node)
            return node.value
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                self._bad_tag(node)
            out = []
            path = self.path
            for index, child in enumerate(node.value):
                path.append(index)
                if (type(child) is ScalarNode and child.tag in _SCALAR_TAGS
                        and child.value.isascii() and self.count < MAX_VALUES
                        and len(path) <= MAX_DEPTH):
                    # `convert` inlined for plain ASCII text (most values): same count and
                    # result without a call per value, a third of the time of converting.
                    self.count += 1
                    out.append(child.value)
                else:
                    out.append(self.convert(child))
                path.pop()
            return out
        assert isinstance(node, MappingNode)
        if node.tag != _MAP:
            self._bad_tag(node)
        result: dict[str, Any] = {}
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == _MERGE:
                line, col = self.where(key_node)
                what = "merge keys (<<)" if isinstance(key_node, ScalarNode) else "a " + (
                    "list" if isinstance(key_node, SequenceNode) else "mapping") + " as a key"
                self.problems.append(PLAIN_KEYS(self.rel, line, col, self.dotted(),
                                                f"{what} are not supported in incident files"))
                continue
            key = key_node.value
            if key in seen:
                line, col = self.where(key_node)
                self.problems.append(UNIQUE_KEYS(
                    self.rel, line, col, self.dotted(key),
                    f"duplicate key '{key}' (first at line {seen[key]}); YAML would silently "
                    "keep only the last one: merge them or rename one"))
                continue
            seen[key] = key_node.start_mark.line + 1
            self.path.append(key)
            if key in self.markdown_fields and isinstance(value_node, ScalarNode):
                self._check_fences(value_node)
            elif key in self.markdown_lists and isinstance(value_node, SequenceNode):
                for index, item in enumerate(value_node.value):
                    if isinstance(item, ScalarNode):
                        self.path.append(index)
                        self._check_fences(item)
                        self.path.pop()
            if (type(value_node) is ScalarNode and value_node.tag in _SCALAR_TAGS
                    and value_node.value.isascii() and self.count < MAX_VALUES
                    and len(self.path) <= MAX_DEPTH):
                self.count += 1  # `convert` inlined, as in the list above
                result[key] = value_node.value
            else:
                result[key] = self.convert(value_node)
            self.path.pop()
        return result

    def dotted(self, last: str | None = None) -> str:
        return dotted([*self.path, last] if last is not None else self.path)

    def _bad_tag(self, node: Node) -> None:
        if self.path:  # a tag on the whole document does not change what its fields mean
            self.bad_tags.add(self.dotted())
        line, col = self.where(node)
        tag = node.tag.replace(_STD, "!!")
        self.problems.append(NO_TAGS(
            self.rel, line, col, self.dotted(),
            f"YAML tag '{tag}' is not allowed: incident files hold plain text, lists and "
            "mappings only (nothing is ever constructed from tags)"))

    def _check_text(self, node: ScalarNode, value: str) -> None:
        if _BIDI.search(value):
            self._bidi(node, value)
        fixed = repair(value)
        if fixed is None:
            return
        repaired, codec = fixed
        # Repairs never add or remove line breaks: the lines pair up.
        pairs = zip(value.split("\n"), repaired.split("\n"), strict=True)
        old, new = next((a, b) for a, b in pairs if a != b)
        line, col = self._where_text(node, _RUN.search(value, first_change(value, repaired)))
        self.problems.append(MOJIBAKE(
            self.rel, line, col, self.dotted(),
            f"text looks mis-decoded (UTF-8 read as {codec}): '{clip(old)}' "
            f"probably should read '{clip(new)}'; re-save the text as UTF-8"))

    def _where_text(self, node: ScalarNode, run: re.Match[str] | None) -> tuple[int, int]:
        return where_in(self.text, node, run.group(0) if run else "")

    def _bidi(self, node: ScalarNode, value: str) -> None:
        """A warning at each bidirectional control written into the file, or at the value
        when it came from an escape (``"\\u202e"``)."""

        start, end = node.start_mark.index, node.end_mark.index
        written = [m.start() for m in _BIDI.finditer(self.text, start, end)]
        places = [(pos, self.text[pos]) for pos in written] or [
            (start, m.group()) for m in _BIDI.finditer(value)][:1]
        for pos, char in places:
            line = self.text.count("\n", 0, pos) + 1
            col = pos - self.text.rfind("\n", 0, pos)
            name = unicodedata.name(char, "")
            self.problems.append(BIDI(
                self.rel, line, col, self.dotted(),
                f"Unicode bidirectional control U+{ord(char):04X} ({name}): it makes the text "
                "display in another order than it is written; remove it"))

    def _check_fences(self, node: ScalarNode) -> None:
        value = node.value
        if "```" not in value and "~~~" not in value:
            return
        opened: tuple[str, int, str] | None = None
        number, counted = 0, 0  # the line of the match, and up to where lines were counted
        for m in _FENCE.finditer(value):  # fence lines only: no pass over every line
            number += value.count("\n", counted, m.start())
            counted = m.start()
            fence, rest = m.group(1), m.group(2)
            if opened is None:
                if fence[0] == "`" and "`" in rest:
                    continue  # an inline code span, not a fence
                opened = (fence, number, m.group(0).strip())
            elif fence[0] == opened[0][0] and len(fence) >= len(opened[0]) and not rest.strip():
                opened = None
        if opened is not None:
            fence, number, text = opened
            if node.style in ("|", ">"):
                line, col = node.start_mark.line + 2 + number, 1
            else:
                line, col = self.where(node)
            self.problems.append(FENCES(
                self.rel, line, col, self.dotted(),
                f"code fence '{clip(text)}' is never closed; add a line '{fence}' after "
                "the code"))


def where_in(text: str, node: Node, needle: str, nth: int = 0) -> tuple[int, int]:
    """Line and column of the ``nth`` occurrence (from 0) of ``needle`` in the value of
    ``node`` (a value of many lines, a block or a plain or quoted text folded over lines, is
    searched line by line); the first occurrence when there are fewer, the node's own
    position when there is none."""
    first, last = node.start_mark.line, node.end_mark.line
    if needle:
        lines = text.split("\n")
        seen: tuple[int, int] | None = None
        for number in range(first, min(last, len(lines) - 1) + 1):
            start = node.start_mark.column if number == first else 0
            found = lines[number].find(needle, start)
            while found >= 0:
                if seen is None:
                    seen = (number + 1, found + 1)
                if nth == 0:
                    return number + 1, found + 1
                nth -= 1
                found = lines[number].find(needle, found + len(needle))
        if seen is not None:
            return seen
    return node.start_mark.line + 1, node.start_mark.column + 1


def dotted(path: typing.Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# Mappings with more entries than this are looked up through an index of their keys, built
# on first use: a scan per lookup made messages about thousands of keys quadratic.
_SCAN_LIMIT = 8
_KEY_INDEX: weakref.WeakKeyDictionary[MappingNode, dict[str, tuple[Node, Node]]] = \
    weakref.WeakKeyDictionary()


def _entry(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    """The (key node, value node) of ``key`` in ``node``: the first, as the converter keeps."""
    pairs = node.value
    if len(pairs) <= _SCAN_LIMIT:
        for pair in pairs:
            if isinstance(pair[0], ScalarNode) and pair[0].value == key:
                return pair  # type: ignore[no-any-return]
        return None
    index = _KEY_INDEX.get(node)
    if index is None:
        index = {}
        for pair in pairs:
            if isinstance(pair[0], ScalarNode):
                index.setdefault(pair[0].value, pair)
        _KEY_INDEX[node] = index
    return index.get(key)


def locate(root: Node | None, loc: typing.Sequence[str | int]) -> tuple[Node | None, bool]:
    """The node at ``loc`` (or its nearest ancestor), and whether all of ``loc`` was found."""
    node = root
    for part in loc:
        if isinstance(node, MappingNode) and isinstance(part, str):
            pair = _entry(node, part)
            if pair is None:
                return node, False
            node = pair[1]
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node, False
    return node, True


def key_node(root: Node | None, loc: typing.Sequence[str | int]) -> Node | None:
    """The key node of the last part of ``loc`` (for "unknown key" messages)."""
    parent, found = locate(root, loc[:-1])
    if found and isinstance(parent, MappingNode) and isinstance(loc[-1], str):
        pair = _entry(parent, loc[-1])
        return pair[0] if pair is not None else None
    return None


def position(root: Node | None, loc: typing.Sequence[str | int]) -> tuple[int, int]:
    node, _ = locate(root, loc)
    if node is None:
        return 1, 1
    return node.start_mark.line + 1, node.start_mark.column + 1


@dataclass(frozen=True)
class Spot:
    """The value a position in the file falls in: its path, its node, and whether it is
    inside a flow collection (``{...}``, ``[...]``). No node: a comment or blank."""

    path: tuple[str | int, ...]
    node: ScalarNode | None
    in_flow: bool
    key: bool = False  # the node is a mapping's key (the path is the mapping's)


def spot(root: Node | None, line: int, col: int) -> Spot:
    """The value at 1-based ``line`` and ``col``."""
    where = (line - 1, col - 1)
    path: list[str | int] = []
    node = root
    in_flow = False

    def inside(n: Node) -> bool:
        start = (n.start_mark.line, n.start_mark.column)
        end = (n.end_mark.line, n.end_mark.column)
        return start <= where < end

    while node is not None and not isinstance(node, ScalarNode):
        in_flow = in_flow or bool(getattr(node, "flow_style", False))
        if isinstance(node, MappingNode):
            for k, _ in node.value:
                if isinstance(k, ScalarNode) and inside(k):
                    return Spot(tuple(path), k, in_flow, key=True)
            children = [(k.value if isinstance(k, ScalarNode) else "?", v)
                        for k, v in node.value]
        elif isinstance(node, SequenceNode):
            children = list(enumerate(node.value))
        else:
            break
        for part, child in children:
            if inside(child):
                path.append(part)
                node = child
                break
        else:
            return Spot(tuple(path), None, in_flow)
    scalar = node if isinstance(node, ScalarNode) and path and inside(node) else None
    return Spot(tuple(path), scalar, in_flow)
