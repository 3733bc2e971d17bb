"""`postmortem new`: slugs, ids, the scaffold (valid as written, in both languages), no
overwrites, --edit; and the atomic-write helpers it shares with the rest of the project."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from postmortem.atomic import (
    WriteError,
    create_exclusive,
    write_bytes_atomic,
    write_text_atomic,
)
from postmortem.cli import main
from postmortem.format.ids import slugify
from postmortem.format.model import Incident, json_schema
from postmortem.format.scaffold import clean_title, scaffold_text
from postmortem.format.yamlread import parse_text

DAY = "2025-10-01"


def new(runner: CliRunner, *args: str, **kwargs: Any) -> Result:
    return runner.invoke(main, ["new", *args], **kwargs)


def check(runner: CliRunner, *paths: str) -> Result:
    result = runner.invoke(main, ["check", "--strict", *paths])
    assert result.stdout == "", result.stdout  # no problem lines at all, not even warnings
    return result


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


# ---- the command ------------------------------------------------------------------------

def test_creates_the_file_and_prints_its_path(repo: Path, runner: CliRunner) -> None:
    result = new(runner, "Database outage", "--date", DAY)
    assert result.exit_code == 0, result.output
    assert result.stdout == "incidents/2025-10-01-database-outage.yaml\n"
    assert result.stderr == ""
    data = load(repo / "incidents" / "2025-10-01-database-outage.yaml")
    assert (data["id"], data["title"], data["date"]) == (
        "2025-10-01-database-outage", "Database outage", dt.date(2025, 10, 1))
    assert (data["severity"], data["language"], data["timezone"]) == ("medium", "en", "UTC")


def test_title_words_need_no_quotes(repo: Path, runner: CliRunner) -> None:
    result = new(runner, "Checkout", "fails", "--date", DAY, "for", "EU")
    assert result.stdout == "incidents/2025-10-01-checkout-fails-for-eu.yaml\n"
    assert load(repo / "incidents/2025-10-01-checkout-fails-for-eu.yaml")["title"] == \
        "Checkout fails for EU"


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("severity", ["critical", "high", "medium", "low"])
def test_the_scaffold_passes_check_without_any_problem(repo: Path, runner: CliRunner,
                                                       language: str, severity: str) -> None:
    result = new(runner, "Störung: Zahlungs-API liefert 500", "--date", DAY,
                 "--severity", severity, "--language", language)
    assert result.exit_code == 0, result.output
    checked = check(runner, result.stdout.strip())
    assert (checked.exit_code, checked.stderr) == (0, "1 file checked, no problems\n")


def _placeholder_paths(value: Any, path: str = "") -> list[str]:
    """Dotted paths of the scaffold's TODO values, found by loading it (not by the rule)."""
    if isinstance(value, dict):
        return [p for k, v in value.items()
                for p in _placeholder_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _placeholder_paths(v, f"{path}[{i}]")]
    text = str(value).strip() if isinstance(value, str) else ""
    return [path] if text == "TODO" or text.startswith("TODO:") else []


@pytest.mark.parametrize("language", ["en", "de"])
def test_each_todo_left_is_reported_once_the_incident_is_resolved(
        repo: Path, runner: CliRunner, language: str) -> None:
    path = repo / new(runner, "Outage", "--date", DAY, "--language", language).stdout.strip()
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^status: investigating", "status: resolved", text)
    text = re.sub(r"(?m)^resolved:", 'resolved: "01:00"', text)
    path.write_text(text, encoding="utf-8")
    expected = _placeholder_paths(yaml.safe_load(text))
    assert len(expected) == 12  # summary, timeline, root cause, impact, lessons, items
    result = runner.invoke(main, ["check", "--format", "json", str(path)])
    found = json.loads(result.stdout)
    assert (result.exit_code, sorted(p["code"] for p in found)) == (0, ["C011"] * 12)
    assert sorted(p["field"] for p in found) == sorted(expected)
    for problem in found:  # each points at the word TODO in the file
        line = text.splitlines()[problem["line"] - 1]
        assert line[problem["col"] - 1:].startswith("TODO"), problem


