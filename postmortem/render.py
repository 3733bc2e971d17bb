"""`render`: gather every incident, link them, then write the reports and the index."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postmortem import __version__
from postmortem.collection import Loaded, cross_check, gc_paused, incident_files, load_one
from postmortem.config import Config
from postmortem.links import LinkGraph, category_anchors
from postmortem.model import Incident
from postmortem.output import (
    Action,
    inspect,
    put,
    remove_generated,
    up_to_date,
    with_marker,
)
from postmortem.problems import Problem, error, sort_key
from postmortem.report import Links, duration_minutes, language_of, report_context

REPORT_TEMPLATE = "report.md.j2"
CACHE_VERSION = 2  # 2: summaries carry category_anchors


@dataclass
class Outcome:
    path: str
    action: Action


@dataclass
class RenderResult:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    def changed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.action != "unchanged"]


@dataclass
class Entry:
    """One incident file in a render run: a summary always, the model only when needed."""

    path: Path
    rel: str
    data: bytes
    sha: str
    summary: dict[str, Any] | None = None
    loaded: Loaded | None = None

    def model(self, config: Config) -> Incident:
        if self.loaded is None:
            self.loaded = load_one(self.path, config, self.data)
        assert self.loaded.incident is not None, self.rel
        return self.loaded.incident


def report_path(config: Config, source: Path) -> Path:
    """``incidents/x.yaml`` -> ``<reports_dir>/x.md`` (keeping sub-folders)."""
    relative = source.relative_to(config.incidents_dir)
    return config.reports_dir / relative.with_suffix(".md")


def summarize(incident: Incident, config: Config, rel: str, report_rel: str) -> dict[str, Any]:
    """What other reports and the index need of an incident (kept in the cache)."""
    minutes = duration_minutes(incident, config)
    return {
        "id": incident.id, "title": incident.title, "date": incident.date.isoformat(),
        "severity": incident.severity, "status": incident.status,
        "language": language_of(incident, config),
        "duration_minutes": minutes, "source": rel, "report": report_rel,
        "categories": sorted({rc.category for rc in incident.root_causes if rc.category}),
        "category_anchors": category_anchors(incident),
        "tags": list(incident.tags),
        "related": [[r.incident, r.relation] for r in incident.related if r.incident],
        "items_open": sum(1 for i in incident.action_items if i.is_open),
        "items_total": len(incident.action_items),
    }


# The modules whose code decides what a report or the index says (not history or review).
REPORT_MODULES = ("anchors.py", "index.py", "labels.py", "links.py", "model.py", "render.py",
                  "report.py", "rules.py", "templating.py", "timeutil.py")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of this package's own modules: labels or report code changed within one version
    (a development checkout, a patched install) still make every report stale."""
    h = hashlib.sha256()
    for name in REPORT_MODULES:
        path = Path(__file__).parent / name
        h.update(name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _fingerprint(config: Config) -> str:
    """What changes what a report says besides its incident: settings, templates and code.
    A change invalidates every cached summary and every report's inputs digest."""
    from postmortem.templating import templates_digest

    parts = [__version__, code_digest(), str(CACHE_VERSION), config.language, config.timezone,
             str(config.emoji), str(config.max_file_size), json.dumps(config.due_days,
                                                                     sort_keys=True),
             config.rel(config.incidents_dir), config.rel(config.reports_dir),
             templates_digest(config, (REPORT_TEMPLATE,))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _cache_path(config: Config) -> Path | None:
    git = config.root / ".git"
    return git / "postmortem" / "render-cache.json" if git.is_dir() else None


def _load_cache(config: Config, fingerprint: str) -> dict[str, Any]:
    path = _cache_path(config)
    if path is None:
        return {}
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(cache, dict) or cache.get("fingerprint") != fingerprint:
        return {}
    files = cache.get("files")
    return files if isinstance(files, dict) else {}


def _save_cache(config: Config, fingerprint: str, entries: list[Entry]) -> None:
    from postmortem.atomic import write_text_atomic

    path = _cache_path(config)
    if path is None:
        return
    files = {e.rel: {"sha": e.sha, "summary": e.summary} for e in entries if e.summary}
    try:
        path.parent.mkdir(exist_ok=True)
        write_text_atomic(path, json.dumps({"fingerprint": fingerprint, "files": files},
                                           sort_keys=True, separators=(",", ":")))
    except OSError:
        pass  # the cache only saves time; a read-only .git must not fail the render


def gather(config: Config) -> tuple[list[Entry], list[Problem], str]:
    """Read every incident file; parse only those the cache does not know in this version."""
    fingerprint = _fingerprint(config)
    cache = _load_cache(config, fingerprint)
    paths = incident_files(config)
    entries: list[Entry] = []
    with gc_paused():
        for path in paths:
            rel = config.rel(path)
            data = _read_capped(path, config.max_file_size)
            sha = hashlib.sha1(data).hexdigest()
            entry = Entry(path, rel, data, sha)
            cached = cache.get(rel)
            if isinstance(cached, dict) and cached.get("sha") == sha:
                entry.summary = cached.get("summary")
            else:
                entry.loaded = load_one(path, config, data)
            entries.append(entry)
    known = {e.path.name[: -len(".yaml")] for e in entries}
    # A cached file was valid when cached; references to files since removed need a re-check.
    for entry in entries:
        if entry.summary and any(ref not in known for ref, _ in entry.summary["related"]):
            entry.summary, entry.loaded = None, load_one(entry.path, config, entry.data)
    loaded = [e.loaded for e in entries if e.loaded is not None]
    cross_check(loaded, paths, config)
    for entry in entries:
        if entry.loaded is not None and entry.loaded.incident is not None:
            entry.summary = summarize(entry.loaded.incident, config, entry.rel,
                                      config.rel(report_path(config, entry.path)))
    problems = sorted((p for f in loaded for p in f.problems), key=sort_key)
    return entries, problems, fingerprint


def _read_capped(path: Path, limit: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(limit + 1)


def render_report(config: Config, incident: Incident, source_rel: str, report_rel: str,
                  links: Links) -> str:
    from postmortem.templating import render

    context = report_context(incident, config, source_rel, report_rel, links)
    return tidy(render(config, REPORT_TEMPLATE, context))


_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$", re.M)
_BLANKS = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """At most one blank line between blocks outside code, no trailing spaces, one final
    newline: templates may stay readable without whitespace-control clutter. Code blocks
    are kept byte for byte."""
    parts: list[str] = []
    fence: str | None = None
    pos = 0
    for m in _FENCE_LINE.finditer(text):
        if fence is None:
            parts.append(_tidy_prose(text[pos:m.start()]))
            parts.append(m.group(0).rstrip())  # the opening fence line
            fence, pos = m.group(1), m.end()
        elif m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                and not m.group(2).strip():
            parts.append(text[pos:m.end()])
            fence, pos = None, m.end()
    parts.append(_tidy_prose(text[pos:]) if fence is None else text[pos:])
    return "".join(parts).strip("\n") + "\n"


def _tidy_prose(text: str) -> str:
    return _BLANKS.sub("\n\n", "\n".join(map(str.rstrip, text.split("\n"))))


def render_all(config: Config, *, check: bool = False) -> RenderResult:
    """Write (or with ``check``, only compare) every report; never touch files not ours."""
    with gc_paused():
        return _render_all(config, check=check)


def _render_all(config: Config, *, check: bool) -> RenderResult:
    entries, problems, fingerprint = gather(config)
    result = RenderResult(problems=problems, files=len(entries))
    valid = {e.summary["id"]: e for e in entries if e.summary is not None}
    summaries = {key: e.summary for key, e in valid.items() if e.summary is not None}
    graph = LinkGraph(summaries, config.rel(config.index_path))
    expected: set[Path] = set()
    for key in sorted(valid):
        entry = valid[key]
        out = report_path(config, entry.path)
        expected.add(out)
        report_rel = config.rel(out)
        inputs = hashlib.sha256(f"{fingerprint}\0{entry.sha}\0{graph.digest(key)}"
                                .encode()).hexdigest()[:16]
        existing = inspect(out)
        if up_to_date(existing, inputs):
            result.outcomes.append(Outcome(report_rel, "unchanged"))
            continue
        body = render_report(config, entry.model(config), entry.rel, report_rel, graph.links(key))
        action = put(out, with_marker(entry.rel, inputs, body), check=check, existing=existing)
        result.outcomes.append(Outcome(report_rel, action))
        if action == "not-ours":
            result.problems.append(error(report_rel, 1, 1, "", (
                f"not overwritten: the file exists and was not generated by postmortem; move "
                f"it away (or set output_dir) so that the report of {entry.rel} can be "
                "written")))
    from postmortem.index import render_index

    render_index(config, [(e.rel, e.sha) for e in valid.values()], summaries, fingerprint,
                 result, check=check)
    _remove_orphans(config, expected, result, check=check)
    if not check:
        _save_cache(config, fingerprint, entries)
    result.outcomes.sort(key=lambda o: o.path)
    result.problems.sort(key=sort_key)
    return result


def _remove_orphans(config: Config, expected: set[Path], result: RenderResult, *,
                    check: bool) -> None:
    """Generated files whose source is gone: reports of deleted incident files, and an index
    left behind when index_file moved. The marker says we made them, so ours to delete."""
    folder = config.reports_dir
    if not folder.is_dir():
        return
    incidents = config.rel(config.incidents_dir)

    def orphaned(source: str) -> bool:
        if source == incidents + "/":
            return True  # an index; the current one is in `expected`
        return (source.startswith(incidents + "/") and source.endswith(".yaml")
                and not (config.root / source).exists())

    candidates = set(folder.rglob("*.md"))
    if config.index_path.parent != folder and (folder / "README.md").exists():
        candidates.add(folder / "README.md")
    for path in sorted(candidates):
        if path in expected or path == config.index_path:
            continue
        action = remove_generated(path, check=check, orphaned=orphaned)
        if action is not None:
            result.outcomes.append(Outcome(config.rel(path), action))
