"""Project configuration: ``[tool.postmortem]`` in pyproject.toml or ``postmortem.toml``."""

from __future__ import annotations

import difflib
import os
import re
import string
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from postmortem.errors import ConfigError
from postmortem.format.vocabulary import LANGUAGES, SECTION_KEYS, SEVERITIES, STATUSES

if sys.version_info >= (3, 11):
    import tomllib as tomllib  # re-exported: the one TOML reader
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

DEFAULT_DUE_DAYS = {"critical": 15, "high": 30, "medium": 60, "low": 90}


@dataclass(frozen=True)
class Tracker:
    """A ticket tracker: references it knows (``pattern``) and where they live (``url``)."""

    name: str
    pattern: re.Pattern[str]
    url: str  # a format string: {ref} is the whole reference, {name} a group of the pattern

    def url_of(self, ref: str) -> str | None:
        m = self.pattern.fullmatch(ref.strip())
        return self.url.format(ref=ref.strip(), **m.groupdict()) if m else None



# Names and addresses reserved for documentation and tests (RFC 2606, 6761, 5737, 3849):
# never personal data.
DEFAULT_ALLOW_DOMAINS = ("example.com", "example.org", "example.net", "example", "invalid",
                         "test", "localhost")
DEFAULT_ALLOW_NETWORKS = ("127.0.0.0/8", "0.0.0.0/32", "255.255.255.255/32", "192.0.2.0/24",
                          "198.51.100.0/24", "203.0.113.0/24", "::1/128", "::/128",
                          "2001:db8::/32")
DEFAULT_PHONE_REGIONS = ("DE", "AT", "CH", "GB", "FR", "US")


@dataclass(frozen=True)
class Privacy:
    """[privacy]: what the scan for secrets and personal data (rules P) lets pass."""

    allow_values: tuple[str, ...] = ()  # exact; phones, cards and IBANs compared as digits
    allow_domains: tuple[str, ...] = DEFAULT_ALLOW_DOMAINS  # e-mail and URL hosts, suffixes
    allow_networks: tuple[str, ...] = DEFAULT_ALLOW_NETWORKS  # addresses or CIDR networks
    allow_private_networks: bool = False  # RFC 1918, CGNAT, ULA and link-local addresses
    allow_test_cards: bool = False  # the card networks' published test numbers
    phone_regions: tuple[str, ...] = DEFAULT_PHONE_REGIONS  # national numbers of these


@dataclass(frozen=True)
class External:
    """[external]: where `render --audience external` writes, and which links it drops."""

    output_dir: Path | None = None  # required for the external version
    index_file: Path | None = None  # default: <output_dir>/README.md
    internal_hosts: tuple[str, ...] = ()  # host names or globs (*.internal) of internal links

    @property
    def index_path(self) -> Path | None:
        if self.output_dir is None:
            return None
        return self.index_file or self.output_dir / "README.md"


@dataclass(frozen=True)
class Config:
    """Settings of one incident repository; paths are absolute."""

    root: Path
    source: Path | None = None
    incidents_dir: Path = Path("incidents")
    output_dir: Path | None = None
    index_file: Path | None = None
    reviews_dir: Path = Path("reviews")
    templates_dir: Path = Path("templates")
    language: str = "en"
    timezone: str = "UTC"
    emoji: bool = True
    max_file_size: int = 1024 * 1024
    jobs: int | None = None  # worker processes of check, render and history; None: the CPUs
    due_days: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_DUE_DAYS))
    # [check]: which rules report, as written (rules.selection checks the codes)
    select: tuple[str, ...] | None = None  # None: the rules enabled by default
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (glob, codes)
    severity: tuple[tuple[str, str], ...] = ()  # (code, "error" or "warning")
    # status -> the sections its report must have (C009); () keeps the defaults
    required_sections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    trackers: tuple[Tracker, ...] = ()
    teams: dict[str, tuple[str, ...]] = field(default_factory=dict)
    check_owners: bool = False
    privacy: Privacy = field(default_factory=Privacy)
    external: External = field(default_factory=External)

    def ticket_url(self, ref: str) -> str | None:
        """The URL of a tracker reference (``JIRA-123``) by the first tracker that knows it."""
        for tracker in self.trackers:
            url = tracker.url_of(ref)
            if url is not None:
                return url
        return None

    @property
    def reports_dir(self) -> Path:
        return self.output_dir or self.incidents_dir

    @property
    def index_path(self) -> Path:
        return self.index_file or self.reports_dir / "README.md"

    def rel(self, path: Path) -> str:
        """A path as the user sees it: relative to the repository root, with slashes."""
        text = os.fspath(path)
        prefix = os.fspath(self.root) + os.sep
        if text.startswith(prefix):  # the common case, without a resolve() per file
            return text[len(prefix):].replace(os.sep, "/")
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except (ValueError, OSError):
            return path.as_posix()


