"""The external version of an incident: what customers and status pages may read."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from postmortem.reports.generated import Outcome
from postmortem.rules.problems import Problem, sort_key

if TYPE_CHECKING:
    from postmortem.config import Config
    from postmortem.format.load import Loaded, Source
    from postmortem.format.model import Incident
    from postmortem.privacy.scan import Scanner
    from postmortem.reports.render import RenderResult
    from postmortem.reports.summary import Summary

# Fields that point into the organisation: tracker tickets, pull requests, commits.
_INTERNAL_KEYS = ("link", "ticket")
# What writes the external reports again: their marker line says so.
COMMAND = "postmortem render --audience external"
# Paths of commits and change requests on the common forges.
_CHANGE_PATH = re.compile(r"/(?:-/)?(?:commits?|pull|pulls|merge_requests|compare)/")
_MD_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"\n]*\")?\s*\)")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>", re.I)
# URLs GitHub links without markup: any case of the scheme, and `www.` without one.
_BARE_URL = re.compile(r"\b(?:(?:https?|ftp)://|www\.)[^\s<>()\"'`\]]+", re.I)
# A link reference definition (`[label]: url "title"`), and the links that use a label.
_REF_DEF = re.compile(r"^ {0,3}\[([^\]\n]+)\]:[ \t]*<?([^\s>]*)>?[^\n]*$", re.M)
_REF_FULL = re.compile(r"(!?)\[([^\]\n]*)\]\[([^\]\n]*)\]")
_REF_SHORT = re.compile(r"(!?)\[([^\]\n]+)\](?![\[(:])")
# Raw HTML links and embeds: GitHub shows them as links and images too.
_ATTR = r"""\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))"""
_HTML_LINK = re.compile(r"<a\b[^>]*?\bhref" + _ATTR + r"[^>]*>(.*?)</a\s*>", re.I | re.S)
_HTML_SRC = re.compile(r"<(?:img|source|iframe|embed|video|audio)\b[^>]*?\bsrc" + _ATTR
                       + r"[^>]*>", re.I)
REMOVED_LINK = "[INTERNAL_LINK_REMOVED]"


@dataclass(frozen=True)
class Leak:
    """A secret that would be in the external report."""

    field: str
    kind: str
    masked: str
    path: tuple[str | int, ...] = ()


@dataclass
class External:
    """An incident as the external report shows it, and the secrets it would hold."""

    incident: Incident | None
    leaks: list[Leak]
    redacted: int  # personal data replaced by placeholders


def is_internal_url(url: str, config: Config) -> bool:
    """A link the public cannot or should not follow: a path in the repository, a host of
    ``[external] internal_hosts``, a tracker's ticket, a commit or a change request."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return True  # relative: a file of the repository, or mailto:, or an anchor
    host = (parts.hostname or "").lower()
    if any(fnmatch.fnmatchcase(host, pattern) for pattern in config.external.internal_hosts):
        return True
    if any(url.startswith(t.url.split("{", 1)[0]) for t in config.trackers
           if t.url.split("{", 1)[0]):
        return True
    return bool(_CHANGE_PATH.search(parts.path))


def external_incident(model: Incident, config: Config, scanner: Scanner,
                      publishable: set[str]) -> External:
    """``model`` without its internal parts (`internal: true` entries, `internal_fields`),
    tickets and links to commits, change requests and internal hosts, references to
    incidents that are not published, with personal data replaced by placeholders; and
    every secret still in it."""
    from postmortem.format.model import Incident
    from postmortem.format.yamlread import dotted
    from postmortem.privacy.redact import placeholder
    from postmortem.privacy.values import mask

    leaks: list[Leak] = []
    redacted = 0

    def text(value: str, path: tuple[str | int, ...]) -> str:
        nonlocal redacted
        value = _unlink(value, config)
        data = value.encode("utf-8")
        findings = scanner.scan(data)
        if not findings:
            return value
        out, last = [], 0
        for f in findings:
            if f.category == "secret":
                leaks.append(Leak(dotted(path), f.kind, mask(f.value), path))
                continue
            out += [data[last:f.start], placeholder(f).encode()]
            last = f.end
            redacted += 1
        out.append(data[last:])
        return b"".join(out).decode("utf-8")

    data = model.model_dump(mode="python", exclude_unset=True)
    for key in model.internal_fields:
        data.pop(key, None)
    data["related"] = [r for r in data.get("related", [])
                       if (r.get("incident") in publishable if r.get("incident")
                           else not is_internal_url(r.get("url") or "", config))]
    cleaned = _walk(data, (), text)
    try:
        return External(Incident.model_validate(cleaned), leaks, redacted)
    except ValueError:  # pragma: no cover - placeholders keep every value valid
        return External(None, leaks, redacted)


