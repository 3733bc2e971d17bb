"""New incident files: ids from titles, the commented scaffold, and the never-overwriting write."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from postmortem.config import DEFAULT_DUE_DAYS, LANGUAGES, SEVERITIES, Config
from postmortem.errors import PostmortemError, UsageError
from postmortem.model import ID_PATTERN, SCHEMA_ID

SLUG_MAX = 60
ID_MAX = 80
DEFAULT_SEVERITY = "medium"
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


def slugify(title: str, max_length: int = SLUG_MAX) -> str:
    """An ASCII slug of ``title``: ``Störung im Zahlungs-API!`` -> ``stoerung-im-zahlungs-api``.

    Long slugs are cut at a hyphen when that keeps at least half of the allowed length, else
    hard at ``max_length``. A title with no letters or digits gives ``incident``.
    """
    # NFC first so that an umlaut typed as a + combining diaeresis is transliterated too.
    text = unicodedata.normalize("NFC", title).translate(_TRANSLITERATE)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _APOSTROPHES.sub("", text.lower())  # "don't" -> "dont", not "don-t"
    slug = _NON_ALNUM.sub("-", text).strip("-")
    if len(slug) > max_length:
        cut = slug.rfind("-", 0, max_length + 1)
        slug = slug[:cut] if cut >= max_length // 2 else slug[:max_length].rstrip("-")
    return slug or FALLBACK_SLUG


def check_id(value: str) -> str:
    """``value`` if it is a valid incident id (it becomes a file name), else a UsageError."""
    if len(value) > ID_MAX or not re.fullmatch(ID_PATTERN, value):
        hint = "leave out the .yaml" if value.endswith(".yaml") else None
        raise UsageError(f"--id '{value}' is not a valid incident id: use lowercase letters, "
                         f"digits and hyphens, starting with a letter or digit, at most "
                         f"{ID_MAX} characters", hint=hint)
    return value


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


def scaffold_text(*, incident_id: str, title: str, date: dt.date, severity: str,
                  language: str, timezone: str,
                  due_days: Mapping[str, int] = DEFAULT_DUE_DAYS) -> str:
    """The YAML of a new incident: every field of the schema, in its order, with guidance.

    Required fields and the core sections hold valid placeholders (TODO), so that the file
    passes ``postmortem check`` as written; the other sections are empty, with a commented
    example to uncomment. Action items are due on the last day the policy allows.
    """
    if severity not in SEVERITIES:
        raise UsageError(f"unknown severity '{severity}'; use one of: {', '.join(SEVERITIES)}")
    if language not in LANGUAGES:
        raise UsageError(f"unknown language '{language}'; use one of: {', '.join(LANGUAGES)}")
    days = due_days.get(severity, DEFAULT_DUE_DAYS[severity])
    return _SCAFFOLDS[language].format(
        schema_id=SCHEMA_ID, id=incident_id, title=yaml_quoted(title), date=date.isoformat(),
        timezone=_yaml_name(timezone), language=language, severity=severity,
        due=due_date(date, severity, due_days).isoformat(), due_days=days,
    )


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
                         due_days=config.due_days)
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
    return path


def _exists(config: Config, incident_id: str, path: Path,
            taken: Mapping[str, Path]) -> PostmortemError:
    return PostmortemError(
        f"incident '{incident_id}' already exists: {config.rel(path)}; "
        "`postmortem new` never overwrites a file",
        hint=f"choose another id, e.g. --id {free_id(incident_id, taken)}")


# The scaffolds. Commented examples start with "# " at the column of their parent key, so
# that deleting those two characters leaves valid YAML at the right indentation.
_EN = """\
# yaml-language-server: $schema={schema_id}
# Incident report. The line above lets editors complete and check this file; offline, save
# the schema with `postmortem schema > incident.schema.json` and put that path there instead.
#
# Replace every TODO and delete what does not apply. Times are quoted: "HH:MM" on `date`,
# or an ISO datetime such as "2025-10-02T01:30+02:00"; "~10:00" marks a guess.
# An empty list `[]` or nothing after the colon means "not given": the report leaves it out.
# Then run `postmortem check` and `postmortem render`.