# key -> (expected python type, description); the table is the schema of the config.
_KEYS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "incidents_dir": (str, "folder of the incident YAML files"),
    "output_dir": (str, "folder of the rendered reports (default: incidents_dir)"),
    "index_file": (str, "path of the generated index (default: <output_dir>/README.md)"),
    "reviews_dir": (str, "folder of committed weekly reviews"),
    "templates_dir": (str, "folder whose templates override the shipped ones by name"),
    "language": (str, "default report language: en or de"),
    "timezone": (str, "default IANA time zone of incident times"),
    "emoji": (bool, "emoji status markers in reports"),
    "max_file_size": (int, "largest incident file read, in bytes"),
    "jobs": (int, "worker processes for check, render, actions and review (default: the "
                  "CPUs this process may use; 1: none, all in one process)"),
    "due_days": (dict, "maximum days from incident date to an action item's due date"),
    "check": (dict, "which rules `check` runs: select, ignore, per_file_ignores, severity"),
    "trackers": (dict, "ticket trackers: a table per tracker with `pattern` (a regular "
                       "expression a reference matches whole) and `url` ({ref} or the "
                       "pattern's named groups)"),
    "teams": (dict, "team name -> list of members: owners that `check_owners` accepts"),
    "check_owners": (bool, "warn about action-item owners that no role of the incident and "
                           "no team names"),
    "privacy": (dict, "what the scan for secrets and personal data lets pass: allow_values, "
                      "allow_domains, allow_networks, allow_private_networks, "
                      "allow_test_cards, phone_regions"),
    "external": (dict, "the external version (`render --audience external`): output_dir, "
                       "index_file, internal_hosts"),
}
# [check] key -> (expected python type, description)
_CHECK_KEYS: dict[str, tuple[type, str]] = {
    "select": (list, "rule codes, prefixes or names to run (default: every rule enabled by "
                     "default)"),
    "ignore": (list, "rule codes, prefixes or names not to run"),
    "per_file_ignores": (dict, "glob of incident files -> rules not to run there"),
    "severity": (dict, "rule code, prefix or name -> 'error' or 'warning'"),
    "required_sections": (dict, "incident status -> sections its report must have (rule "
                                "C009)"),
}

# [privacy] key -> (expected python type, description)
_PRIVACY_KEYS: dict[str, tuple[type, str]] = {
    "allow_values": (list, "exact values that are no finding (a test phone number, a "
                           "service's address); phone, card and IBAN numbers compared as "
                           "digits"),
    "allow_domains": (list, "e-mail and URL host domains that are no personal data, with "
                            "their subdomains (added to example.com, example.org, ...)"),
    "allow_networks": (list, "IP addresses or networks (CIDR) that are no personal data "
                             "(added to loopback and the documentation ranges)"),
    "allow_private_networks": (bool, "addresses of private networks (10/8, 172.16/12, "
                                     "192.168/16, 100.64/10, fc00::/7, link-local) are no "
                                     "personal data"),
    "allow_test_cards": (bool, "the card networks' published test numbers (4111 1111 1111 "
                               "1111, 4242 ...) are no personal data"),
    "phone_regions": (list, "regions (ISO 3166 codes) whose national phone numbers are "
                            "recognised; international ones (+49 ...) always are"),
}


def find_root(start: Path) -> tuple[Path, Path | None, dict[str, Any]]:
    """The repository root above ``start``, the config file found there and its table."""
    start = start.resolve()
    for folder in (start, *start.parents):
        own = folder / "postmortem.toml"
        if own.is_file():
            table = _read_toml(own)
            _one_config(own, folder / "pyproject.toml")
            return folder, own, table
        project = folder / "pyproject.toml"
        if project.is_file():
            table = _read_toml(project).get("tool", {}).get("postmortem")
            if table is not None:
                if not isinstance(table, dict):
                    raise ConfigError(f"{project.name}: [tool.postmortem] must be a table of "
                                      "settings")
                return folder, project, table
        if (folder / ".git").exists():
            return folder, None, {}
    return start, None, {}