def _walk(value: Any, path: tuple[str | int, ...],
          text: Callable[[str, tuple[str | int, ...]], str]) -> Any:
    if isinstance(value, str):
        return text(value, path)
    if isinstance(value, dict):
        # The keys too: a `Label: value` line (header, figures, changes, sign-off) is a
        # mapping whose key is text of the report.
        return {text(k, (*path, k)) if isinstance(k, str) else k: _walk(v, (*path, k), text)
                for k, v in value.items() if k not in _INTERNAL_KEYS and k != "internal"}
    if isinstance(value, list):
        return [_walk(v, (*path, i), text) for i, v in enumerate(value)
                if not (isinstance(v, dict) and v.get("internal"))]
    return value


def _unlink(text: str, config: Config) -> str:
    """Markdown and HTML links to internal places become their text; such bare URLs a
    marker."""
    lowered = text.lower()
    if not any(mark in lowered for mark in ("://", "](", "]:", "<", "www.")):
        return text

    def internal(*groups: str | None) -> bool:
        return is_internal_url(next((g for g in groups if g is not None), ""), config)

    text = _HTML_LINK.sub(lambda m: m.group(4) if internal(*m.group(1, 2, 3)) else m.group(0),
                          text)
    text = _HTML_SRC.sub(lambda m: "" if internal(*m.group(1, 2, 3)) else m.group(0), text)
    # Definitions of internal links go; links that use them become their text.
    dropped: set[str] = set()

    def definition(m: re.Match[str]) -> str:
        if not is_internal_url(m.group(2), config):
            return m.group(0)
        dropped.add(_label(m.group(1)))
        return ""

    text = _REF_DEF.sub(definition, text)
    if dropped:
        text = _REF_FULL.sub(lambda m: m.group(2) if _label(m.group(3) or m.group(2)) in dropped
                             else m.group(0), text)
        text = _REF_SHORT.sub(lambda m: m.group(2) if _label(m.group(2)) in dropped
                              else m.group(0), text)

    def link(m: re.Match[str]) -> str:
        return m.group(2) if is_internal_url(m.group(3), config) else m.group(0)

    text = _MD_LINK.sub(link, text)
    text = _AUTOLINK.sub(lambda m: REMOVED_LINK if is_internal_url(m.group(1), config)
                         else m.group(0), text)

    def bare(m: re.Match[str]) -> str:
        # trailing punctuation ends the sentence, not the URL (as GitHub reads it)
        url = m.group(0).rstrip(".,:;!?*_~")
        rest = m.group(0)[len(url):]
        internal = is_internal_url(url if "://" in url else f"http://{url}", config)
        return (REMOVED_LINK if internal else url) + rest

    return _BARE_URL.sub(bare, text)


def _label(label: str) -> str:
    """A link label as CommonMark matches them: case and runs of spaces do not count."""
    return " ".join(label.split()).casefold()


# ---- the external render ---------------------------------------------------------------------

def external_config(config: Config) -> Config:
    """``config`` as the external version writes: reports and index in [external]."""
    import dataclasses

    from postmortem.errors import UsageError

    ext = config.external
    if ext.output_dir is None or ext.index_path is None:
        raise UsageError("the external version needs its own folder", hint=(
            "set output_dir in [tool.postmortem.external] (or [external] in postmortem.toml), "
            'e.g. output_dir = "public/postmortems"'))
    if ext.output_dir in (config.reports_dir, config.incidents_dir) \
            or ext.index_path == config.index_path:
        raise UsageError(f"[external] output_dir '{config.rel(ext.output_dir)}' is where the "
                         "internal reports are; give the external version a folder of its own")
    return dataclasses.replace(config, output_dir=ext.output_dir, index_file=ext.index_path)


def render_external(config: Config, *, check: bool = False, force: bool = False,
                    jobs: int | None = None,
                    waiting: Callable[[], None] | None = None) -> RenderResult:
    """Write (or with ``check``, compare) the external reports of the publishable incidents
    and their index in [external] output_dir; a report that would hold a secret is not
    written (R003), and reports of incidents no longer published are removed."""
    from postmortem.reports.render import render_lock

    public = external_config(config)
    with render_lock(config, check=check, waiting=waiting):
        return _render_external(config, public, check=check, force=force, jobs=jobs)