# The id is the file name without .yaml; keep it stable (history and links use it).
id: {id}
title: {title}
date: {date}  # the day it started, in `timezone` (YYYY-MM-DD)
timezone: {timezone}  # IANA zone of every time below without an offset, e.g. Europe/Berlin
language: {language}  # language of the report's labels: en or de
status: investigating  # investigating, mitigated, resolved or closed (postmortem reviewed)
severity: {severity}  # critical, high, medium or low
severity_note:  # shown beside the severity, e.g. Production Down

# Milestones: the report computes the duration from them.
started: "00:00"  # TODO: when it started
detected:  # when it was noticed, e.g. "10:05"
mitigated:  # when the impact stopped
resolved:  # when it was resolved; required once status is resolved or closed
root_cause_summary:  # one line for the header; default: the primary root cause
authors: []  # e.g. [Jane Doe, Platform team]
tags: []  # slugs for the index, e.g. [database, deploy]
header: []  # more "Label: value" lines in the header; replace [] with lines such as:
# - Ticket: OPS-123

summary: |  # executive summary (Markdown)
  TODO: What happened, who was affected, and how it was resolved, in two or three sentences.

timeline:  # in chronological order
  - at: "00:00"
    event: "TODO: first sign of the problem"  # inline Markdown
    outcome: failed  # ok, warning, failed or info: the status marker
    note:  # short status text beside the marker, e.g. 500 errors

root_causes:
  - title: "TODO: the cause in one line"
    level: primary  # primary, secondary, tertiary or contributing
    category:  # failure class shared by similar incidents, e.g. stale-cache-after-deploy
    description: |  # analysis (Markdown); code blocks allowed
      TODO: Why it happened, and why it was not caught earlier.

technical_details: []  # stack traces, files, analyses; replace [] with entries such as:
# - title: Error log
#   body: |
#     ```
#     TypeError: cannot read property 'id' of undefined
#     ```

impact:
  summary: |  # text before the groups (Markdown)
    TODO: Who or what was affected, how badly, and for how long.
  user:  # impact on users and customers, for example:
  #   figures:  # "Label: value" lines or plain bullets
  #     - Failed requests: about 1,200
  #   notes: Customers could not book appointments.
  business:  # impact on the business
  technical:  # impact on systems and data

fixes: []  # what was done, with its commands; replace [] with entries such as:
# - title: Rolled back the deployment
#   status: Applied  # short status beside the title
#   at: "10:40"
#   description: Went back to the last good release.
#   commands: |
#     kubectl rollout undo deployment/api
#   result: Error rate back to normal within two minutes.

verification: []  # checks before and after the fix; replace [] with entries such as:
# - title: Health check after the fix
#   phase: after  # before or after
#   commands: |
#     curl -fsS https://example.com/health
#   output: |
#     HTTP/1.1 200 OK
#   result: Healthy.

prevention: []  # measures against a recurrence; replace [] with entries such as:
# - title: Smoke test after every deployment
#   status: planned  # done, in_progress, planned or recommended
#   body: Details (Markdown).

monitoring: []  # monitoring and alerts from now on; replace [] with entries such as:
# - title: Alert on the 5xx rate
#   body: Page on-call when more than 1% of requests fail for 5 minutes.

lessons:
  went_well:
    - "TODO: what went well"
  went_wrong:
    - "TODO: what went wrong"
  lucky:
    - "TODO: where we got lucky"
  notes:  # further lessons as free text (Markdown)

# Action items are followed up from git history by id: never reuse an id. Open items need
# an owner and a due date: by policy at most {due_days} days after `date` for severity {severity}.
action_items:
  - id: AI-1
    title: "TODO: remove the root cause"
    owner: TODO  # person or team
    priority: {severity}  # critical, high, medium or low
    status: todo  # todo, in_progress, blocked, done or wontfix (give the reason in note)
    due: {due}  # YYYY-MM-DD
    type: repair  # prevent, mitigate, detect, process or repair
    link:  # ticket, pull request or commit
    note:
  - id: AI-2
    title: "TODO: detect it earlier (alert, dashboard)"
    owner: TODO
    priority: {severity}
    status: todo
    due: {due}
    type: detect

next_steps: []  # checklists by horizon; replace [] with entries such as:
# - horizon: immediate  # immediate, short_term or long_term
#   items:
#     - Tell support the fix is live
#     - text: Rotate the exposed key
#       done: true

sign_off:  # closing block, for example:
#   fields:
#     - Reviewed by: Jane Doe
#   body: Next review in two weeks.