def _one_config(own: Path, project: Path) -> None:
    """postmortem.toml and a [tool.postmortem] table beside it: one of them would be
    silently ignored."""
    if not project.is_file():
        return
    try:
        table = _read_toml(project).get("tool", {}).get("postmortem")
    except ConfigError:
        return  # not ours to judge: postmortem.toml is the configuration here
    if table is not None:
        raise ConfigError(f"{own.name} and {project.name} [tool.postmortem] are both in "
                          f"{own.parent}: settings must be in one of them",
                          hint=f"move the settings of [tool.postmortem] into {own.name} "
                               f"(at its top level) and delete the table, or delete {own.name}")


def _unknown(key: str, known: dict[str, Any], where: str, *within: str) -> ConfigError:
    close = difflib.get_close_matches(key, list(known), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
    return ConfigError(f"{where}unknown key '{key}'{hint}", key=(*within, key))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path.name}: cannot be read: {exc.strerror}") from None


def load_config(start: Path | None = None) -> Config:
    root, source, table = find_root(start or Path.cwd())
    try:
        return _load(root, source, table)
    except ConfigError as exc:
        raise _located(exc, source) from None


def _where(source: Path | None) -> str:
    """How messages name the settings' table: `pyproject.toml [tool.postmortem]`."""
    if source is None:
        return "configuration"
    return f"{source.name} [tool.postmortem]" if source.name == "pyproject.toml" else source.name


def _located(exc: ConfigError, source: Path | None) -> ConfigError:
    """``exc`` with the line of its setting: ``pyproject.toml:14: check.select ...``."""
    if not exc.key or source is None:
        return exc
    within = ("tool", "postmortem") if source.name == "pyproject.toml" else ()
    try:
        line = _key_line(source.read_text(encoding="utf-8"), (*within, *exc.key))
    except (OSError, UnicodeDecodeError):
        return exc
    where = f"{_where(source)}: "
    if line is None or not exc.message.startswith(where):
        return exc
    return ConfigError(f"{source.name}:{line}: {exc.message[len(where):]}", hint=exc.hint,
                       key=exc.key)


_TOML_KEY = re.compile(r"""\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')""")


def _toml_key(text: str) -> tuple[tuple[str, ...], int] | None:
    """The dotted key at the start of ``text`` and where it ends; None when there is none."""
    parts, pos = [], 0
    while True:
        m = _TOML_KEY.match(text, pos)
        if m is None:
            return None
        part = m.group().strip()
        parts.append(part[1:-1] if part[:1] in "\"'" else part)
        pos = m.end()
        rest = text[pos:].lstrip()
        if not rest.startswith("."):
            return tuple(parts), len(text) - len(rest)
        pos = len(text) - len(rest) + 1


def _key_line(text: str, key: tuple[str, ...]) -> int | None:
    """The line (1-based) of a TOML document that sets ``key`` or, when none does, the one
    that sets the nearest table above it (an inline table, a `[table]` header)."""
    best: tuple[int, int] | None = None  # (length of the matched prefix, line)
    table: tuple[str, ...] = ()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("["):
            found = _toml_key(line.strip("[] \t").split("#", 1)[0])
            if found is None:
                continue
            table, path = found[0], found[0]
        else:
            found = _toml_key(line)
            if found is None or not line[found[1]:].lstrip().startswith("="):
                continue
            path = (*table, *found[0])
        size = len(path)
        if key[:size] == path and (best is None or size > best[0]):
            best = (size, number)
    return best[1] if best is not None else None


def _load(root: Path, source: Path | None, table: dict[str, Any]) -> Config:
    where = _where(source)
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "tool" and source is not None and source.name == "postmortem.toml":
            raise ConfigError(f"{where}: unknown key 'tool'; postmortem.toml holds the "
                              "settings at its top level", key=("tool",),
                              hint="write `language = \"de\"`, not `[tool.postmortem]` "
                                   "`language = \"de\"`")
        if key not in _KEYS:
            raise _unknown(key, _KEYS, f"{where}: ")
        expected, _ = _KEYS[key]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            name = getattr(expected, "__name__", str(expected))
            raise ConfigError(f"{where}: '{key}' must be a {_TYPE_WORDS.get(name, name)}",
                              key=(key,))
        values[key] = value
    return _build(root, source, values, where)


def jobs_setting(value: int, what: str, key: tuple[str, ...] = ()) -> int:
    """A number of worker processes, from the configuration or --jobs."""
    if value < 1:
        raise ConfigError(f"{what} must be at least 1 (1 runs everything in one process)",
                          key=key)
    return value


