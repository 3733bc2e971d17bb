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


def write_schema(path: Path) -> bool:
    """Write the schema to ``path`` unless it is there already; False when unchanged. A file
    there that postmortem did not write is left alone (PostmortemError)."""
    from postmortem.reports.generated import inspect, put

    try:
        action, _ = put(path, schema_text(), check=False, existing=inspect(path),
                        shown=str(path))
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
        write_schema(folder / SCHEMA_FILE)
    return path


def _exists(config: Config, incident_id: str, path: Path,
            taken: Mapping[str, Path]) -> PostmortemError:
    return PostmortemError(
        f"incident '{incident_id}' already exists: {config.rel(path)}; "
        "`postmortem new` never overwrites a file",
        hint=f"choose another id, e.g. --id {free_id(incident_id, taken)}")
