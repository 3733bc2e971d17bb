"""`postmortem redact`: placeholders where `check` finds private data, every other byte kept;
plain values quoted where YAML needs it; a dry run as a masked diff; broken files left alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import privacy_fixtures as fx
import pytest
from click.testing import CliRunner, Result
from test_privacy_check import EXPECTED, LEAKY

from postmortem.cli import main
from postmortem.config import Privacy
from postmortem.format.yamlread import parse_text
from postmortem.privacy.redact import Unsafe, redact_text
from postmortem.privacy.scan import Finding, scanner

Write = Callable[..., Path]
NAME = "2025-10-01-booking-webhook"
PLACEHOLDER = {"P101": "[EMAIL_REDACTED]", "P102": "[PHONE_REDACTED]", "P103": "[IP_REDACTED]"}


def redact(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(main, ["redact", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_findings_become_placeholders_and_nothing_else_changes(
        runner: CliRunner, write_incident: Write) -> None:
    path = write_incident(NAME, LEAKY)
    result = redact(runner)
    assert result.exit_code == 0, result.output
    want = LEAKY
    for value, code, _, _ in EXPECTED:
        want = want.replace(value, PLACEHOLDER.get(code, "[SECRET_REDACTED]"))
    assert path.read_text(encoding="utf-8") == want
    assert result.stdout == f"incidents/{NAME}.yaml: 9 values redacted\n"
    assert result.stderr == ("1 file redacted, 0 clean\n3 secrets removed from the files but "
                             "not from git history: revoke or rotate them\n")
    check = runner.invoke(main, ["check", "--strict"])
    assert (check.exit_code, check.stdout) == (0, "")  # the noqa'd address stays, silenced


def test_plain_values_are_quoted_where_a_placeholder_would_make_a_list(
        runner: CliRunner, write_incident: Write) -> None:
    head = ("id: a\ntitle: Flow   # a comment\ndate: 2025-10-02\nstatus: mitigated\n"
            "severity: low\nstarted: \"10:00\"\n")
    path = write_incident("a", head + (
        "timeline:\n"
        "  - at: \"10:00\"\n"
        "    event: +49 151 23456789 rief an\n"
        "  - {at: \"10:05\", event: mail anna@gmail.com bounced, note: 'von o''brien@web.de'}\n"
        "summary: >\n"
        "  folded text with 91.64.213.17\n"
        "  over lines\n"))
    assert redact(runner).exit_code == 0
    assert path.read_text(encoding="utf-8") == head + (
        "timeline:\n"
        "  - at: \"10:00\"\n"
        "    event: \"[PHONE_REDACTED] rief an\"\n"
        "  - {at: \"10:05\", event: \"mail [EMAIL_REDACTED] bounced\", note: 'von "
        "[EMAIL_REDACTED]'}\n"
        "summary: >\n"
        "  folded text with [IP_REDACTED]\n"
        "  over lines\n")


def test_byte_order_mark_and_crlf_line_ends_stay(runner: CliRunner,
                                                 write_incident: Write) -> None:
    text = ("\ufeffid: a\r\ntitle: Anruf\r\ndate: 2025-10-02\r\nstatus: mitigated\r\n"
            "severity: low\r\nstarted: \"10:00\"\r\nsummary: Rückruf an anna@gmail.com\r\n")
    path = write_incident("a", text)
    assert redact(runner).exit_code == 0
    assert path.read_bytes() == text.replace("anna@gmail.com", "[EMAIL_REDACTED]").encode()


def test_dry_run_prints_a_masked_diff_and_writes_nothing(runner: CliRunner,
                                                         write_incident: Write) -> None:
    path = write_incident(NAME, LEAKY)
    result = redact(runner, "--dry-run")
    assert result.exit_code == 0
    assert path.read_text(encoding="utf-8") == LEAKY
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"--- a/incidents/{NAME}.yaml", f"+++ b/incidents/{NAME}.yaml"]
    assert f"-      export STRIPE_SECRET_KEY=sk_l…({len(fx.STRIPE_LIVE)} chars)" in lines
    assert "+      export STRIPE_SECRET_KEY=[SECRET_REDACTED]" in lines
    for value, *_ in EXPECTED:
        assert value not in result.output
    assert "1 file would be redacted, 0 clean" in result.stderr


def test_select_redacts_only_those_rules(runner: CliRunner, write_incident: Write) -> None:
    path = write_incident(NAME, LEAKY)
    assert redact(runner, "--select", "P0").exit_code == 0
    text = path.read_text(encoding="utf-8")
    assert fx.STRIPE_LIVE not in text and "+44 20 7946 0958" in text


def test_a_file_with_yaml_errors_is_left_alone(runner: CliRunner, write_incident: Write) -> None:
    broken = "id: a\ntitle: [Anruf von +49 151 23456789\n"
    path = write_incident("a", broken)
    clean = write_incident("b", LEAKY.replace(NAME, "b"))
    result = redact(runner)
    assert result.exit_code == 1
    assert path.read_text(encoding="utf-8") == broken
    assert "incidents/a.yaml: not redacted: it cannot be read as YAML; fix what `postmortem " \
           "check` reports first" in result.stderr
    assert fx.STRIPE_LIVE not in clean.read_text(encoding="utf-8")


def test_clean_files_are_not_written(runner: CliRunner, write_incident: Write) -> None:
    path = write_incident("a")
    before = path.stat().st_mtime_ns
    result = redact(runner)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "0 files redacted, "
                                                                "1 clean\n")
    assert path.stat().st_mtime_ns == before


def test_a_change_that_would_alter_other_values_is_refused() -> None:
    text = 'summary: "Anruf\\t+49 151 23456789"\n'
    data = text.encode()
    (found,) = scanner(Privacy()).scan(data)
    # A finding whose text reads differently in the data (an escape inside it).
    start = text.index("\\t")
    odd = Finding("phone", "personal", start, found.end, text[start:found.end], 1, start + 1)
    with pytest.raises(Unsafe):
        redact_text(data, [odd], parse_text(text, "x").root)
    assert redact_text(data, [found], parse_text(text, "x").root) == \
        'summary: "Anruf\\t[PHONE_REDACTED]"\n'


HEAD = ("id: a\ntitle: Leak\ndate: 2025-10-02\nstatus: mitigated\nseverity: low\n"
        "started: \"10:00\"\n")


def test_a_finding_in_a_key_is_redacted_quoted_with_the_rest_of_the_file(
        runner: CliRunner, write_incident: Write) -> None:
    path = write_incident("a", HEAD + (
        f"summary: |\n  Token used: {fx.STRIPE_LIVE}\n"
        "header:\n  - max.mustermann@t-online.de: owner\n  - Kontakt: \"anna@gmx.de\"\n"))
    result = redact(runner)
    assert result.exit_code == 0, result.output
    assert path.read_text(encoding="utf-8") == HEAD + (
        "summary: |\n  Token used: [SECRET_REDACTED]\n"
        "header:\n  - \"[EMAIL_REDACTED]\": owner\n  - Kontakt: \"[EMAIL_REDACTED]\"\n")
    assert redact(runner).stderr == "0 files redacted, 1 clean\n"  # idempotent
    assert runner.invoke(main, ["check", "--strict"]).exit_code == 0


def test_what_cannot_be_redacted_is_named_and_the_rest_is_redacted(
        runner: CliRunner, write_incident: Write) -> None:
    # A private key inside a double-quoted value, its line ends written as \n escapes; the
    # same address once silenced by noqa, once not.
    key = ("-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n"
           "-----END PRIVATE KEY-----")
    text = HEAD + (
        f"summary: \"sa.json: \\\"private_key\\\": \\\"{key}\\n\\\"\"\n"
        "timeline:\n"
        "  - at: \"10:00\"\n"
        "    event: mail from anna@gmx.de  # noqa: P101 -- she agreed to be named\n"
        "  - at: \"10:01\"\n"
        "    event: again anna@gmx.de, call 0049 151 23456789\n")
    path = write_incident("a", text)
    dry = redact(runner, "--dry-run")
    assert dry.exit_code == 1
    assert "anna@gmx.de" not in dry.stdout and "MIIEv" not in dry.output
    result = redact(runner)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "incidents/a.yaml:7:39: not redacted: private key ----…(88 chars): the placeholder "
        "would change what else the file says (a value written with escapes or split over "
        "lines?); replace it by hand")
    assert "1 file redacted, 0 clean, 1 value to replace by hand" in result.stderr
    assert path.read_text(encoding="utf-8") == text.replace(
        "again anna@gmx.de, call 0049 151 23456789",
        "again [EMAIL_REDACTED], call [PHONE_REDACTED]")