def test_the_scaffold_has_every_field_of_the_schema_in_its_order(repo: Path,
                                                                  runner: CliRunner) -> None:
    new(runner, "Outage", "--date", DAY)
    text = (repo / "incidents/2025-10-01-outage.yaml").read_text(encoding="utf-8")
    assert list(yaml.safe_load(text)) == list(Incident.model_fields)
    first = text.splitlines()[0]
    assert first == "# yaml-language-server: $schema=incident.schema.json"
    assert '"00:00"' in text  # times quoted, as YAML 1.1 would read 10:30 as a number


def _shape(value: Any) -> Any:
    """The structure of loaded YAML with the (language-specific) texts left out."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


# Fields whose placeholder is a value of the format, the same in every language.
VALUE_FIELDS = {"id", "date", "timezone", "status", "severity", "started", "at", "outcome",
                "level", "priority", "due", "type"}


def _values(value: Any) -> Any:
    """The placeholders of VALUE_FIELDS, in the document's structure."""
    if isinstance(value, dict):
        kept = {k: _values(v) for k, v in value.items()
                if k in VALUE_FIELDS or isinstance(v, (dict, list))}
        return {k: v for k, v in kept.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [_values(v) for v in value if isinstance(v, (dict, list))]
    return str(value)


def test_both_languages_have_the_same_structure_and_placeholder_values() -> None:
    en, de = (yaml.safe_load(scaffold_text(incident_id="x", title="T", date=dt.date(2025, 1, 1),
                                           severity="high", language=lang, timezone="UTC"))
              for lang in ("en", "de"))
    assert _shape(en) == _shape(de)
    assert (en["language"], de["language"]) == ("en", "de")
    # The placeholders that are values, not prose, are the same in both languages ...
    assert _values(en) == _values(de)
    assert _values(en)["action_items"][0] == {"id": "AI-1", "priority": "high",
                                              "status": "todo", "due": "2025-01-31",
                                              "type": "repair"}
    # ... and the prose placeholders are translated.
    assert en["summary"] != de["summary"]
    assert en["action_items"][0]["title"] != de["action_items"][0]["title"]


def test_action_items_are_due_when_the_policy_says(repo: Path, runner: CliRunner) -> None:
    (repo / "postmortem.toml").write_text(
        'timezone = "Europe/Berlin"\n[due_days]\nhigh = 7\n', encoding="utf-8")
    new(runner, "Outage", "--date", DAY, "--severity", "high")
    data = load(repo / "incidents/2025-10-01-outage.yaml")
    assert data["timezone"] == "Europe/Berlin"
    assert [(i["priority"], i["due"]) for i in data["action_items"]] == \
        [("high", dt.date(2025, 10, 8))] * 2
    assert check(runner).exit_code == 0


def test_default_severity_is_medium_with_its_default_due_days(repo: Path,
                                                              runner: CliRunner) -> None:
    new(runner, "Outage", "--date", DAY)
    data = load(repo / "incidents/2025-10-01-outage.yaml")
    assert data["severity"] == "medium"
    assert {i["due"] for i in data["action_items"]} == {dt.date(2025, 11, 30)}  # +60 days


def test_default_date_is_today_in_the_configured_time_zone(repo: Path,
                                                           runner: CliRunner) -> None:
    # +14 hours: for ten hours a day its date differs from UTC's, so a UTC "today" shows.
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Pacific/Kiritimati")
    (repo / "postmortem.toml").write_text('timezone = "Pacific/Kiritimati"\n', encoding="utf-8")
    before = dt.datetime.now(zone).date()
    result = new(runner, "Outage")
    after = dt.datetime.now(zone).date()
    assert result.stdout.strip() in {f"incidents/{d.isoformat()}-outage.yaml"
                                     for d in (before, after)}


def test_default_language_comes_from_the_configuration(repo: Path, runner: CliRunner) -> None:
    (repo / "postmortem.toml").write_text('language = "de"\n', encoding="utf-8")
    new(runner, "Ausfall", "--date", DAY)
    text = (repo / "incidents/2025-10-01-ausfall.yaml").read_text(encoding="utf-8")
    assert "language: de" in text
    assert "# Meilensteine: der Bericht berechnet die Dauern daraus." in text


def test_german_scaffold_has_german_guidance(repo: Path, runner: CliRunner) -> None:
    new(runner, "Störung", "--date", DAY, "--language", "de")
    text = (repo / "incidents/2025-10-01-stoerung.yaml").read_text(encoding="utf-8")
    assert "language: de" in text
    assert "# Maßnahmen werden über die git-Historie nach id verfolgt" in text
    assert "Milestones" not in text


@pytest.mark.parametrize("language", ["en", "de"])
def test_scaffold_snapshot(repo: Path, runner: CliRunner, file_regression: Any,
                           language: str) -> None:
    result = new(runner, 'Störung: "Zahlungs-API" liefert 500 #prod', "--date", DAY,
                 "--severity", "high", "--language", language)
    path = repo / result.stdout.strip()
    file_regression.check(path.read_text(encoding="utf-8"), basename=f"scaffold_{language}",
                          extension=".yaml")


def test_uncommented_examples_are_valid_too(repo: Path, runner: CliRunner) -> None:
    """The scaffold promises that removing "# " from an example gives valid YAML."""
    for language in ("en", "de"):
        new(runner, "Outage", "--date", DAY, "--language", language, "--id", f"ex-{language}")
    # What the examples refer to.
    new(runner, "Old", "--id", "2025-09-12-cache-outage", "--date", "2025-09-12")
    new(runner, "Alt", "--id", "2025-09-12-cache-ausfall", "--date", "2025-09-12")
    (repo / "docs").mkdir()
    (repo / "docs/runbook.md").write_text("# Runbook\n", encoding="utf-8")
    for language in ("en", "de"):
        path = repo / f"incidents/ex-{language}.yaml"
        text = _uncomment_examples(path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        data = parse_text(text, path.name).data  # as `check` reads it: scalars stay text
        assert data is not None
        assert data["fixes"][0]["commands"] == "kubectl rollout undo deployment/api\n"
        assert data["impact"]["user"]["figures"]
        assert data["sign_off"]["fields"]
        assert data["footer"] == [{"Version": "1.0"}]
        assert data["titles"]["fixes"]
    assert check(runner).exit_code == 0


def _uncomment_examples(text: str) -> str:
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    indent: int | None = None
    for index, line in enumerate(lines):
        if indent is not None and line.startswith(" " * indent + "# "):
            out.append(line[:indent] + line[indent + 2:])
            continue
        indent = None
        following = lines[index + 1] if index + 1 < len(lines) else ""
        key = re.match(r"^( *)[a-z_]+:( \[\]| \{\})?  #", line)
        if key and following.startswith(key.group(1) + "# "):
            indent = len(key.group(1))
            line = line.replace(": []", ":", 1).replace(": {}", ":", 1)
        out.append(line)
    return "".join(out)


def test_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["new", "--help"])
    assert result.exit_code == 0
    for words in ("--date YYYY-MM-DD", "--severity", "--language", "--id ID", "--edit",
                  "Never overwrites", "default: medium", "relative to the repository root"):
        assert words in result.output


def test_missing_title_is_a_usage_error(repo: Path, runner: CliRunner) -> None:
    result = new(runner)
    assert result.exit_code == 2
    assert "Missing argument 'TITLE...'" in result.stderr


def test_blank_title_is_refused(repo: Path, runner: CliRunner) -> None:
    result = new(runner, "  \n ", "--date", DAY)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("postmortem: error: the title is empty\n")


@pytest.mark.parametrize("date", ["2025-13-01", "2025-02-30", "01.10.2025", "yesterday"])
def test_bad_date_is_a_usage_error(repo: Path, runner: CliRunner, date: str) -> None:
    result = new(runner, "Outage", "--date", date)
    assert result.exit_code == 2
    # 2025-02-30 has the format; it is no day (click said "does not match the format").
    assert result.stderr.startswith(f"postmortem: error: --date '{date}' is not a date; write "
                                    "it as YYYY-MM-DD, e.g. 2025-10-20\n")
    assert list((repo / "incidents").iterdir()) == []


# ---- slugs ------------------------------------------------------------------------------

@pytest.mark.parametrize(("title", "slug"), [
    ("Störung", "stoerung"),
    ("Ärger über Öl: Straße gesperrt", "aerger-ueber-oel-strasse-gesperrt"),
    ("STÖRUNG GROSS", "stoerung-gross"),
    ("Sto\u0308rung (decomposed)", "stoerung-decomposed"),  # as some keyboards send it
    ("Café résumé, naïve façade", "cafe-resume-naive-facade"),
    ("Øresund łódź", "oresund-lodz"),
    ("Don't panic!!! 500 -- errors?", "dont-panic-500-errors"),
    ("  --Hello,   World--  ", "hello-world"),
    ("API v2.1 / EU_west", "api-v2-1-eu-west"),
    ("🔥🔥🔥", "incident"),
    ("日本語のタイトル", "incident"),
    ("!!!", "incident"),
])
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_long_slugs_are_cut_at_a_hyphen() -> None:
    title = "Payment provider timeouts cascade into checkout failures across all EU regions"
    slug = slugify(title)
    assert slug == "payment-provider-timeouts-cascade-into-checkout-failures"
    assert len(slug) <= 60
    assert slugify("x" * 100) == "x" * 60  # no hyphen to cut at
    assert slugify("a-" + "b" * 70) == "a-" + "b" * 58  # a hyphen cut would keep too little


@given(st.text())
def test_every_slug_is_a_valid_short_ascii_id_part(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert len(slug) <= 60


def test_emoji_only_title(repo: Path, runner: CliRunner) -> None:
    result = new(runner, "🔥🔥", "--date", DAY)
    assert result.stdout == "incidents/2025-10-01-incident.yaml\n"
    assert load(repo / "incidents/2025-10-01-incident.yaml")["title"] == "🔥🔥"
    assert check(runner).exit_code == 0


def test_sixty_character_cap_through_the_cli(repo: Path, runner: CliRunner) -> None:
    result = new(runner, "Über " * 30, "--date", DAY)
    stem = Path(result.stdout.strip()).stem
    assert stem == "2025-10-01-" + "-".join(["ueber"] * 10)
    assert len(stem) - len("2025-10-01-") == 59


@given(st.text(min_size=1).filter(lambda t: t.split()))
def test_any_title_reads_back_unchanged(title: str) -> None:
    text = scaffold_text(incident_id="x", title=clean_title(title), date=dt.date(2025, 1, 1),
                         severity="low", language="en", timezone="UTC")
    parsed = parse_text(text, "x.yaml")
    assert parsed.data is not None and parsed.data["title"] == " ".join(title.split())
    assert not [p for p in parsed.problems if p.severity == "error"]


# ---- ids and no overwrites --------------------------------------------------------------

def test_an_existing_id_is_refused_and_the_file_left_alone(repo: Path,
                                                           runner: CliRunner) -> None:
    path = repo / "incidents/2025-10-01-outage.yaml"
    path.write_text("id: 2025-10-01-outage\n# my notes\n", encoding="utf-8")
    before = path.stat()
    result = new(runner, "Outage", "--date", DAY)
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (
        "postmortem: error: incident '2025-10-01-outage' already exists: "
        "incidents/2025-10-01-outage.yaml; `postmortem new` never overwrites a file\n"
        "  hint: choose another id, e.g. --id 2025-10-01-outage-2\n")
    assert path.read_text(encoding="utf-8") == "id: 2025-10-01-outage\n# my notes\n"
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp files


def test_the_suggested_id_is_free_and_works(repo: Path, runner: CliRunner) -> None:
    for _ in range(2):
        new(runner, "Outage", "--date", DAY)
    new(runner, "Outage", "--date", DAY, "--id", "2025-10-01-outage-2")
    result = new(runner, "Outage", "--date", DAY)
    assert "--id 2025-10-01-outage-3\n" in result.stderr
    assert new(runner, "Outage", "--id", "2025-10-01-outage-3", "--date", DAY).exit_code == 0


def test_an_id_used_in_a_sub_folder_is_taken_too(repo: Path, runner: CliRunner) -> None:
    (repo / "incidents/2025").mkdir()
    (repo / "incidents/2025/2025-10-01-outage.yaml").write_text("x: 1\n", encoding="utf-8")
    result = new(runner, "Outage", "--date", DAY)
    assert result.exit_code == 1
    assert "already exists: incidents/2025/2025-10-01-outage.yaml" in result.stderr
    assert not (repo / "incidents/2025-10-01-outage.yaml").exists()


def test_explicit_id(repo: Path, runner: CliRunner) -> None:
    result = new(runner, "Database outage", "--id", "db-outage", "--date", DAY)
    assert result.stdout == "incidents/db-outage.yaml\n"
    assert load(repo / "incidents/db-outage.yaml")["id"] == "db-outage"
    assert check(runner).exit_code == 0


@pytest.mark.parametrize("bad", ["../evil", "Evil", "-evil", "a/b", "evil.yaml", "a" * 81,
                                 "evil\n", "", "ev il"])
def test_bad_ids_are_usage_errors_and_write_nothing(repo: Path, runner: CliRunner,
                                                    bad: str) -> None:
    result = new(runner, "Outage", "--id", bad, "--date", DAY)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"postmortem: error: --id '{bad}' is not a valid incident id")
    assert list((repo / "incidents").iterdir()) == []
    assert not (repo / "evil.yaml").exists()


def test_yaml_suffix_in_id_gets_a_hint(repo: Path, runner: CliRunner) -> None:
    result = new(runner, "Outage", "--id", "outage.yaml")
    assert result.stderr.endswith("  hint: leave out the .yaml\n")


def test_a_missing_incidents_folder_is_created(repo: Path, runner: CliRunner) -> None:
    (repo / "incidents").rmdir()
    (repo / "postmortem.toml").write_text('incidents_dir = "ops/incidents"\n',
                                          encoding="utf-8")
    result = new(runner, "Outage", "--date", DAY)
    assert result.stdout == "ops/incidents/2025-10-01-outage.yaml\n"
    assert (repo / "ops/incidents/2025-10-01-outage.yaml").is_file()


def test_from_a_sub_folder_the_path_is_relative_to_the_root(
        repo: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "docs").mkdir()
    monkeypatch.chdir(repo / "docs")
    result = new(runner, "Outage", "--date", DAY)
    assert result.stdout == "incidents/2025-10-01-outage.yaml\n"
    assert (repo / "incidents/2025-10-01-outage.yaml").is_file()


def test_a_file_where_the_incidents_folder_should_be(repo: Path, runner: CliRunner) -> None:
    (repo / "incidents").rmdir()
    (repo / "incidents").write_text("not a folder\n", encoding="utf-8")
    result = new(runner, "Outage", "--date", DAY)
    assert result.exit_code == 1
    assert result.stderr == ("postmortem: error: cannot create the incidents folder "
                             "'incidents': a file of that name is in the way\n")


# ---- --edit -----------------------------------------------------------------------------

@pytest.fixture
def editor(tmp_path: Path) -> tuple[str, Path]:
    """An "editor" that records its arguments (one a line) and exits with $EDITOR_EXIT."""
    record = tmp_path / "editor-args.txt"
    script = tmp_path / "editor.py"
    script.write_text(
        "import os, sys\n"
        f"open({str(record)!r}, 'a', encoding='utf-8').write(''.join(a + '\\n' for a in "
        "sys.argv[1:]))\n"
        "sys.exit(int(os.environ.get('EDITOR_EXIT', '0')))\n", encoding="utf-8")
    return f"{sys.executable} {script}", record


def test_edit_opens_editor_with_the_new_file(repo: Path, runner: CliRunner,
                                             editor: tuple[str, Path]) -> None:
    command, record = editor
    result = new(runner, "Outage", "--date", DAY, "--edit",
                 env={"VISUAL": None, "EDITOR": command})
    assert result.exit_code == 0, result.output
    assert result.stdout == "incidents/2025-10-01-outage.yaml\n"
    assert record.read_text(encoding="utf-8") == \
        f"{repo / 'incidents/2025-10-01-outage.yaml'}\n"


def test_edit_prefers_visual(repo: Path, runner: CliRunner, editor: tuple[str, Path]) -> None:
    command, record = editor
    result = new(runner, "Outage", "--date", DAY, "--edit",
                 env={"VISUAL": command, "EDITOR": "false"})
    assert result.exit_code == 0, result.output
    assert record.read_text(encoding="utf-8").endswith("2025-10-01-outage.yaml\n")


def test_edit_without_an_editor_writes_nothing(repo: Path, runner: CliRunner) -> None:
    result = new(runner, "Outage", "--date", DAY, "--edit", env={"VISUAL": None, "EDITOR": ""})
    assert (result.exit_code, result.stdout) == (2, "")
    assert "neither $VISUAL nor $EDITOR is set" in result.stderr
    assert list((repo / "incidents").iterdir()) == []


def test_a_failing_editor_is_reported_and_the_file_kept(repo: Path, runner: CliRunner,
                                                        editor: tuple[str, Path]) -> None:
    command, _ = editor
    result = new(runner, "Outage", "--date", DAY, "--edit",
                 env={"VISUAL": None, "EDITOR": command, "EDITOR_EXIT": "3"})
    assert result.exit_code == 1
    assert "Editing failed" in result.stderr
    assert (repo / "incidents/2025-10-01-outage.yaml").is_file()


# ---- the installed entry point ----------------------------------------------------------

def test_installed_entry_point(repo: Path) -> None:
    exe = shutil.which("postmortem", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run([exe, "new", "Störung", "--date", DAY, "--language", "de"],
                          capture_output=True, text=True, encoding="utf-8", check=False)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "incidents/2025-10-01-stoerung.yaml\n", "")
    done = subprocess.run([exe, "check", "--strict"], capture_output=True, text=True,
                          encoding="utf-8", check=False)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "1 file checked, no problems\n")