_TYPE_WORDS = {"str": "string", "bool": "boolean (true or false)", "int": "whole number",
               "dict": "table"}


def _build(root: Path, source: Path | None, values: dict[str, Any], where: str) -> Config:
    kwargs: dict[str, Any] = {"root": root, "source": source}
    for key in ("incidents_dir", "output_dir", "index_file", "reviews_dir", "templates_dir"):
        if key in values:
            kwargs[key] = _inside(root, values[key], key, where)
        elif key in {f.name for f in fields(Config)} and key not in ("output_dir", "index_file"):
            kwargs[key] = root / getattr(Config, key)
    language = values.get("language", "en")
    if language not in LANGUAGES:
        raise ConfigError(f"{where}: language '{language}' is not one of: "
                          f"{', '.join(LANGUAGES)}", key=("language",))
    kwargs["language"] = language
    timezone = values.get("timezone", "UTC")
    from postmortem.format.times import zone

    if zone(timezone) is None:
        raise ConfigError(f"{where}: unknown time zone '{timezone}'; use an IANA name "
                          "such as 'Europe/Berlin' or 'UTC'", key=("timezone",))
    kwargs["timezone"] = timezone
    if "emoji" in values:
        kwargs["emoji"] = values["emoji"]
    if "max_file_size" in values:
        if values["max_file_size"] < 1:
            raise ConfigError(f"{where}: 'max_file_size' must be a positive number of bytes",
                              key=("max_file_size",))
        kwargs["max_file_size"] = values["max_file_size"]
    if "jobs" in values:
        kwargs["jobs"] = jobs_setting(values["jobs"], f"{where}: 'jobs'", key=("jobs",))
    due = dict(DEFAULT_DUE_DAYS)
    for severity, days in values.get("due_days", {}).items():
        if severity not in SEVERITIES:
            raise ConfigError(f"{where}: due_days: unknown severity '{severity}'; "
                              f"use one of: {', '.join(SEVERITIES)}", key=("due_days", severity))
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ConfigError(f"{where}: due_days.{severity} must be a whole number of days",
                              key=("due_days", severity))
        due[severity] = days
    kwargs["due_days"] = due
    kwargs["trackers"] = tuple(_tracker(name, spec, where)
                               for name, spec in values.get("trackers", {}).items())
    teams = {}
    for team, members in values.get("teams", {}).items():
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise ConfigError(f"{where}: teams.{team} must be a list of names, e.g. "
                              f'{team} = ["Jane Doe", "Max Mustermann"]', key=("teams", team))
        teams[team] = tuple(members)
    kwargs["teams"] = teams
    if "check_owners" in values:
        kwargs["check_owners"] = values["check_owners"]
    kwargs.update(_check_settings(values.get("check", {}), where))
    if "privacy" in values:
        kwargs["privacy"] = _privacy(values["privacy"], where)
    if "external" in values:
        kwargs["external"] = _external(root, values["external"], where)
    return Config(**kwargs)


_EXTERNAL_KEYS: dict[str, tuple[type, str]] = {
    "output_dir": (str, "folder of the external reports and their index"),
    "index_file": (str, "path of the external index (default: <output_dir>/README.md)"),
    "internal_hosts": (list, "host names or globs (*.internal) whose links the external "
                             "version drops"),
}


def _external(root: Path, table: dict[str, Any], where: str) -> External:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _EXTERNAL_KEYS:
            raise _unknown(key, _EXTERNAL_KEYS, f"{where}: external: ", "external")
        if key == "internal_hosts":
            out[key] = tuple(h.lower() for h in _strings(value, f"{where}: external.{key}",
                                                         ("external", key)))
        elif not isinstance(value, str):
            raise ConfigError(f"{where}: external.{key} must be a string", key=("external", key))
        else:
            out[key] = _inside(root, value, f"external.{key}", where)
    return External(**out)


