"""Times in absolute time: daylight-saving changes, offsets and zone abbreviations kept as
stated, ranges, other days, approximate times, and no negative duration anywhere."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from postmortem.cli import main
from postmortem.format.times import ABBREVIATIONS, AMBIGUOUS, check_time_text, parse, zone


def incident(repo: Path, body: str, *, id: str = "2025-03-30-dst", date: str = "2025-03-30",
             zone_name: str = "Europe/Berlin", status: str = "resolved") -> Path:
    path = repo / "incidents" / f"{id}.yaml"
    path.write_text(f"id: {id}\ntitle: Night deploy\ndate: {date}\ntimezone: {zone_name}\n"
                    f"status: {status}\nseverity: high\n" + textwrap.dedent(body),
                    encoding="utf-8")
    return path


def render(runner: CliRunner, repo: Path, id: str = "2025-03-30-dst") -> str:
    result = runner.invoke(main, ["render"])
    assert result.exit_code == 0, result.output + result.stderr
    return (repo / "incidents" / f"{id}.md").read_text(encoding="utf-8")


def header_line(report: str, label: str = "Duration") -> str:
    return next(line for line in report.splitlines() if line.startswith(f"**{label}**"))


def test_a_duration_across_the_spring_change_is_counted_in_absolute_time(
        repo: Path, runner: CliRunner) -> None:
    incident(repo, 'started: "01:59"\nresolved: "03:01"\n')
    report = render(runner, repo)
    assert header_line(report) == "**Duration**: 2 min (01:59 CET – 03:01 CEST)"
    index = (repo / "incidents" / "README.md").read_text(encoding="utf-8")
    assert "| 2 min |" in index


def test_an_end_stated_with_an_offset_keeps_it(repo: Path, runner: CliRunner) -> None:
    # 11:55 +01:00 is 12:55 CEST: 71 minutes after 11:44 CEST, not 11.
    incident(repo, 'started: "11:44"\nresolved: "2025-10-01T11:55+01:00"\n',
             id="2025-10-01-offset", date="2025-10-01")
    report = render(runner, repo, "2025-10-01-offset")
    assert header_line(report) == "**Duration**: 1 h 11 min (11:44 CEST – 11:55 +01:00)"


def test_an_abbreviation_is_kept_as_stated(repo: Path, runner: CliRunner) -> None:
    incident(repo, 'started: "11:16"\nresolved: "11:55 CET"\n', id="2025-10-01-cet",
             date="2025-10-01")
    report = render(runner, repo, "2025-10-01-cet")
    assert header_line(report) == "**Duration**: 1 h 39 min (11:16 CEST – 11:55 CET)"


def test_approximate_times_keep_their_tilde_in_the_header(repo: Path, runner: CliRunner) -> None:
    incident(repo, 'started: "~11:16"\nresolved: "12:20"\n', id="2025-10-01-approx",
             date="2025-10-01")
    report = render(runner, repo, "2025-10-01-approx")
    assert header_line(report) == "**Duration**: 1 h 4 min (~11:16 – 12:20 CEST)"
    incident(repo, 'started: "~11:16"\n', id="2025-10-01-approx", date="2025-10-01",
             status="investigating")
    assert header_line(render(runner, repo, "2025-10-01-approx")) == (
        "**Duration**: ongoing (since ~11:16 CEST)")


def test_timeline_ranges_zones_and_other_days_are_shown_as_stated(
        repo: Path, runner: CliRunner) -> None:
    incident(repo, """\
        started: "01:30"
        resolved: 2025-03-31T00:20
        timeline:
          - at: "01:30"
            event: Deploy
          - at: "01:50-01:55"
            event: Errors
          - at: "03:10"
            event: After the change to summer time
          - at: "~01:20 UTC"
            event: Alert (stated in UTC)
          - at: "09:02 UTC"
            event: Vendor notified
          - at: 2025-03-31T00:20
            event: Resolved the next day
        """)
    report = render(runner, repo)
    rows = [line.split(" | ")[0].lstrip("| ") for line in report.splitlines()
            if line.startswith("| ") and "Event" not in line and "---" not in line]
    assert rows == ["01:30", "01:50–01:55", "03:10 CEST", "~01:20 UTC", "09:02 UTC",
                    "2025-03-31 00:20 CEST"]


def test_timeline_order_is_checked_in_absolute_time(repo: Path, runner: CliRunner) -> None:
    # 10:00 UTC is 12:00 CEST: after 11:30, although its clock reads earlier.
    incident(repo, """\
        started: "11:00"
        resolved: "12:30"
        timeline:
          - at: "11:30"
            event: a
          - at: "10:00 UTC"
            event: b
          - at: "11:45"
            event: c
        """, id="2025-10-01-order", date="2025-10-01")
    result = runner.invoke(main, ["check", "--select", "M"])
    assert result.stdout == ("incidents/2025-10-01-order.yaml:14:9: warning: timeline[2].at: "
                             "11:45 is earlier than the entry before it (10:00 UTC); keep the "
                             "timeline in chronological order [M006]\n")


@pytest.mark.parametrize("name", ["detected", "mitigated"])
def test_a_milestone_before_started_is_an_error_not_a_negative_duration(
        repo: Path, runner: CliRunner, name: str) -> None:
    incident(repo, f'started: "10:30"\n{name}: "10:20"\n', id="2025-10-01-early",
             date="2025-10-01", status="mitigated" if name == "mitigated" else "investigating")
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 1
    assert result.stdout == (f"incidents/2025-10-01-early.yaml:8:{len(name) + 3}: error: "
                             f"{name}: {name} (10:20) is before started (10:30); nothing is "
                             f"{name} before it started: correct one of the two times [M017]\n")
    rendered = runner.invoke(main, ["render"])
    assert rendered.exit_code == 1
    assert not (repo / "incidents" / "2025-10-01-early.md").exists()


def test_an_offset_makes_an_earlier_clock_a_later_instant(repo: Path, runner: CliRunner) -> None:
    # 10:20 -05:00 is 17:20 CEST: well after 10:30 CEST.
    incident(repo, 'started: "10:30"\ndetected: "10:20 -05:00"\nresolved: "17:30"\n',
             id="2025-10-01-ny", date="2025-10-01")
    assert runner.invoke(main, ["check"]).exit_code == 0


@pytest.mark.parametrize("text", ["١٠:٠٠", "１０:００", "10:٠٠", "2025-10-01T١٠:00"])
def test_non_ascii_digits_are_not_times(text: str) -> None:
    assert check_time_text(text) is not None
    assert check_time_text(text, ranges=True) is not None


@pytest.mark.parametrize("text", ["10:30", "~10:30", "9:05", "10:45:30", "10:45:30.5",
                                  "2024-01-01T10:00", "2024-01-01 10:00",
                                  "2024-01-01T10:00:00+01:00", "2024-01-01T10:00Z",
                                  "~2024-01-01T10:00+0100"])
def test_every_time_valid_before_is_valid(text: str) -> None:
    assert check_time_text(text) is None


@pytest.mark.parametrize("text, problem", [
    ("12:49-12:50", "'12:49-12:50' is a range; this field takes one time"),
    ("11:55 IST", "'11:55 IST': the abbreviation IST names more than one zone"),
    ("11:55 XYZ", "'11:55 XYZ': unknown zone abbreviation 'XYZ'"),
    ("11:55 +15:00", "'11:55 +15:00' has no valid offset"),
    ("2025-02-30T10:00", "'2025-02-30T10:00' is not a valid date and time"),
])
def test_what_a_milestone_rejects(text: str, problem: str) -> None:
    assert (check_time_text(text) or "").startswith(problem)


def test_a_range_must_not_end_before_it_starts() -> None:
    assert check_time_text("12:50-12:49", ranges=True) == "'12:50-12:49' ends before it starts"
    assert check_time_text("12:49 CET - 12:20 UTC", ranges=True) is None  # 11:49Z to 12:20Z


def test_one_zone_for_a_range_is_the_zone_of_both_ends() -> None:
    span = parse("12:49-12:50 CET", ranges=True)
    assert not isinstance(span, str) and span.end is not None
    assert (span.start.zone, span.end.zone) == ("CET", "CET")


def test_abbreviations_are_fixed_offsets_and_ambiguous_ones_are_left_out() -> None:
    assert ABBREVIATIONS["CET"] == dt.timedelta(hours=1)
    assert ABBREVIATIONS["CEST"] == dt.timedelta(hours=2)
    assert ABBREVIATIONS["PDT"] == dt.timedelta(hours=-7)
    assert not set(AMBIGUOUS) & set(ABBREVIATIONS)
    # Each unambiguous abbreviation is what some zone uses on some day.
    berlin = zone("Europe/Berlin")
    assert berlin is not None
    assert dt.datetime(2025, 1, 1, tzinfo=berlin).tzname() == "CET"
    assert dt.datetime(2025, 7, 1, tzinfo=berlin).tzname() == "CEST"


def test_zone_names_are_spelled_as_the_database_spells_them() -> None:
    assert zone("Europe/Berlin") is not None
    assert zone("europe/berlin") is None
    assert zone("UTC") is not None
