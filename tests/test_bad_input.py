"""The bad-input corpus: each broken file gives one exact message, a non-zero exit, no traceback."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from postmortem.cli import main

Write = Callable[..., Path]
MOJIBAKE = "‚úÖ"

_HEADER = {
    "id": "{id}",
    "title": "Checkout returns 500",
    "date": "2024-01-01",
    "status": "investigating",
    "severity": "high",
    "started": "10:30",
}


def doc(name: str, extra: str = "", **fields: str | None) -> str:
    """An incident called ``name``: the header (lines 1-6: id, title, date, status, severity,
    started; ``fields`` replace values, None drops a line) then ``extra`` from line 7."""
    header = {**_HEADER, **fields}
    lines = [f"{key}: {value.replace('{id}', name)}" for key, value in header.items()
             if value is not None]
    return "\n".join(lines) + "\n" + textwrap.dedent(extra)


def check(runner: CliRunner, *args: str) -> Result:
    """``postmortem check ARGS`` through the real CLI; never a traceback, never a bug exit.

    The documents here are reduced to what each test is about: whether a resolved report
    is complete (C009, tests/test_consistency.py) is not.
    """
    result = runner.invoke(main, ["check", "--ignore", "C009", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code != 3, result.output
    return result


def assert_reported(result: Result, *lines: str, exit_code: int = 1) -> None:
    """stdout is exactly ``lines`` (one problem each) and the exit code is ``exit_code``."""
    assert result.stdout == "".join(line + "\n" for line in lines)
    assert result.exit_code == exit_code


# ---- YAML and encoding -------------------------------------------------------------------

def test_yaml_syntax_error(runner: CliRunner, write_incident: Write) -> None:
    write_incident("syntax", doc("syntax", "tags: [database, outage\nsummary: text\n"))
    assert_reported(check(runner), "incidents/syntax.yaml:8:8: error: YAML syntax error: did "
                    "not find expected ',' or ']' (while parsing a flow sequence) [Y004]")


def test_colon_in_plain_value(runner: CliRunner, write_incident: Write) -> None:
    write_incident("colon", doc("colon", "summary: Cause: the cache\n"))
    assert_reported(check(runner), "incidents/colon.yaml:7:15: error: YAML syntax error: "
                    "mapping values are not allowed in this context; a value containing ': ' "
                    "must be quoted [Y004]")


def test_tab_indentation(runner: CliRunner, write_incident: Write) -> None:
    write_incident("tabs", doc("tabs", "timeline:\n\t- at: 10:30\n\t  event: Alert\n"))
    assert_reported(check(runner), "incidents/tabs.yaml:8:1: error: YAML syntax error: a tab "
                    "is used for indentation; indent with spaces, not tabs [Y004]")


def test_invalid_utf8(runner: CliRunner, write_incident: Write) -> None:
    write_incident("latin1", doc("latin1", "summary: Caf\xe9 down\n").encode("latin-1"))
    assert_reported(check(runner), "incidents/latin1.yaml:7:13: error: not valid UTF-8 "
                    "(byte 0xe9); save the file as UTF-8 [Y003]")


def test_utf8_byte_order_mark_is_accepted(runner: CliRunner, write_incident: Write) -> None:
    write_incident("bom", b"\xef\xbb\xbf" + doc("bom", "summary: Caf\xe9 down\n").encode())
    result = check(runner)
    assert_reported(result, exit_code=0)
    assert result.stderr == "1 file checked, no problems\n"


def test_nul_character(runner: CliRunner, write_incident: Write) -> None:
    write_incident("nul", doc("nul", "summary: before\x00after\n"))
    assert_reported(check(runner), "incidents/nul.yaml:7:16: error: control character U+0000 "
                    "(NUL) is not allowed in YAML; remove it [Y006]")


def test_control_character_after_non_ascii(runner: CliRunner, write_incident: Write) -> None:
    # The column counts characters, not bytes, although libyaml reports a byte offset.
    write_incident("esc", doc("esc", "summary: Störung \x1b[31mred\n"))
    assert_reported(check(runner), "incidents/esc.yaml:7:18: error: control character U+001B "
                    "(ESC) is not allowed in YAML; remove it [Y006]")


def test_multiple_documents(runner: CliRunner, write_incident: Write) -> None:
    write_incident("multi", doc("multi", "---\nid: multi-2\n"))
    assert_reported(check(runner), "incidents/multi.yaml:7:1: error: a second YAML document "
                    "starts here ('---'); an incident file holds exactly one: move the rest to "
                    "its own file [Y005]")


def test_empty_file(runner: CliRunner, write_incident: Write) -> None:
    write_incident("empty", "")
    assert_reported(check(runner), "incidents/empty.yaml:1:1: error: file is empty; an "
                    "incident needs at least id, title, date, status, severity and started "
                    "(`postmortem new` writes a complete scaffold) [Y007]")


def test_file_of_only_comments_is_empty(runner: CliRunner, write_incident: Write) -> None:
    write_incident("comments", "# to do\n\n# later\n")
    assert_reported(check(runner), "incidents/comments.yaml:1:1: error: file is empty; an "
                    "incident needs at least id, title, date, status, severity and started "
                    "(`postmortem new` writes a complete scaffold) [Y007]")


def test_list_instead_of_mapping(runner: CliRunner, write_incident: Write) -> None:
    write_incident("list", "- id: list\n- title: Checkout returns 500\n")
    assert_reported(check(runner), "incidents/list.yaml:1:1: error: the file must be a mapping "
                    "of fields (id: ..., title: ...), but it is a list [Y008]")


def test_single_value_instead_of_mapping(runner: CliRunner, write_incident: Write) -> None:
    write_incident("scalar", "Checkout returns 500\n")
    assert_reported(check(runner), "incidents/scalar.yaml:1:1: error: the file must be a "
                    "mapping of fields (id: ..., title: ...), but it is a single value [Y008]")


def test_duplicate_key_is_an_error_not_last_wins(runner: CliRunner, write_incident: Write) -> None:
    write_incident("dup", doc("dup", "severity: low\n"))
    assert_reported(check(runner), "incidents/dup.yaml:7:1: error: severity: duplicate key "
                    "'severity' (first at line 5); YAML would silently keep only the last one: "
                    "merge them or rename one [Y012]")


def test_duplicate_key_in_nested_mapping(runner: CliRunner, write_incident: Write) -> None:
    write_incident("dup-nested", doc("dup-nested", """\
        timeline:
          - at: 10:30
            event: Alert fired
            event: Pager rang
        """))
    assert_reported(check(runner), "incidents/dup-nested.yaml:10:5: error: timeline[0].event: "
                    "duplicate key 'event' (first at line 9); YAML would silently keep only the "
                    "last one: merge them or rename one [Y012]")


# ---- unsafe or oversized input -----------------------------------------------------------

def test_python_object_tag(runner: CliRunner, write_incident: Write) -> None:
    write_incident("tag", doc("tag", "summary: !!python/object:collections.OrderedDict {}\n"))
    assert_reported(check(runner), "incidents/tag.yaml:7:10: error: summary: YAML tag "
                    "'!!python/object:collections.OrderedDict' is not allowed: incident files "
                    "hold plain text, lists and mappings only (nothing is ever constructed from "
                    "tags) [Y011]")


def test_python_object_apply_tag_runs_nothing(
        runner: CliRunner, write_incident: Write, repo: Path) -> None:
    write_incident("apply", doc("apply", "summary: !!python/object/apply:os.system "
                                         "['touch pwned']\n"))
    assert_reported(check(runner), "incidents/apply.yaml:7:10: error: summary: YAML tag "
                    "'!!python/object/apply:os.system' is not allowed: incident files hold plain "
                    "text, lists and mappings only (nothing is ever constructed from tags) [Y011]")
    assert not (repo / "pwned").exists()


def test_alias_bomb(runner: CliRunner, write_incident: Write) -> None:
    # Billion laughs: 9 levels of 9 aliases each would expand to 9**9 values.
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    write_incident("bomb", doc("bomb", "\n".join(lines) + "\n"))
    assert_reported(check(runner), "incidents/bomb.yaml:12:1: error: a5: the document expands "
                    "to more than 100,000 values through YAML aliases (an 'alias bomb'); remove "
                    "the anchors (&) and aliases (*) [Y010]")


def test_deep_nesting(runner: CliRunner, write_incident: Write) -> None:
    # libyaml composes recursively in C: 100,000 levels would crash the interpreter. The
    # document's mapping is level 1, so the 100th bracket (column 109) is one too many.
    write_incident("deep", doc("deep", "summary: " + "[" * 100_000 + "]" * 100_000 + "\n"))
    assert_reported(check(runner), "incidents/deep.yaml:7:109: error: lists and mappings are "
                    "nested more than 100 levels deep here; incident files need a few levels "
                    "[Y009]")


def test_deep_block_nesting(runner: CliRunner, write_incident: Write) -> None:
    # Indentation nests too: key 0 is level 2, so key 99 (line 107) is level 101.
    body = "deep:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(300))
    write_incident("deep-block", doc("deep-block", body))
    assert_reported(check(runner), "incidents/deep-block.yaml:107:101: error: lists and "
                    "mappings are nested more than 100 levels deep here; incident files need a "
                    "few levels [Y009]")


def test_deep_nesting_through_aliases(runner: CliRunner, write_incident: Write) -> None:
    deep = "[" * 40 + "{ref}" + "]" * 40
    lines = ["n0: &n0 " + deep.format(ref="x")]
    lines += [f"n{i}: &n{i} " + deep.format(ref=f"*n{i - 1}") for i in range(1, 4)]
    write_incident("deep-alias", doc("deep-alias", "\n".join(lines) + "\n"))
    assert_reported(check(runner), "incidents/deep-alias.yaml:9:1: error: n2: lists and "
                    "mappings are nested more than 100 levels deep (through YAML aliases); "
                    "incident files need a few levels [Y009]")


def test_20_mb_file_is_over_the_size_cap(runner: CliRunner, write_incident: Write) -> None:
    body = "summary: |\n" + ("  " + "x" * 97 + "\n") * 200_000
    path = write_incident("huge", doc("huge", body))
    size = path.stat().st_size
    assert size > 20_000_000
    assert_reported(check(runner), f"incidents/huge.yaml:1:1: error: file is {size:,} bytes, "
                    "over the limit of 1,048,576; incident files are a few KB (raise "
                    "max_file_size in the configuration if this one really is that large) [Y002]")


def test_size_cap_is_configurable(runner: CliRunner, write_incident: Write, repo: Path) -> None:
    body = "summary: |\n" + ("  " + "x" * 97 + "\n") * 15_000  # 1.5 MB: over the default cap
    path = write_incident("big", doc("big", body))
    assert check(runner).exit_code == 1
    (repo / "pyproject.toml").write_text("[tool.postmortem]\nmax_file_size = 2_000_000\n")
    assert_reported(check(runner), exit_code=0)
    (repo / "pyproject.toml").write_text("[tool.postmortem]\nmax_file_size = 1_000\n")
    size = path.stat().st_size
    assert_reported(check(runner), f"incidents/big.yaml:1:1: error: file is {size:,} bytes, "
                    "over the limit of 1,000; incident files are a few KB (raise max_file_size "
                    "in the configuration if this one really is that large) [Y002]")


# ---- schema ------------------------------------------------------------------------------

def test_wrong_type_text_for_list(runner: CliRunner, write_incident: Write) -> None:
    write_incident("type", doc("type", "tags: database\n"))
    assert_reported(check(runner), "incidents/type.yaml:7:7: error: tags: expected a list "
                    "(lines starting with '- '), found 'database' [S003]")


def test_wrong_type_list_for_text(runner: CliRunner, write_incident: Write) -> None:
    write_incident("type-list", doc("type-list", "timeline:\n  - at: 10:30\n    event: [a, b]\n"))
    assert_reported(check(runner), "incidents/type-list.yaml:9:12: error: timeline[0].event: "
                    "expected text, found a list [S003]")


def test_wrong_type_date(runner: CliRunner, write_incident: Write) -> None:
    write_incident("bad-date", doc("bad-date", date="2024-02-30"))
    assert_reported(check(runner), "incidents/bad-date.yaml:3:7: error: date: '2024-02-30' is "
                    "not a date; write YYYY-MM-DD [S005]")


def test_wrong_type_in_a_union(runner: CliRunner, write_incident: Write) -> None:
    # A checklist item is text or a mapping: report the member that fits the value's shape,
    # without pydantic's member names (`ChecklistItem`, `str`) in the field path.
    write_incident("union", doc("union", """\
        next_steps:
          - items:
              - Restart the workers
              - text: Add an alert
                done: maybe
              - [a, b]
        """))
    assert_reported(
        check(runner),
        "incidents/union.yaml:11:15: error: next_steps[0].items[1].done: 'maybe' is not true "
        "or false [S003]",
        "incidents/union.yaml:12:9: error: next_steps[0].items[2]: expected text or a mapping, "
        "found a list [S003]")


def test_unknown_key_did_you_mean(runner: CliRunner, write_incident: Write) -> None:
    write_incident("typo", doc("typo", "sumary: The cache was stale.\n"))
    assert_reported(check(runner), "incidents/typo.yaml:7:1: error: sumary: unknown field "
                    "'sumary'; did you mean 'summary'? [S002]")


def test_unknown_nested_key_did_you_mean(runner: CliRunner, write_incident: Write) -> None:
    write_incident("typo-nested", doc("typo-nested", """\
        action_items:
          - id: AI-1
            title: Add a cache check
            owner: sre
            priority: high
            status: todo
            due: 2024-01-10
            onwer: sre
        """))
    assert_reported(check(runner), "incidents/typo-nested.yaml:14:5: error: "
                    "action_items[0].onwer: unknown field 'onwer'; did you mean 'owner'? [S002]")


def test_missing_required_field(runner: CliRunner, write_incident: Write) -> None:
    write_incident("missing", doc("missing", severity=None))
    assert_reported(check(runner), "incidents/missing.yaml:1:1: error: severity: required field "
                    "is missing [S001]")


def test_unknown_enum_value(runner: CliRunner, write_incident: Write) -> None:
    write_incident("enum", doc("enum", severity="urgent"))
    assert_reported(check(runner), "incidents/enum.yaml:5:11: error: severity: 'urgent' is not "
                    "allowed here; use 'critical', 'high', 'medium', 'low' or 'unknown' [S004]")


def test_id_with_dot_dot_slash(runner: CliRunner, write_incident: Write) -> None:
    write_incident("escape", doc("escape", id="../../etc/passwd"))
    assert_reported(check(runner), "incidents/escape.yaml:1:5: error: id: '../../etc/passwd' is "
                    "not valid here: use lowercase letters, digits and hyphens, starting with a "
                    "letter or digit (no spaces, dots or slashes) [S005]")


def test_id_does_not_match_file_name(runner: CliRunner, write_incident: Write) -> None:
    write_incident("2024-01-01-checkout", doc("2024-01-01-checkout", id="2024-01-02-checkout"))
    assert_reported(check(runner), "incidents/2024-01-01-checkout.yaml:1:5: error: id: id "
                    "'2024-01-02-checkout' does not match the file name "
                    "'2024-01-01-checkout.yaml'; rename the file or change the id (ids must "
                    "stay stable) [M001]")


def test_unquoted_time_is_a_time(runner: CliRunner, write_incident: Write) -> None:
    # YAML 1.1 reads 10:30 as the integer 630; the loader keeps the text as written.
    write_incident("times", doc("times", """\
        detected: 10:45
        timeline:
          - at: 10:30
            event: Deploy
          - at: 10:45:30
            event: Alert
        """))
    assert_reported(check(runner), exit_code=0)


def test_unquoted_time_is_compared_as_a_time(runner: CliRunner, write_incident: Write) -> None:
    # As YAML 1.1 integers 10:29:59 (37799) would come after 10:30 (630); as times it is before.
    write_incident("order", doc("order", "detected: 10:29:59\n"))
    assert_reported(check(runner), "incidents/order.yaml:7:11: error: detected: detected "
                    "(10:29:59) is before started (10:30); nothing is detected before it "
                    "started: correct one of the two times [M017]")


def test_impossible_time_is_rejected_at_its_line(runner: CliRunner, write_incident: Write) -> None:
    write_incident("bad-time", doc("bad-time", started="25:61"))
    assert_reported(check(runner), "incidents/bad-time.yaml:6:10: error: started: '25:61' is "
                    "not a time of day [S005]")


def test_time_that_is_not_a_time(runner: CliRunner, write_incident: Write) -> None:
    write_incident("no-time", doc("no-time", started="morning"))
    assert_reported(check(runner), "incidents/no-time.yaml:6:10: error: started: 'morning' is "
                    "not a time; write HH:MM, HH:MM:SS or an ISO datetime, optionally with an "
                    "offset or zone abbreviation (11:55 +01:00, 11:55 CET); a leading ~ marks it "
                    "approximate [S005]")


# ---- semantic rules ----------------------------------------------------------------------

def items(*entries: tuple[str, str, str | None]) -> str:
    """An `action_items` list, one field a line, of (id, title, due date): open with a due
    date, done without one."""
    out = ["action_items:"]
    for ident, title, due in entries:
        out += [f"  - id: {ident}", f"    title: {title}", "    owner: sre",
                "    priority: high", f"    status: {'todo' if due else 'done'}"]
        out += [f"    due: {due}"] if due else []
    return "\n".join(out) + "\n"


def test_duplicate_action_item_ids(runner: CliRunner, write_incident: Write) -> None:
    write_incident("items", doc("items", items(("AI-1", "Add a cache check", "2024-01-10"),
                                               ("AI-1", "Alert on 500s", None))))
    assert_reported(check(runner), "incidents/items.yaml:14:9: error: action_items[1].id: "
                    "action item id 'AI-1' is already used by action_items[0]; ids must be "
                    "unique and never reused [M007]")


def test_action_item_ids_that_share_an_anchor(runner: CliRunner, write_incident: Write) -> None:
    # The report gives each row the anchor of its id (#ai-1, #ai-fix-2): ids spelt alike
    # there would share one, and links to the later ones would lead to the first.
    write_incident("items", doc("items", items(
        ("AI-1", "Add a cache check", None), ("ai-1", "Alert on 500s", None),
        ("FIX-2", "Rebuild on deploy", None), ("AI-FIX-2", "Document it", None))))
    assert_reported(check(runner), "incidents/items.yaml:13:9: error: action_items[1].id: "
                    "action item id 'ai-1' has the same anchor '#ai-1' in the report as 'AI-1' "
                    "(action_items[0]); ids must be unique and never reused [M007]",
                    "incidents/items.yaml:23:9: error: action_items[3].id: action item id "
                    "'AI-FIX-2' has the same anchor '#ai-fix-2' in the report as 'FIX-2' "
                    "(action_items[2]); ids must be unique and never reused [M007]")


def test_open_action_item_without_owner_and_due(runner: CliRunner, write_incident: Write) -> None:
    write_incident("owner", doc("owner", """\
        action_items:
          - id: AI-1
            title: Add a cache check
            priority: high
            status: in_progress
          - id: AI-2
            title: Closed items need neither
            priority: low
            status: done
        """))
    assert_reported(
        check(runner),
        "incidents/owner.yaml:8:5: error: action_items[0].due: open action item 'AI-1' has no "
        "due; every open item needs an owner and a due date (write due: unknown until it is "
        "triaged) [M008]",
        "incidents/owner.yaml:8:5: error: action_items[0].owner: open action item 'AI-1' has no "
        "owner; every open item needs an owner and a due date (write owner: unknown until it "
        "is triaged) [M008]")


def test_wontfix_without_reason(runner: CliRunner, write_incident: Write) -> None:
    write_incident("wontfix", doc("wontfix", """\
        action_items:
          - id: AI-1
            title: Rewrite the cache
            priority: low
            status: wontfix
        """))
    assert_reported(check(runner), "incidents/wontfix.yaml:11:13: warning: action_items[0].note: "
                    "action item 'AI-1' is wontfix without a reason; say why in note [M009]",
                    exit_code=0)


def test_resolved_before_started(runner: CliRunner, write_incident: Write) -> None:
    write_incident("night", doc("night", "resolved: 01:15\n", status="resolved", started="23:40"))
    assert_reported(check(runner), "incidents/night.yaml:7:11: error: resolved: resolved "
                    "(01:15) is before started (23:40); an incident cannot be resolved before it "
                    "started (if it ended on a later day, write an ISO datetime such as "
                    "2024-01-02T01:15) [M004]")


def test_resolved_on_the_next_day_as_datetime(runner: CliRunner, write_incident: Write) -> None:
    write_incident("night", doc("night", "resolved: 2024-01-02T01:15\n", status="resolved",
                                started="23:40"))
    assert_reported(check(runner), exit_code=0)


def test_other_reversed_milestones_are_warnings(runner: CliRunner, write_incident: Write) -> None:
    write_incident("reversed", doc("reversed", """\
        detected: 10:50
        mitigated: 10:40
        resolved: "11:30"
        """, status="resolved"))
    assert_reported(check(runner), "incidents/reversed.yaml:8:12: warning: mitigated: mitigated "
                    "(10:40) is before detected (10:50); milestones should run started ≤ "
                    "detected ≤ mitigated ≤ resolved [M005]", exit_code=0)
    assert check(runner, "--strict").exit_code == 1


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_resolved_missing(runner: CliRunner, write_incident: Write, status: str) -> None:
    write_incident("open-end", doc("open-end", status=status))
    assert_reported(check(runner), f"incidents/open-end.yaml:4:9: error: resolved: status is "
                    f"'{status}' but the 'resolved' time is missing; add resolved: HH:MM [M003]")


def test_timeline_out_of_order(runner: CliRunner, write_incident: Write) -> None:
    write_incident("timeline", doc("timeline", """\
        timeline:
          - at: 10:30
            event: Deploy
          - at: 10:50
            event: Alert
          - at: ~10:40
            event: First error in the logs
        """))
    assert_reported(check(runner), "incidents/timeline.yaml:12:9: warning: timeline[2].at: "
                    "~10:40 is earlier than the entry before it (10:50); keep the timeline in "
                    "chronological order [M006]", exit_code=0)


def test_unknown_time_zone(runner: CliRunner, write_incident: Write) -> None:
    write_incident("zone", doc("zone", "timezone: Europe/Atlantis\n"))
    assert_reported(check(runner), "incidents/zone.yaml:7:11: error: timezone: unknown time zone "
                    "'Europe/Atlantis'; use an IANA name such as 'Europe/Berlin' or 'UTC' [M002]")


def test_time_zone_path_is_not_a_zone(runner: CliRunner, write_incident: Write) -> None:
    write_incident("zone", doc("zone", "timezone: ../../etc/passwd\n"))
    assert_reported(check(runner), "incidents/zone.yaml:7:11: error: timezone: unknown time zone "
                    "'../../etc/passwd'; use an IANA name such as 'Europe/Berlin' or 'UTC' [M002]")


def test_mis_decoded_text(runner: CliRunner, write_incident: Write) -> None:
    text = f"summary: |\n  Fixed.\n  Status: {MOJIBAKE} done\n"
    write_incident("mojibake", doc("mojibake", text))
    assert_reported(check(runner), "incidents/mojibake.yaml:9:11: warning: summary: text looks "
                    f"mis-decoded (UTF-8 read as Mac Roman): 'Status: {MOJIBAKE} done' probably "
                    "should read 'Status: ✅ done'; re-save the text as UTF-8 [Y014]", exit_code=0)


def test_correct_non_ascii_text_is_not_mis_decoded(
        runner: CliRunner, write_incident: Write) -> None:
    text = "summary: Störung behoben ✅ – Größe 10 µs, naïve café\n"
    write_incident("umlaut", doc("umlaut", text))
    assert_reported(check(runner), exit_code=0)


def test_unclosed_code_fence(runner: CliRunner, write_incident: Write) -> None:
    write_incident("fence", doc("fence", """\
        summary: |
          Restarted the workers:
          ```bash
          systemctl restart worker
        """))
    assert_reported(check(runner), "incidents/fence.yaml:9:1: error: summary: code fence "
                    "'```bash' is never closed; add a line '```' after the code [Y015]")


def test_unclosed_code_fence_in_a_list_of_markdown(
        runner: CliRunner, write_incident: Write) -> None:
    write_incident("fence-list", doc("fence-list", """\
        lessons:
          went_well:
            - Alerts fired.
            - "Rollback was one command: ~~~ sh"
            - |
              ~~~sh
              deploy rollback
        """))
    assert_reported(check(runner), "incidents/fence-list.yaml:12:1: error: lessons.went_well[2]: "
                    "code fence '~~~sh' is never closed; add a line '~~~' after the code [Y015]")


def test_closed_code_fence(runner: CliRunner, write_incident: Write) -> None:
    write_incident("fence-ok", doc("fence-ok", """\
        summary: |
          Use `code` inline, and ```` ``` ```` too.
          ```bash
          systemctl restart worker
          ```
        """))
    assert_reported(check(runner), exit_code=0)


def test_related_incident_problems(runner: CliRunner, write_incident: Write) -> None:
    write_incident("2024-01-01-earlier")
    write_incident("related", doc("related", """\
        related:
          - incident: 2024-01-01-earlier
            relation: same root cause
          - incident: 2023-12-24-missing
          - incident: related
          - incident: 2024-01-01-earlier
        """))
    assert_reported(
        check(runner),
        "incidents/related.yaml:10:15: error: related[1].incident: no incident with id "
        "'2023-12-24-missing' in incidents/; check the id [X002]",
        "incidents/related.yaml:11:15: error: related[2].incident: an incident cannot be related "
        "to itself [M011]",
        "incidents/related.yaml:12:15: error: related[3].incident: '2024-01-01-earlier' is "
        "already referenced above; list each related incident once [M012]")


def test_relative_related_url(runner: CliRunner, write_incident: Write, repo: Path) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "runbook.md").write_text("# Runbook\n")
    write_incident("docs", doc("docs", """\
        related:
          - title: Runbook
            url: ../docs/runbook.md
          - title: Dashboard
            url: https://grafana.example.invalid/d/checkout
          - title: Deploy notes
            url: ../docs/deploy.md#rollback
        """))
    assert_reported(check(runner), "incidents/docs.yaml:13:10: warning: related[2].url: relative "
                    "path '../docs/deploy.md#rollback' does not exist [X003]", exit_code=0)


def test_overlong_related_path(runner: CliRunner, write_incident: Write) -> None:
    # The OS refuses the name (ENAMETOOLONG): that is "does not exist", not a crash.
    url = "notes/" + "n" * 300 + ".md"
    write_incident("long", doc("long", f"related:\n  - title: Notes\n    url: {url}\n"))
    assert_reported(check(runner), f"incidents/long.yaml:9:10: warning: related[0].url: "
                    f"relative path '{url}' does not exist [X003]", exit_code=0)


_ITEM = """\
    action_items:
      - id: AI-1
        title: Add a cache check
        owner: sre
        priority: high
        status: todo
        due: {due}
    """


@pytest.mark.parametrize(("severity", "due", "days", "limit"), [
    ("critical", "2024-01-17", 16, 15),
    ("high", "2024-02-01", 31, 30),
    ("medium", "2024-03-02", 61, 60),
    ("low", "2024-03-31", 90, None),
    ("low", "2024-04-01", 91, 90),
])
def test_due_date_policy(runner: CliRunner, write_incident: Write, severity: str, due: str,
                         days: int, limit: int | None) -> None:
    write_incident("due", doc("due", _ITEM.format(due=due), severity=severity))
    if limit is None:
        assert_reported(check(runner), exit_code=0)
    else:
        assert_reported(check(runner), f"incidents/due.yaml:13:10: warning: action_items[0].due: "
                        f"due {due} is {days} days after the incident; the policy for "
                        f"{severity} incidents is at most {limit} days (due_days in the "
                        "configuration) [M010]", exit_code=0)


def test_due_date_policy_is_configurable(
        runner: CliRunner, write_incident: Write, repo: Path) -> None:
    write_incident("due", doc("due", _ITEM.format(due="2024-02-01")))
    (repo / "pyproject.toml").write_text("[tool.postmortem.due_days]\nhigh = 40\n")
    assert_reported(check(runner), exit_code=0)
    (repo / "pyproject.toml").write_text("[tool.postmortem]\ndue_days = { high = 7 }\n")
    assert_reported(check(runner), "incidents/due.yaml:13:10: warning: action_items[0].due: due "
                    "2024-02-01 is 31 days after the incident; the policy for high incidents is "
                    "at most 7 days (due_days in the configuration) [M010]", exit_code=0)


@pytest.mark.parametrize("line, message", [
    ("status: Resolved", "status: 'Resolved' is not allowed here; did you mean 'resolved'? use "
                         "'investigating', 'mitigated', 'resolved' or 'closed'"),
    ("severity: hihg", "severity: 'hihg' is not allowed here; did you mean 'high'? use "
                       "'critical', 'high', 'medium', 'low' or 'unknown' [S004]"),
])
def test_a_misspelt_value_gets_a_did_you_mean(runner: CliRunner, write_incident: Write,
                                              line: str, message: str) -> None:
    key = line.split(":")[0]
    write_incident("value", doc("value", **{key: line.split(": ")[1]}))
    result = check(runner)
    assert result.exit_code == 1
    assert f": error: {message}" in result.stdout


def test_a_misspelt_outcome_gets_a_did_you_mean(runner: CliRunner, write_incident: Write) -> None:
    write_incident("outcome", doc("outcome", """\
        timeline:
          - at: "10:30"
            event: Deploy
            outcome: sucess
          - at: "10:31"
            event: Rollback
            outcome: in progress
        """))
    assert_reported(
        check(runner),
        "incidents/outcome.yaml:10:14: error: timeline[0].outcome: 'sucess' is not allowed "
        "here; did you mean 'ok'? use 'ok', 'warning', 'failed' or 'info' [S004]",
        "incidents/outcome.yaml:13:14: error: timeline[1].outcome: 'in progress' is not "
        "allowed here; use 'ok', 'warning', 'failed' or 'info' [S004]")


def test_an_empty_owner_is_reported_at_its_own_line(runner: CliRunner,
                                                   write_incident: Write) -> None:
    write_incident("empty-owner", doc("empty-owner", """\
        action_items:
          - id: AI-1
            title: Add a cache check
            priority: high
            status: todo
            owner:
            due: 2024-01-10
        """))
    assert_reported(check(runner), "incidents/empty-owner.yaml:12:11: error: "
                    "action_items[0].owner: open action item 'AI-1' has no owner; every open "
                    "item needs an owner and a due date (write owner: unknown until it is "
                    "triaged) [M008]")