# ---- atomic writes ----------------------------------------------------------------------

def test_write_text_atomic_creates_and_replaces_exactly(tmp_path: Path) -> None:
    path = tmp_path / "report.md"
    write_text_atomic(path, "eins\r\nzwei ✅\n")
    assert path.read_bytes() == "eins\r\nzwei ✅\n".encode()
    os.chmod(path, 0o640)
    write_text_atomic(path, "drei\n")
    assert path.read_bytes() == b"drei\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # a replaced file keeps its mode
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_new_files_get_the_usual_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_bytes_atomic(tmp_path / "a", b"x")
        create_exclusive(tmp_path / "b", "x")
    finally:
        os.umask(old)
    assert {stat.S_IMODE((tmp_path / n).stat().st_mode) for n in "ab"} == {0o644}


def test_a_failed_write_leaves_no_temp_file(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "x").mkdir()  # a folder cannot be replaced by a file
    with pytest.raises(WriteError, match=r"^cannot write .*/out/x: Is a directory; nothing "
                                         r"was half-written$"):
        write_text_atomic(folder / "x", "text")
    assert [p.name for p in folder.iterdir()] == ["x"]
    with pytest.raises(WriteError, match="No such file or directory"):
        write_text_atomic(tmp_path / "missing" / "x", "text")


