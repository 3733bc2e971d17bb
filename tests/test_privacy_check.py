"""`check` with rules P: a realistic incident with leaked data, reported at each place with
the value masked; noqa, [privacy] allow-lists, selection, the bundled incidents."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import privacy_fixtures as fx
import pytest
from click.testing import CliRunner, Result

from postmortem.cli import main
from postmortem.config import Privacy, load_config
from postmortem.privacy.scan import scanner

Write = Callable[..., Path]
ROOT = Path(__file__).resolve().parents[1]

# An incident as a team writes it after a bad day: a webhook payload and logs pasted into
# code blocks, the commands of the fix, a caller's number in the timeline.
LEAKY = f"""\
id: 2025-10-01-booking-webhook
title: Buchungen über den Voice-Agent schlugen fehl
date: 2025-10-01
timezone: Europe/Berlin
status: mitigated
severity: high
started: "11:16"
# Reported by anna.mueller@gmail.com on the hotline
summary: |
  Anrufe an die Praxis (Rückruf an 030 12345678) endeten ohne Buchung.
timeline:
  - at: "11:16"
    event: "UK caller +44 20 7946 0958 could not book"
  - at: "11:20"
    event: Webhook-Fehler im Log gefunden
root_causes:
  - title: Webhook-Signatur falsch konfiguriert
    evidence:
      - title: Payload
        code: |
          {{"call": {{"from_number": "+4915123456789", "customer": {{
            "name": "J. Doe", "email": "j.doe+booking@web.de"}}}},
           "client_ip": "84.132.17.250"}}
      - title: nginx
        code: |  # noqa: P103 -- the address of the vendor's webhook server
          46.114.5.201 - - [01/Oct/2025:11:16:03 +0200] "POST /api/book HTTP/1.1" 500
fixes:
  - title: Schlüssel neu gesetzt
    commands: |
      export STRIPE_SECRET_KEY={fx.STRIPE_LIVE}
      mysql --user=root --password={fx.DB_PW} booking
      curl -H "Authorization: Bearer {fx.JWT}" https://api.example.com/health