def _privacy(table: dict[str, Any], where: str) -> Privacy:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _PRIVACY_KEYS:
            raise _unknown(key, _PRIVACY_KEYS, f"{where}: privacy: ", "privacy")
        expected, _ = _PRIVACY_KEYS[key]
        if expected is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: privacy.{key} must be true or false",
                                  key=("privacy", key))
            out[key] = value
            continue
        values = _strings(value, f"{where}: privacy.{key}", ("privacy", key))
        if key == "allow_domains":
            out[key] = (*DEFAULT_ALLOW_DOMAINS, *(v.lower().strip(".") for v in values))
        elif key == "allow_networks":
            out[key] = (*DEFAULT_ALLOW_NETWORKS, *(_network(v, where) for v in values))
        elif key == "phone_regions":
            for region in values:
                if not re.fullmatch("[A-Z]{2}", region):
                    raise ConfigError(f"{where}: privacy.phone_regions: '{region}' is not a "
                                      "region code; use ISO 3166 codes such as DE or US",
                                      key=("privacy", key))
            out[key] = values
        else:
            out[key] = values
    return Privacy(**out)


def _network(value: str, where: str) -> str:
    import ipaddress

    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ConfigError(f"{where}: privacy.allow_networks: '{value}' is neither an IP "
                          "address nor a network such as 10.0.0.0/8",
                          key=("privacy", "allow_networks")) from None


def _check_settings(table: dict[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _CHECK_KEYS:
            raise _unknown(key, _CHECK_KEYS, f"{where}: check: ", "check")
        expected, _ = _CHECK_KEYS[key]
        fits = isinstance(value, expected)  # a plain bool: mypy keeps `value` as Any
        if not fits:
            raise ConfigError(f"{where}: check.{key} must be a "
                              f"{'list of strings' if expected is list else 'table'}",
                              key=("check", key))
        if key in ("select", "ignore"):
            out[key] = _strings(value, f"{where}: check.{key}", ("check", key))
        elif key == "per_file_ignores":
            out[key] = tuple((glob, _strings(codes, f"{where}: check.per_file_ignores.{glob}",
                                             ("check", key, glob)))
                             for glob, codes in value.items())
        elif key == "required_sections":
            out[key] = tuple(_required(status, keys, where) for status, keys in value.items())
        else:
            for code, level in value.items():
                if not isinstance(level, str):
                    raise ConfigError(f"{where}: check.severity.{code} must be 'error' or "
                                      "'warning'", key=("check", key, code))
            out[key] = tuple(value.items())
    return out


def _required(status: str, keys: Any, where: str) -> tuple[str, tuple[str, ...]]:
    here = f"{where}: check.required_sections.{status}"
    key = ("check", "required_sections", status)
    if status not in STATUSES:
        raise ConfigError(f"{here}: '{status}' is not a status; use one of: "
                          f"{', '.join(STATUSES)}", key=key)
    sections = _strings(keys, here, key)
    for name in sections:
        if name not in SECTION_KEYS:
            close = difflib.get_close_matches(name, SECTION_KEYS, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ConfigError(f"{here}: '{name}' is not a section{hint}", key=key)
    return status, sections


def _strings(value: Any, where: str, key: tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings", key=key)
    return tuple(value)


def _tracker(name: str, spec: Any, where: str) -> Tracker:
    """One [trackers.<name>] table: a pattern that compiles and a URL that only uses its
    groups."""
    example = (f'[tool.postmortem.trackers.{name}] pattern = "[A-Z]+-[0-9]+", '
               'url = "https://tracker.example/browse/{ref}"')
    if not isinstance(spec, dict) or set(spec) != {"pattern", "url"} \
            or not all(isinstance(v, str) for v in spec.values()):
        raise ConfigError(f"{where}: trackers.{name} must be a table with the texts `pattern` "
                          f"and `url`, e.g. {example}", key=("trackers", name))
    try:
        pattern = re.compile(spec["pattern"])
    except re.error as exc:
        raise ConfigError(f"{where}: trackers.{name}.pattern is not a regular expression: "
                          f"{exc}", key=("trackers", name, "pattern")) from None
    try:
        names = {part[1] for part in string.Formatter().parse(spec["url"]) if part[1] is not None}
    except ValueError as exc:
        raise ConfigError(f"{where}: trackers.{name}.url: {exc}",
                          key=("trackers", name, "url")) from None
    unknown = sorted(names - {"ref"} - set(pattern.groupindex))
    if unknown:
        raise ConfigError(f"{where}: trackers.{name}.url uses {{{unknown[0]}}}, which is neither "
                          "{ref} nor a named group (?P<name>...) of its pattern",
                          key=("trackers", name, "url"))
    return Tracker(name, pattern, spec["url"])


def _inside(root: Path, value: str, key: str, where: str) -> Path:
    path = (root / value).resolve()
    if path != root and root not in path.parents:
        raise ConfigError(f"{where}: '{key}' = '{value}' points outside the repository",
                          key=tuple(key.split(".")))
    return path