def test_create_exclusive_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    create_exclusive(path, "first\n")
    with pytest.raises(FileExistsError):
        create_exclusive(path, "second\n")
    assert path.read_text(encoding="utf-8") == "first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]


def test_create_exclusive_without_hard_links(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def no_links(src: object, dst: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)  # as on FAT or some network shares
    path = tmp_path / "a.yaml"
    create_exclusive(path, "first ✅\n")
    with pytest.raises(FileExistsError):
        create_exclusive(path, "second\n")
    assert path.read_text(encoding="utf-8") == "first ✅\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]


def test_the_scaffolds_schema_reference_points_at_the_schema(repo: Path,
                                                             runner: CliRunner) -> None:
    """The first line names a file relative to the incident (as the YAML language server
    resolves it); `new` writes it there, and refreshes only a copy it wrote itself."""
    import json

    from jsonschema import Draft202012Validator

    new(runner, "Outage", "--date", DAY)
    path = repo / "incidents" / "2025-10-01-outage.yaml"
    reference = path.read_text(encoding="utf-8").splitlines()[0].partition("$schema=")[2]
    schema = json.loads((path.parent / reference).read_text(encoding="utf-8"))
    assert {k: v for k, v in schema.items() if k != "generated_by"} == json_schema()
    # As an editor sees it (YAML 1.2: a date is text).
    data = json.loads(json.dumps(yaml.safe_load(path.read_text("utf-8")), default=str))
    assert [e.message for e in Draft202012Validator(schema).iter_errors(data)] == []
    (path.parent / reference).write_text("{}", encoding="utf-8")  # not ours: left alone
    assert new(runner, "Second", "--date", DAY).exit_code == 0
    assert (path.parent / reference).read_text(encoding="utf-8") == "{}"


def test_schema_output_writes_the_file_the_scaffold_names(repo: Path,
                                                          runner: CliRunner) -> None:
    result = runner.invoke(main, ["schema", "--output", "incidents/incident.schema.json"])
    assert (result.exit_code, result.stderr) == (0, "Wrote incidents/incident.schema.json\n")
    again = runner.invoke(main, ["schema", "-o", "incidents/incident.schema.json"])
    assert again.stderr == "Unchanged: incidents/incident.schema.json\n"
    (repo / "mine.json").write_text("{}", encoding="utf-8")
    refused = runner.invoke(main, ["schema", "-o", "mine.json"])
    assert refused.exit_code == 1
    assert "'mine.json' exists and was not written by postmortem" in refused.stderr


# ---- the schema file: built only when what it is made of changed --------------------------

SCHEMA = "incidents/incident.schema.json"


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def _no_build(monkeypatch: pytest.MonkeyPatch) -> None:
    from postmortem.format import model

    def fail() -> None:
        raise AssertionError("the schema was built")

    monkeypatch.setattr(model, "json_schema", fail)


def test_a_current_schema_is_neither_built_nor_written_again(
        repo: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from postmortem.format.scaffold import schema_text

    first = new(runner, "Outage", "--date", DAY)
    schema = repo / SCHEMA
    written, before = schema.read_bytes(), _stat(schema)
    assert written == schema_text().encode("utf-8")
    _no_build(monkeypatch)
    second = new(runner, "Second outage", "--date", DAY)
    assert (second.exit_code, second.stdout, second.stderr) == (
        0, "incidents/2025-10-01-second-outage.yaml\n", "")
    assert (first.exit_code, first.stderr) == (0, "")
    assert (schema.read_bytes(), _stat(schema)) == (written, before)


@pytest.mark.parametrize("edit", ["stale", "hand-edited"])
def test_a_stale_or_edited_schema_of_ours_is_replaced_as_before(
        repo: Path, runner: CliRunner, edit: str) -> None:
    from postmortem.format.scaffold import schema_text

    new(runner, "Outage", "--date", DAY)  # the cache is current
    schema = repo / SCHEMA
    data = json.loads(schema.read_text(encoding="utf-8"))
    if edit == "stale":  # as an older version wrote it
        data["properties"]["title"]["description"] = "Title."
        schema.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    else:
        schema.write_text(schema.read_text(encoding="utf-8").replace("  ", "    "),
                          encoding="utf-8")
    assert new(runner, "Second", "--date", DAY).exit_code == 0
    assert schema.read_bytes() == schema_text().encode("utf-8")


def test_a_schema_not_ours_is_left_alone_without_building_one(
        repo: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = repo / SCHEMA
    schema.write_text('{"$schema": "mine"}\n', encoding="utf-8")
    _no_build(monkeypatch)
    result = new(runner, "Outage", "--date", DAY)
    assert (result.exit_code, result.stderr) == (0, "")
    assert schema.read_text(encoding="utf-8") == '{"$schema": "mine"}\n'
    refused = runner.invoke(main, ["schema", "-o", SCHEMA])
    assert refused.exit_code == 1
    assert "exists and was not written by postmortem" in refused.stderr


def test_a_changed_tz_database_rebuilds_the_schema(
        repo: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from postmortem.format import model, times

    new(runner, "Outage", "--date", DAY)
    names = times.zone_names() | {"Mars/Olympus_Mons"}
    for module in (times, model):
        monkeypatch.setattr(module, "zone_names", lambda: names)
    assert new(runner, "Second", "--date", DAY).exit_code == 0
    schema = json.loads((repo / SCHEMA).read_text(encoding="utf-8"))
    assert "Mars/Olympus_Mons" in schema["$defs"]["TimeZone"]["enum"]


def test_a_changed_source_or_a_tampered_cache_rebuilds_the_schema(
        repo: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    from postmortem.format import scaffold

    new(runner, "Outage", "--date", DAY)
    package, inputs = scaffold._PACKAGE, scaffold.schema_inputs()
    assert inputs is not None and scaffold.schema_inputs() == inputs
    copy = tmp_path / "package"
    for name in scaffold.SCHEMA_SOURCES:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(scaffold._PACKAGE / name, copy / name)
    monkeypatch.setattr(scaffold, "_PACKAGE", copy)
    assert scaffold.schema_inputs() == inputs
    with (copy / "format/vocabulary.py").open("a", encoding="utf-8") as f:
        f.write("# another word\n")
    assert scaffold.schema_inputs() != inputs

    # A cache whose text was changed under its digest line is built again.
    cache = repo / ".git" / "postmortem" / scaffold.SCHEMA_CACHE
    first, _, body = cache.read_text(encoding="utf-8").partition("\n")
    assert first.startswith(inputs + " ")
    monkeypatch.setattr(scaffold, "_PACKAGE", package)
    cache.write_text(first + "\n" + body.replace("One-line title.", "Any title."),
                     encoding="utf-8")
    (repo / SCHEMA).unlink()
    assert new(runner, "Second", "--date", DAY).exit_code == 0
    assert (repo / SCHEMA).read_text(encoding="utf-8") == scaffold.schema_text()


def test_the_schema_digest_covers_every_module_the_models_import() -> None:
    from postmortem.format.scaffold import _PACKAGE, SCHEMA_SOURCES

    code = ("import sys, postmortem.format.model\n"
            "print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
            "if n.split('.')[0] == 'postmortem'))")
    files = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split()
    assert {Path(f).resolve().relative_to(_PACKAGE).as_posix() for f in files} \
        <= set(SCHEMA_SOURCES)