appendices: []  # replace [] with entries such as:
# - title: Full log
#   body: See the attached file.

sections: []  # free-form sections for everything else; replace [] with entries such as:
# - title: Communication
#   body: Status page updated at 10:15.
#   after: timeline  # place it after this section; default: before related documents

titles: {{}}  # headings instead of the built-in ones, by section; replace {{}} with lines such as:
#   fixes: Immediate fix (applied)

related: []  # related incidents and documents; replace [] with entries such as:
# - incident: 2025-09-12-cache-outage  # id of another incident in this repository
#   relation: same root cause
# - title: Runbook
#   url: ../docs/runbook.md

report_created:  # when the report was written, shown in the footer, e.g. 2025-10-02
footer: []  # more "Label: value" lines in the footer; replace [] with lines such as:
# - Version: 1.0
"""

_DE = """\
# yaml-language-server: $schema={schema_id}
# Incident-Bericht. Die Zeile oben lässt Editoren diese Datei vervollständigen und prüfen;
# offline das Schema mit `postmortem schema > incident.schema.json` speichern und dessen
# Pfad dort eintragen.
#
# Jedes TODO ersetzen und löschen, was nicht zutrifft. Zeiten in Anführungszeichen: "HH:MM"
# am Tag `date` oder ISO-Zeitpunkt wie "2025-10-02T01:30+02:00"; "~10:00" heißt ungefähr.
# Eine leere Liste `[]` oder nichts nach dem Doppelpunkt heißt "keine Angabe": der Bericht
# lässt es weg. Danach `postmortem check` und `postmortem render` ausführen.

# Die id ist der Dateiname ohne .yaml; nicht mehr ändern (Historie und Links nutzen sie).
id: {id}
title: {title}
date: {date}  # Tag des Beginns, in `timezone` (JJJJ-MM-TT)
timezone: {timezone}  # IANA-Zone aller Zeiten unten ohne Offset, z. B. Europe/Berlin
language: {language}  # Sprache der Beschriftungen im Bericht: en oder de
status: investigating  # investigating, mitigated, resolved oder closed (Postmortem geprüft)
severity: {severity}  # critical, high, medium oder low
severity_note:  # steht neben dem Schweregrad, z. B. Produktion ausgefallen

# Meilensteine: der Bericht berechnet die Dauer daraus.
started: "00:00"  # TODO: wann es begann
detected:  # wann es bemerkt wurde, z. B. "10:05"
mitigated:  # wann die Auswirkung endete
resolved:  # wann es behoben war; Pflicht bei Status resolved oder closed
root_cause_summary:  # eine Zeile für den Kopf; sonst die primäre Ursache
authors: []  # z. B. [Erika Muster, Plattform-Team]
tags: []  # Slugs für den Index, z. B. [datenbank, deployment]
header: []  # weitere "Bezeichnung: Wert"-Zeilen im Kopf; [] ersetzen durch Zeilen wie:
# - Ticket: OPS-123

summary: |  # Zusammenfassung (Markdown)
  TODO: Was passiert ist, wer betroffen war und wie es behoben wurde, in zwei, drei Sätzen.

timeline:  # in zeitlicher Reihenfolge
  - at: "00:00"
    event: "TODO: erstes Anzeichen des Problems"  # Inline-Markdown
    outcome: failed  # ok, warning, failed oder info: das Status-Symbol
    note:  # kurzer Statustext neben dem Symbol, z. B. 500-Fehler

root_causes:
  - title: "TODO: die Ursache in einer Zeile"
    level: primary  # primary, secondary, tertiary oder contributing
    category:  # Fehlerklasse, die ähnliche Incidents teilen, z. B. stale-cache-after-deploy
    description: |  # Analyse (Markdown); Codeblöcke erlaubt
      TODO: Warum es passiert ist und warum es nicht früher auffiel.

technical_details: []  # Stacktraces, Dateien, Analysen; [] ersetzen durch Einträge wie:
# - title: Fehlerlog
#   body: |
#     ```
#     TypeError: cannot read property 'id' of undefined
#     ```

impact:
  summary: |  # Text vor den Gruppen (Markdown)
    TODO: Wer oder was betroffen war, wie stark und wie lange.
  user:  # Auswirkung auf Nutzer und Kunden, zum Beispiel:
  #   figures:  # "Bezeichnung: Wert"-Zeilen oder einfache Punkte
  #     - Fehlgeschlagene Anfragen: etwa 1.200
  #   notes: Kunden konnten keine Termine buchen.
  business:  # Auswirkung auf das Geschäft
  technical:  # Auswirkung auf Systeme und Daten

