"""New incident files: the commented scaffold, and the write that never overwrites."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import typing
from collections.abc import Mapping
from pathlib import Path

from postmortem.config import DEFAULT_DUE_DAYS, Config
from postmortem.errors import PostmortemError, UsageError
from postmortem.format import vocabulary as v
from postmortem.format.ids import check_id, existing_ids, free_id, slugify

DEFAULT_SEVERITY = "medium"


def clean_title(title: str) -> str:
    """The title as one line: runs of white space (line breaks too) become one space."""
    text = " ".join(title.split())
    if not text:
        raise UsageError("the title is empty", hint='postmortem new "Checkout fails for EU users"')
    return text


def due_date(date: dt.date, severity: str, due_days: Mapping[str, int]) -> dt.date:
    """The latest due date the policy allows for an action item of an incident on ``date``."""
    return date + dt.timedelta(days=due_days.get(severity, DEFAULT_DUE_DAYS[severity]))


def yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar that every parser reads back unchanged."""
    if not _ESCAPED.search(text):  # most text needs no escape: one scan, not one per char
        return f'"{text}"'
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif _printable(code):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


# What yaml_quoted escapes: quotes, backslashes, and what _printable rejects.
_ESCAPED = re.compile(r'["\\]|[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]'
                      r'|[\u2028\u2029\ufeff]')


def _printable(code: int) -> bool:
    # YAML's printable set, less the characters YAML 1.1 treats as line breaks or a BOM.
    return (0x20 <= code <= 0x7E
            or (0xA0 <= code <= 0xD7FF and code not in (0x2028, 0x2029))
            or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
            or 0x10000 <= code <= 0x10FFFF)


def _yaml_name(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z][A-Za-z0-9_+/-]*", text) else yaml_quoted(text)


SCAFFOLD_TEMPLATE = "new.{language}.yaml.j2"
# The JSON Schema beside new incident files: their first line names it, relative to them (as
# the YAML language server resolves it), so an editor checks them without a network.
SCHEMA_FILE = "incident.schema.json"
SCHEMA_MARKER = "postmortem schema"


def schema_text() -> str:
    """The JSON Schema as a file: marked as generated, so that it is ours to refresh."""
    import json

    from postmortem.format.model import json_schema
    from postmortem.reports.generated import JSON_MARKER_KEY

    schema = json_schema()
    schema[JSON_MARKER_KEY] = SCHEMA_MARKER
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


# What the schema is made of besides the zone names and pydantic: the source of every
# module of the package that defines it (the models, the vocabulary, times and the text
# patterns they use) and of the code that writes it as a file. A test checks that this
# covers every module the models import.
SCHEMA_SOURCES = ("__init__.py", "format/__init__.py", "format/model.py",
                  "format/vocabulary.py", "format/times.py", "text.py", "format/scaffold.py",
                  "reports/generated.py")
SCHEMA_CACHE = "incident.schema.cache"
_PACKAGE = Path(__file__).resolve().parent.parent


def schema_inputs() -> str | None:
    """A digest of everything :func:`schema_text` depends on, computed without building it
    (nor importing pydantic): the sources above, pydantic's and Python's versions and the
    sorted names of the installed tz database. None when a source cannot be read."""
    import hashlib
    import importlib.util
    import sys

    from postmortem.format.times import zone_names

    h = hashlib.sha256(f"{sys.version}\0".encode())
    try:
        spec = importlib.util.find_spec("pydantic")
        if spec is None or not spec.submodule_search_locations:
            return None
        pydantic = Path(next(iter(spec.submodule_search_locations)))
        for path in (*(_PACKAGE / name for name in SCHEMA_SOURCES), pydantic / "version.py"):
            data = path.read_bytes()
            h.update(f"{len(data)}\0".encode() + data)
    except (OSError, ImportError, ValueError):
        return None
    h.update("\0".join(sorted(zone_names())).encode())
    return h.hexdigest()[:32]


def cached_schema_text(folder: Path | None) -> str:
    """:func:`schema_text`, kept in ``folder`` (the repository's ``.git/postmortem``) under
    the digest of its inputs: building it takes half a second, checking the digest a few
    milliseconds. A cache of other inputs, or whose text no longer matches its digest, is
    built again; the cache only saves time, so a cache that cannot be written is no error."""
    from postmortem.atomic import WriteError, write_text_atomic
    from postmortem.files import Refused, read_regular
    from postmortem.reports.generated import body_digest

    inputs = schema_inputs() if folder is not None else None
    if folder is None or inputs is None:
        return schema_text()
    path = folder / SCHEMA_CACHE
    with contextlib.suppress(Refused, OSError):
        first, _, body = read_regular(path).partition(b"\n")
        if first == f"{inputs} {body_digest(body)}".encode():
            with contextlib.suppress(UnicodeDecodeError):
                return body.decode("utf-8")
    text = schema_text()
    with contextlib.suppress(OSError, WriteError):
        folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, f"{inputs} {body_digest(text)}\n{text}")
    return text