"""

# (value, code, severity, field) of every finding, in the file's order
EXPECTED = [
    ("anna.mueller@gmail.com", "P101", "warning", ""),
    ("030 12345678", "P102", "warning", "summary"),
    ("+44 20 7946 0958", "P102", "warning", "timeline[0].event"),
    ("+4915123456789", "P102", "warning", "root_causes[0].evidence[0].code"),
    ("j.doe+booking@web.de", "P101", "warning", "root_causes[0].evidence[0].code"),
    ("84.132.17.250", "P103", "warning", "root_causes[0].evidence[0].code"),
    (fx.STRIPE_LIVE, "P001", "error", "fixes[0].commands"),
    (fx.DB_PW, "P004", "error", "fixes[0].commands"),
    (fx.JWT, "P005", "error", "fixes[0].commands"),
]


def where(text: str, value: str) -> tuple[int, int]:
    at = text.index(value)
    return text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)


def check(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(main, ["check", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_every_leak_is_reported_at_its_place_with_its_rule(runner: CliRunner,
                                                            write_incident: Write) -> None:
    write_incident("2025-10-01-booking-webhook", LEAKY)
    result = check(runner, "--format", "json")
    found = [(p["line"], p["col"], p["code"], p["severity"], p["field"])
             for p in json.loads(result.stdout) if p["code"].startswith("P")]
    assert found == [(*where(LEAKY, value), code, severity, field)
                     for value, code, severity, field in EXPECTED]
    assert result.exit_code == 1  # secrets are errors


def test_messages_never_show_a_value_whole(runner: CliRunner, write_incident: Write) -> None:
    write_incident("2025-10-01-booking-webhook", LEAKY)
    result = check(runner)
    for value, *_ in EXPECTED:
        assert value not in result.output
        # nor more than its first four characters
        assert value[:5] not in result.output or value.startswith(("+44 2", "+4915", "anna."))
    line, col = where(LEAKY, fx.STRIPE_LIVE)
    assert (f"incidents/2025-10-01-booking-webhook.yaml:{line}:{col}: error: "
            f"fixes[0].commands: Stripe key sk_l…({len(fx.STRIPE_LIVE)} chars): a secret in a "
            "committed file is exposed; revoke or rotate it, then remove it (`postmortem "
            "redact` replaces it) [P001]") in result.stdout.splitlines()
    line, col = where(LEAKY, "j.doe+booking@web.de")
    assert (f"incidents/2025-10-01-booking-webhook.yaml:{line}:{col}: warning: "
            "root_causes[0].evidence[0].code: e-mail address j…@web.de is personal data; "
            "remove it (`postmortem redact`), or allow it in [privacy] or with "
            "'# noqa: P101 -- why' [P101]") in result.stdout.splitlines()


def test_personal_data_alone_fails_only_with_strict(runner: CliRunner,
                                                    write_incident: Write) -> None:
    text = LEAKY.split("fixes:")[0]
    write_incident("2025-10-01-booking-webhook", text)
    assert check(runner).exit_code == 0
    assert check(runner, "--strict").exit_code == 1


def test_a_noqa_for_rules_p_that_silences_nothing_is_reported(
        runner: CliRunner, write_incident: Write) -> None:
    text = LEAKY.split("fixes:")[0].replace("46.114.5.201", "[IP_REDACTED]")
    write_incident("2025-10-01-booking-webhook", text)
    line, col = where(text, "# noqa: P103")
    problems = json.loads(check(runner, "--format", "json").stdout)
    assert [(p["line"], p["col"], p["code"], p["field"]) for p in problems
            if p["code"] == "Q001"] == [(line, col, "Q001", "P103")]


def test_deselected_rules_p_are_not_run(runner: CliRunner, write_incident: Write) -> None:
    write_incident("2025-10-01-booking-webhook", LEAKY)
    problems = json.loads(check(runner, "--format", "json", "--ignore", "P").stdout)
    assert [p for p in problems if p["code"].startswith(("P", "Q"))] == []
    problems = json.loads(check(runner, "--format", "json", "--ignore", "P1").stdout)
    assert {p["code"] for p in problems if p["code"].startswith("P")} == {"P001", "P004",
                                                                         "P005"}


def test_allow_lists_in_the_configuration(runner: CliRunner, repo: Path,
                                          write_incident: Write) -> None:
    write_incident("2025-10-01-booking-webhook", LEAKY.split("fixes:")[0])
    (repo / "postmortem.toml").write_text(
        '[privacy]\nallow_values = ["+49 151 23456789", "030 / 123 456 78"]\n'
        'allow_domains = ["web.de", "gmail.com"]\nallow_networks = ["84.132.0.0/16"]\n'
        'phone_regions = ["DE"]\n', encoding="utf-8")
    problems = json.loads(check(runner, "--format", "json").stdout)
    assert [(p["code"], p["field"]) for p in problems] == [("P102", "timeline[0].event")]
    privacy = load_config(repo).privacy
    assert "web.de" in privacy.allow_domains and "example.org" in privacy.allow_domains


@pytest.mark.parametrize(("table", "message"), [
    ('allow_value = ["x"]', "privacy: unknown key 'allow_value'; did you mean 'allow_values'?"),
    ('allow_networks = ["10.0.0.300/8"]', "privacy.allow_networks: '10.0.0.300/8' is neither"),
    ('phone_regions = ["Germany"]', "privacy.phone_regions: 'Germany' is not a region code"),
    ('phone_regions = ["XX"]', "privacy.phone_regions: 'XX' is no region libphonenumber knows"),
    ("allow_test_cards = 1", "privacy.allow_test_cards must be true or false"),
    ('allow_domains = "web.de"', "privacy.allow_domains must be a list of strings"),
])
def test_bad_privacy_settings_are_usage_errors(runner: CliRunner, repo: Path,
                                               write_incident: Write, table: str,
                                               message: str) -> None:
    write_incident("a")
    (repo / "postmortem.toml").write_text(f"[privacy]\n{table}\n", encoding="utf-8")
    result = check(runner)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_the_bundled_incidents_name_one_address_which_the_repository_allows() -> None:
    found = {(path.name, f.kind, f.value) for path in sorted((ROOT / "incidents").glob("*.yaml"))
             for f in scanner(Privacy()).scan(path.read_bytes())}
    assert found == {("2025-10-01-testanruf-fehler.yaml", "ip", "100.20.5.228")}
    config = load_config(ROOT)
    assert [f for path in sorted((ROOT / "incidents").glob("*.yaml"))
            for f in scanner(config.privacy).scan(path.read_bytes())] == []
