"""`redact`: findings replaced by placeholders in the file's own text, the rest of it (comments,
layout, quoting) byte for byte as it was."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem.errors import PostmortemError

if TYPE_CHECKING:
    from yaml.nodes import Node

    from postmortem.config import Config
    from postmortem.format.load import Listing
    from postmortem.privacy.scan import Finding

# Why not a round-trip YAML library: ruamel.yaml 0.19 (preserve_quotes, width 4096, indent
# 2/4/2) gives the bundled files back unchanged, but re-indents a file whose sequences are
# not indented (`- at:` at column 0), and writes `[{title: x}]` as `[title: x]`; each file of
# another style would change in places the redaction has nothing to do with.
PLACEHOLDERS = {"email": "[EMAIL_REDACTED]", "phone": "[PHONE_REDACTED]",
                "ip": "[IP_REDACTED]", "iban": "[IBAN_REDACTED]", "card": "[CARD_REDACTED]"}
SECRET_PLACEHOLDER = "[SECRET_REDACTED]"
_BOM = "\ufeff"


def placeholder(finding: Finding) -> str:
    return PLACEHOLDERS.get(finding.kind, SECRET_PLACEHOLDER)


class Unsafe(PostmortemError):
    """The redacted text would not read back as the same data with the placeholders."""

    REASON = ("the placeholder would change what else the file says (a value written with "
              "escapes or split over lines?)")


def redact_text(data: bytes, findings: Iterable[Finding], root: Node | None) -> str:
    """``data`` (an incident file that parses) with each finding replaced by its
    placeholder. A placeholder goes into the text where it stands; only a plain value where
    YAML would read ``[...]`` as a list (at its start, or inside ``{...}`` or ``[...]``) is
    rewritten whole, in double quotes. The result is parsed again and must give the same
    data with the placeholders, or Unsafe is raised."""
    from postmortem.format.scaffold import yaml_quoted
    from postmortem.format.yamlread import spot

    raw = data.decode("utf-8")
    bom = _BOM if raw.startswith(_BOM) else ""
    text = raw[len(bom):]
    skip = len(bom.encode())
    edits: dict[tuple[int, int], str] = {}  # (start, end) in text -> new text
    requote: dict[int, tuple[Any, list[Finding]]] = {}  # scalars to write again, whole
    # scalar (a value or a key) by its start -> (the value as YAML reads it, its placeholder)
    read: dict[int, list[tuple[str, str]]] = {}
    for f in findings:
        start = len(data[skip:f.start].decode("utf-8"))
        end = start + len(f.value)
        where = spot(root, f.line, f.col)
        node = where.node
        if node is not None:
            read.setdefault(node.start_mark.index, []).append(
                (f.value.replace("''", "'") if node.style == "'" else f.value, placeholder(f)))
        if node is not None and not node.style and (where.in_flow
                                                    or start == node.start_mark.index):
            requote.setdefault(node.start_mark.index, (node, []))[1].append(f)
        else:
            edits[(start, end)] = placeholder(f)
    for node, inside in requote.values():
        value = node.value
        for f in inside:
            value = value.replace(f.value, placeholder(f))
        span = (node.start_mark.index, node.end_mark.index)
        edits = {k: v for k, v in edits.items() if not (span[0] <= k[0] < span[1])}
        edits[span] = yaml_quoted(value)
    out = []
    last = 0
    for (start, end), new in sorted(edits.items()):
        out.append(text[last:start])
        out.append(new)
        last = end
    out.append(text[last:])
    result = "".join(out)
    _verify(text, result, read)
    return bom + result


def _verify(before: str, after: str, read: dict[int, list[tuple[str, str]]]) -> None:
    """``after`` must read as ``before`` with the placeholders in the scalars (values or
    keys) the findings are in, and nowhere else: the same value elsewhere (on a line whose
    noqa silences it) stays."""
    from postmortem.format.yamlread import parse_text

    old, new = parse_text(before, "before"), parse_text(after, "after")
    if new.data is None or old.root is None or new.root is None \
            or len(new.problems) > len(old.problems) or not _same(old.root, new.root, read):
        raise Unsafe(Unsafe.REASON)


def _same(old: Node, new: Node, read: dict[int, list[tuple[str, str]]]) -> bool:
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    stack, seen = [(old, new)], set()
    while stack:
        a, b = stack.pop()
        if type(a) is not type(b):
            return False
        if isinstance(a, ScalarNode):
            pairs = read.get(a.start_mark.index, [])
            value = a.value
            for was, now in sorted(pairs, key=lambda p: -len(p[0])):
                value = value.replace(was, now)
            # a redacted plain number (a card) reads as a string now
            if b.value != value or (a.tag != b.tag and not (pairs and b.tag.endswith(":str"))):
                return False
            continue
        if a.tag != b.tag or len(a.value) != len(b.value):
            return False
        if id(a) in seen:  # an alias
            continue
        seen.add(id(a))
        if isinstance(a, SequenceNode):
            stack.extend(zip(a.value, b.value, strict=True))
        elif isinstance(a, MappingNode):
            for (ka, va), (kb, vb) in zip(a.value, b.value, strict=True):
                stack.extend(((ka, kb), (va, vb)))
    return True


def redact_some(data: bytes, findings: list[Finding], root: Node | None
                ) -> tuple[str | None, list[Finding], list[Finding]]:
    """As many findings redacted as can be: (the text, or None if none can; the findings
    redacted; the findings left, each of which would change what else the file says)."""
    try:
        return redact_text(data, findings, root), findings, []
    except Unsafe:
        pass
    done: list[Finding] = []
    left: list[Finding] = []
    text = None
    for f in findings:
        try:
            text = redact_text(data, [*done, f], root)
        except Unsafe:
            left.append(f)
        else:
            done.append(f)
    return (text if done else None), done, left


# ---- files -----------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What `redact` did, or would do, to one file."""

    path: Path
    rel: str
    findings: list[Finding] = field(default_factory=list)
    before: str = ""
    after: str = ""
    refused: str = ""  # why the file was left alone
    left: list[Finding] = field(default_factory=list)  # findings that cannot be redacted

    @property
    def secrets(self) -> int:
        return sum(f.category == "secret" for f in self.findings)

    def diff(self) -> str:
        """A unified diff of the change; removed values shown masked, as in `check`."""
        from postmortem.privacy.values import mask

        def shown(text: str) -> list[str]:  # what stays (a value left, a noqa'd one) too
            for f in sorted([*self.findings, *self.left], key=lambda f: -len(f.value)):
                text = text.replace(f.value, mask(f.value, email=f.kind == "email"))
            return text.splitlines(keepends=True)

        return "".join(difflib.unified_diff(
            shown(self.before), shown(self.after),
            f"a/{self.rel}", f"b/{self.rel}"))


def redact_files(config: Config, chosen: Listing | None, *, write: bool) -> list[Outcome]:
    """Redact what `check` reports of rules P in the ``chosen`` files (default: every
    incident file); with ``write``, each changed file is replaced atomically."""
    from postmortem.atomic import write_bytes_atomic
    from postmortem.format.load import incident_files, load_source, read_source
    from postmortem.rules.privacy import reported, scanner_of

    scanner = scanner_of(config)
    out = []
    for path in (incident_files(config) if chosen is None else chosen).files:
        source = read_source(path, config)
        outcome = Outcome(path, source.rel)
        out.append(outcome)
        loaded = load_source(source, config)
        if source.data is None or loaded.root is None or any(
                p.code.startswith("Y") and p.severity == "error" for p in loaded.problems):
            outcome.refused = ("it cannot be read as YAML; fix what `postmortem check` "
                               "reports first")
            continue
        found = [f for f, _ in reported(source.data, loaded, scanner, config)]
        if not found:
            continue
        after, outcome.findings, outcome.left = redact_some(source.data, found, loaded.root)
        if after is None:
            continue
        outcome.before, outcome.after = source.data.decode("utf-8"), after
        if write:
            write_bytes_atomic(path, after.encode("utf-8"))
    return out