def write_schema(path: Path, cache: Path | None = None) -> bool:
    """Write the schema to ``path`` unless it is there already; False when unchanged. A file
    there that postmortem did not write is left alone (PostmortemError). ``cache``: the
    folder where the built schema is kept between runs (see :func:`cached_schema_text`)."""
    from postmortem.reports.generated import inspect, put

    existing = inspect(path)
    try:
        # A file that is not ours stays whatever the schema is: no need to build it.
        text = "" if existing is not None and not existing.generated \
            else cached_schema_text(cache)
        action, _ = put(path, text, check=False, existing=existing, shown=str(path))
    except OSError as exc:
        raise PostmortemError(f"cannot write '{path}': {exc.strerror}") from None
    if action in ("not-ours", "edited"):
        raise PostmortemError(f"'{path}' exists and was not written by postmortem; not "
                              "replacing it", hint="move it away or choose another path")
    return action != "unchanged"


# The lists of allowed values the scaffold's comments name, read off the format's types.
CHOICES = {
    "status": v.STATUSES, "severity": v.SEVERITIES, "language": v.LANGUAGES,
    "outcome": typing.get_args(v.Outcome), "level": typing.get_args(v.Level),
    "phase": typing.get_args(v.Phase), "measure_status": typing.get_args(v.MeasureStatus),
    "item_status": v.ITEM_STATUSES, "item_type": typing.get_args(v.ItemType),
    "horizon": typing.get_args(v.Horizon), "check_state": v.CHECK_STATES,
    "issue_status": typing.get_args(v.IssueStatus),
    "detection": typing.get_args(v.DetectionSource), "role": v.ROLES,
}


def scaffold_text(*, incident_id: str, title: str, date: dt.date, severity: str,
                  language: str, timezone: str,
                  due_days: Mapping[str, int] = DEFAULT_DUE_DAYS,
                  config: Config | None = None) -> str:
    """The YAML of a new incident: every field of the schema, in its order, with guidance.

    Rendered from the template ``new.<language>.yaml.j2`` (a user's own ``templates/``
    overrides it). Required fields and the core sections hold valid placeholders (TODO), so
    that the file passes ``postmortem check`` as written; the other sections are empty,
    with a commented example to uncomment. Action items are due on the last day the policy
    allows.
    """
    from postmortem.templating import render

    if severity not in v.SEVERITIES:
        raise UsageError(f"unknown severity '{severity}'; use one of: {', '.join(v.SEVERITIES)}")
    if language not in v.LANGUAGES:
        raise UsageError(f"unknown language '{language}'; use one of: {', '.join(v.LANGUAGES)}")
    days = due_days.get(severity, DEFAULT_DUE_DAYS[severity])
    return render(config, SCAFFOLD_TEMPLATE.format(language=language), {
        "schema_path": SCHEMA_FILE, "id": incident_id, "title": yaml_quoted(title),
        "date": date.isoformat(), "timezone": _yaml_name(timezone), "language": language,
        "severity": severity, "due": due_date(date, severity, due_days).isoformat(),
        "due_days": days, "choices": CHOICES})


def create_incident(config: Config, title: str, *, date: dt.date,
                    severity: str = DEFAULT_SEVERITY, language: str | None = None,
                    incident_id: str | None = None) -> Path:
    """Write ``<incidents_dir>/<id>.yaml`` from the scaffold and return its path.

    The id defaults to ``<date>-<slug of title>``. Never overwrites: an id that any incident
    file already has (in any sub-folder) is an error suggesting ``--id``.
    """
    from postmortem.atomic import create_exclusive

    title = clean_title(title)
    incident_id = check_id(incident_id) if incident_id is not None else \
        f"{date.isoformat()}-{slugify(title)}"
    folder = config.incidents_dir
    text = scaffold_text(incident_id=incident_id, title=title, date=date, severity=severity,
                         language=language or config.language, timezone=config.timezone,
                         due_days=config.due_days, config=config)
    taken = existing_ids(folder)
    path = folder / f"{incident_id}.yaml"
    if incident_id in taken:
        raise _exists(config, incident_id, taken[incident_id], taken)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        create_exclusive(path, text)
    except FileExistsError:
        if folder.is_dir():  # created by someone else since we looked
            raise _exists(config, incident_id, path, taken) from None
        raise PostmortemError(f"cannot create the incidents folder '{config.rel(folder)}': "
                              "a file of that name is in the way") from None
    except OSError as exc:
        raise PostmortemError(f"cannot write '{config.rel(path)}': {exc.strerror}") from None
    # A schema of the user's own already there stays: the scaffold's first line names it.
    with contextlib.suppress(PostmortemError):
        from postmortem.history.git import state_dir

        write_schema(folder / SCHEMA_FILE, cache=state_dir(config.root))
    return path


def _exists(config: Config, incident_id: str, path: Path,
            taken: Mapping[str, Path]) -> PostmortemError:
    return PostmortemError(
        f"incident '{incident_id}' already exists: {config.rel(path)}; "
        "`postmortem new` never overwrites a file",
        hint=f"choose another id, e.g. --id {free_id(incident_id, taken)}")