def _render_external(config: Config, public: Config, *, check: bool, force: bool,
                     jobs: int | None) -> RenderResult:
    import hashlib
    import json

    from postmortem.format.load import load_source, read_source
    from postmortem.privacy.values import mask
    from postmortem.reports.fingerprint import fingerprint
    from postmortem.reports.generated import inspect, up_to_date
    from postmortem.reports.index import write_index
    from postmortem.reports.links import LinkGraph
    from postmortem.reports.paths import report_path
    from postmortem.reports.render import (
        RenderResult,
        gather,
        remove_orphans,
        render_report,
        write_report,
    )
    from postmortem.reports.summary import SummaryCache, summarize
    from postmortem.rules.privacy import scanner_of

    settings = json.dumps([public.external.internal_hosts, repr(config.privacy),
                           [(t.pattern.pattern, t.url) for t in config.trackers]])
    digest = hashlib.sha256(f"external\0{fingerprint(public)}\0{settings}".encode()
                            ).hexdigest()[:16]
    entries, problems = gather(config, SummaryCache(config, fingerprint(config)), jobs)
    result = RenderResult(problems=problems, files=len(entries))
    # The few publishable incidents are parsed again here, in full.
    chosen: dict[str, tuple[Source, Loaded]] = {}
    for entry in entries:
        if entry.summary is None or not entry.may_publish:
            continue
        source = read_source(entry.path, config)
        if source.data is None:
            continue
        loaded = load_source(source, config)
        if loaded.incident is not None and loaded.incident.publishable:
            chosen[entry.summary.id] = (source, loaded)
    scanner = scanner_of(config)
    shown: dict[str, tuple[Incident, Summary]] = {}
    for key in sorted(chosen):
        loaded = chosen[key][1]
        assert loaded.incident is not None
        external = external_incident(loaded.incident, config, scanner, set(chosen))
        if external.incident is None or external.leaks:
            result.problems.extend(_refused(loaded, loaded.rel, external.leaks))
            continue
        out = report_path(public, loaded.path)
        shown[key] = (external.incident, summarize(external.incident, public, loaded.rel,
                                                   public.rel(out)))
    graph = LinkGraph({k: s for k, (_, s) in shown.items()}, public.rel(public.index_path))
    expected: set[Path] = set()
    for key, (incident, _) in shown.items():
        source = chosen[key][0]
        out = report_path(public, source.path)
        expected.add(out)
        inputs = hashlib.sha256(f"{digest}\0{source.sha}\0{graph.digest(key)}"
                                .encode()).hexdigest()[:16]
        existing = inspect(out)
        if up_to_date(existing, inputs):
            result.outcomes.append(Outcome(public.rel(out), "unchanged"))
            continue
        body = render_report(public, incident, source.rel, public.rel(out), graph.links(key))
        leaks = [f for f in scanner.scan(body.encode("utf-8")) if f.category == "secret"]
        if leaks:  # not from the incident's text, which was scanned: keep it out all the same
            result.problems.extend(_refused(None, source.rel, [
                Leak("", f.kind, mask(f.value)) for f in leaks]))
            expected.discard(out)
            continue
        outcome, problem = write_report(public, out, source.rel, inputs, body, existing,
                                        check=check, force=force, command=COMMAND)
        result.outcomes.append(outcome)
        if problem is not None:
            result.problems.append(problem)
    outcome, problem = write_index(
        public, [(chosen[k][0].rel, chosen[k][0].sha) for k in sorted(shown)],
        {k: s for k, (_, s) in shown.items()}, digest, check=check, force=force,
        command=COMMAND)
    result.outcomes.append(outcome)
    if problem is not None:
        result.problems.append(problem)
    published = {chosen[k][0].rel for k in shown}
    remove_orphans(public, expected, result, check=check, force=force, command=COMMAND,
                   gone=lambda source: source not in published)
    result.outcomes.sort(key=lambda o: o.path)
    result.problems.sort(key=sort_key)
    return result


def _refused(loaded: Loaded | None, rel: str, leaks: list[Leak]) -> list[Problem]:
    """R003: the external report of ``rel`` is not written, for each secret it would show."""
    from postmortem.format.yamlread import position
    from postmortem.privacy.scan import LABELS
    from postmortem.rules.registry import rule

    refused = rule("R003")
    out = []
    for leak in leaks:
        line, col = position(loaded.root if loaded else None, leak.path) if leak.path \
            else (1, 1)
        out.append(refused(rel, line, col, leak.field, (
            f"the external report was not written: it would show a "
            f"{LABELS.get(leak.kind, leak.kind)} ({leak.masked}); remove it from the file "
            "(`postmortem redact`) or mark its entry `internal: true`")))
    return out or [refused(rel, 1, 1, "", "the external report was not written: without its "
                                         "internal parts it is no valid incident")]