fixes: []  # was getan wurde, mit den Befehlen; [] ersetzen durch Einträge wie:
# - title: Deployment zurückgerollt
#   status: Angewendet  # kurzer Status neben dem Titel
#   at: "10:40"
#   description: Zurück auf das letzte funktionierende Release.
#   commands: |
#     kubectl rollout undo deployment/api
#   result: Fehlerrate innerhalb von zwei Minuten wieder normal.

verification: []  # Prüfungen vor und nach dem Fix; [] ersetzen durch Einträge wie:
# - title: Health-Check nach dem Fix
#   phase: after  # before oder after
#   commands: |
#     curl -fsS https://example.com/health
#   output: |
#     HTTP/1.1 200 OK
#   result: Gesund.

prevention: []  # Maßnahmen gegen Wiederholung; [] ersetzen durch Einträge wie:
# - title: Smoke-Test nach jedem Deployment
#   status: planned  # done, in_progress, planned oder recommended
#   body: Details (Markdown).

monitoring: []  # Überwachung und Alarme ab jetzt; [] ersetzen durch Einträge wie:
# - title: Alarm bei 5xx-Rate
#   body: Bereitschaft alarmieren, wenn über 5 Minuten mehr als 1 % der Anfragen scheitern.

lessons:
  went_well:
    - "TODO: was gut lief"
  went_wrong:
    - "TODO: was schlecht lief"
  lucky:
    - "TODO: wo wir Glück hatten"
  notes:  # weitere Erkenntnisse als freier Text (Markdown)

# Maßnahmen werden über die git-Historie nach id verfolgt: eine id nie wiederverwenden.
# Offene Maßnahmen brauchen owner und due, höchstens {due_days} Tage nach `date` (Schweregrad
# {severity}).
action_items:
  - id: AI-1
    title: "TODO: die Ursache beseitigen"
    owner: TODO  # Person oder Team
    priority: {severity}  # critical, high, medium oder low
    status: todo  # todo, in_progress, blocked, done oder wontfix (Grund in note)
    due: {due}  # JJJJ-MM-TT
    type: repair  # prevent, mitigate, detect, process oder repair
    link:  # Ticket, Pull-Request oder Commit
    note:
  - id: AI-2
    title: "TODO: früher erkennen (Alarm, Dashboard)"
    owner: TODO
    priority: {severity}
    status: todo
    due: {due}
    type: detect

next_steps: []  # Checklisten nach Zeithorizont; [] ersetzen durch Einträge wie:
# - horizon: immediate  # immediate, short_term oder long_term
#   items:
#     - Support informieren, dass der Fix live ist
#     - text: Offengelegten Schlüssel austauschen
#       done: true

sign_off:  # Abschlussblock, zum Beispiel:
#   fields:
#     - Geprüft von: Erika Muster
#   body: Nächste Überprüfung in zwei Wochen.

appendices: []  # [] ersetzen durch Einträge wie:
# - title: Vollständiges Log
#   body: Siehe angehängte Datei.

sections: []  # freie Abschnitte für alles Weitere; [] ersetzen durch Einträge wie:
# - title: Kommunikation
#   body: Statusseite um 10:15 aktualisiert.
#   after: timeline  # nach diesem Abschnitt einfügen; sonst vor den verwandten Dokumenten

titles: {{}}  # eigene Überschriften statt der eingebauten, je Abschnitt; {{}} ersetzen durch:
#   fixes: Sofortmaßnahme (angewendet)

related: []  # verwandte Incidents und Dokumente; [] ersetzen durch Einträge wie:
# - incident: 2025-09-12-cache-ausfall  # id eines anderen Incidents in diesem Repository
#   relation: gleiche Ursache
# - title: Runbook
#   url: ../docs/runbook.md

report_created:  # wann der Bericht geschrieben wurde, steht in der Fußzeile, z. B. 2025-10-02
footer: []  # weitere "Bezeichnung: Wert"-Zeilen in der Fußzeile; [] ersetzen durch Zeilen wie:
# - Version: 1.0
"""

_SCAFFOLDS = {"en": _EN, "de": _DE}
