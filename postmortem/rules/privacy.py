"""Rules P: secrets (errors) and personal data (warnings) anywhere in an incident file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from postmortem.errors import ConfigError
from postmortem.rules.problems import Problem
from postmortem.rules.registry import Rule, rule

if TYPE_CHECKING:
    from postmortem.config import Config
    from postmortem.format.load import Loaded
    from postmortem.privacy.scan import Finding, Scanner

PROVIDER_TOKEN = rule("P001")
PRIVATE_KEY = rule("P002")
PASSWORD_IN_URL = rule("P003")
ASSIGNED_SECRET = rule("P004")
JSON_WEB_TOKEN = rule("P005")
HIGH_ENTROPY = rule("P006")
# kind of finding -> its rule; every provider kind (providers.toml) is P001
RULE_OF_KIND: dict[str, Rule] = {
    "private-key": PRIVATE_KEY,
    "password-in-url": PASSWORD_IN_URL,
    "assigned-secret": ASSIGNED_SECRET,
    "aws-secret-key": ASSIGNED_SECRET,
    "jwt": JSON_WEB_TOKEN,
    "high-entropy": HIGH_ENTROPY,
    "email": rule("P101"),
    "phone": rule("P102"),
    "ip": rule("P103"),
    "iban": rule("P104"),
    "card": rule("P105"),
}
GROUP = "P"


def rule_of(finding: Finding) -> Rule:
    return RULE_OF_KIND.get(finding.kind, PROVIDER_TOKEN)


def wanted(config: Config) -> bool:
    """Whether any rule P runs: else the scan is skipped."""
    from postmortem.rules.selection import Selection

    return any(code.startswith(GROUP) for code in Selection.of(config).enabled)


def scanner_of(config: Config) -> Scanner:
    """The scanner of the configuration's [privacy] settings."""
    from postmortem.config import DEFAULT_PHONE_REGIONS
    from postmortem.privacy.scan import scanner

    found = scanner(config.privacy)
    if config.privacy.phone_regions != DEFAULT_PHONE_REGIONS:
        unknown = found.unknown_regions()
        if unknown:
            where = config.source.name if config.source else "configuration"
            raise ConfigError(f"{where}: privacy.phone_regions: '{unknown[0]}' is no region "
                              "libphonenumber knows; use ISO 3166 codes such as DE or US")
    return found


def reported(data: bytes, loaded: Loaded, scanner: Scanner, config: Config
             ) -> list[tuple[Finding, Problem]]:
    """The findings in ``data`` (the file's bytes) that `check` reports, each with its
    problem: not silenced by the file's noqa comments, of a selected rule."""
    from postmortem.rules.selection import Selection

    selection = Selection.of(config)
    out: list[tuple[Finding, Problem]] = []
    for finding in scanner.scan(data):
        found = problem(finding, loaded)
        if not loaded.noqa.silences(found):
            out.extend((finding, p) for p in selection.apply([found]))
    return out


def check_privacy(data: bytes, loaded: Loaded, scanner: Scanner, config: Config
                  ) -> list[Problem]:
    """The problems of rules P in ``data``, and the file's noqa comments naming rules P
    that silence nothing."""
    from postmortem.rules.selection import Selection

    found = [p for _, p in reported(data, loaded, scanner, config)]
    return [*found, *Selection.of(config).apply(loaded.noqa.unused(loaded.rel, (GROUP,)))]


def problem(finding: Finding, loaded: Loaded) -> Problem:
    from postmortem.format.yamlread import dotted, spot
    from postmortem.privacy.values import mask

    at = dotted(spot(loaded.root, finding.line, finding.col).path)
    its = rule_of(finding)
    what = finding.label + (f" ({finding.detail})" if finding.detail else "")
    shown = mask(finding.value, email=finding.kind == "email")
    if finding.category == "secret":
        message = (f"{what} {shown}: a secret in a committed file is exposed; revoke or "
                   "rotate it, then remove it (`postmortem redact` replaces it)")
    else:
        message = (f"{what} {shown} is personal data; remove it (`postmortem redact`), or "
                   f"allow it in [privacy] or with '# noqa: {its.code} -- why'")
    return its(loaded.rel, finding.line, finding.col, at, message)
