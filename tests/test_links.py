"""Cross-links between reports: related incidents, back-links, similar incidents, recurring
classes, and the `check` errors of references."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from postmortem.cli import main
from postmortem.reports.links import SIMILAR_LIMIT, LinkGraph, Links, index_model, newest_first
from postmortem.reports.summary import Summary

LINKED = Path(__file__).parent / "data" / "linked"
IDS = sorted(p.stem for p in LINKED.glob("*.yaml"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def copy_fixtures(repo: Path, folder: str = "incidents") -> None:
    for source in LINKED.glob("*.yaml"):
        shutil.copy(source, repo / folder / source.name)



@pytest.mark.parametrize("incident", IDS)
def test_reports_with_back_links_and_similar_incidents(repo: Path, incident: str,
                                                       file_regression: Any,
                                                       generated_body: Any) -> None:
    copy_fixtures(repo)
    code, _, err = run("render")
    assert code == 0, err
    report = generated_body(repo / "incidents" / f"{incident}.md")
    file_regression.check(report, extension=".md", basename=incident)


def test_back_links_are_computed_newest_first(repo: Path) -> None:
    copy_fixtures(repo)
    run("render")
    text = (repo / "incidents" / "2024-03-01-checkout-stale-routes.md").read_text("utf-8")
    section = text.split("### Referenced by\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        "- [API \\[v2\\] | stale cache](2024-07-20-api-cache.md) (2024-07-20, ⚪ LOW): "
        "follow-up of",
        "- [Suche lieferte veraltete Ergebnisse](2024-05-10-suche-veralteter-cache.md) "
        "(2024-05-10, 🔴 CRITICAL): gleiche Fehlerklasse",
    ]


def test_a_changed_reference_re_renders_the_target(repo: Path) -> None:
    copy_fixtures(repo)
    run("render")
    source = repo / "incidents" / "2024-06-02-db-pool-exhausted.yaml"
    source.write_text(source.read_text("utf-8").replace("happened during the rollback of",
                                                        "caused by"), encoding="utf-8")
    code, out, _ = run("render")
    assert code == 0
    # The referring report, the referred-to report (its back-link changed), and the index.
    assert out.splitlines() == [
        "updated: incidents/2024-05-10-suche-veralteter-cache.md",
        "updated: incidents/2024-06-02-db-pool-exhausted.md",
        "updated: incidents/README.md",
    ]
    target = (repo / "incidents" / "2024-05-10-suche-veralteter-cache.md").read_text("utf-8")
    assert "(2024-06-02, 🟢 MITTEL): caused by\n" in target


def test_links_between_sub_folders_are_relative(repo: Path) -> None:
    (repo / "incidents" / "2024").mkdir()
    (repo / "incidents" / "2025").mkdir()
    (repo / "incidents" / "2024" / "2024-02-01-old.yaml").write_text(textwrap.dedent("""\
        id: 2024-02-01-old
        title: Old one
        date: 2024-02-01
        status: investigating
        severity: low
        started: "10:00"
        """), encoding="utf-8")
    (repo / "incidents" / "2025" / "2025-02-01-new.yaml").write_text(textwrap.dedent("""\
        id: 2025-02-01-new
        title: New one
        date: 2025-02-01
        status: investigating
        severity: low
        started: "10:00"
        related:
          - incident: 2024-02-01-old
        """), encoding="utf-8")
    assert run("render")[0] == 0
    new = (repo / "incidents" / "2025" / "2025-02-01-new.md").read_text("utf-8")
    old = (repo / "incidents" / "2024" / "2024-02-01-old.md").read_text("utf-8")
    assert "- [Old one](../2024/2024-02-01-old.md) (2024-02-01, ⚪ LOW)\n" in new
    assert "- [New one](../2025/2025-02-01-new.md) (2025-02-01, ⚪ LOW)\n" in old
    index = (repo / "incidents" / "README.md").read_text("utf-8")
    assert "[New one](2025/2025-02-01-new.md)" in index
    assert run("check", "--links")[0] == 0


# --- `check` errors of references, each at the line of the reference ---------------------

HEAD = """\
id: 2024-01-01-a
title: A
date: 2024-01-01
status: investigating
severity: high
started: "10:30"
related:
  - incident: 2024-01-02-b
    relation: same failure class
"""


@pytest.mark.parametrize(("extra", "expected"), [
    pytest.param(
        "  - incident: 2024-09-09-nope\n",
        "incidents/2024-01-01-a.yaml:10:15: error: related[1].incident: no incident with id "
        "'2024-09-09-nope' in incidents/; check the id [X002]",
        id="unknown-id"),
    pytest.param(
        "  - incident: 2024-01-01-a\n",
        "incidents/2024-01-01-a.yaml:10:15: error: related[1].incident: an incident cannot be "
        "related to itself [M011]",
        id="itself"),
    pytest.param(
        "  - incident: 2024-01-02-b\n    relation: again\n",
        "incidents/2024-01-01-a.yaml:10:15: error: related[1].incident: '2024-01-02-b' is "
        "already referenced above; list each related incident once [M012]",
        id="duplicate"),
    pytest.param(
        "  - title: Notes\n    url: ../docs/notes.md\n",
        "incidents/2024-01-01-a.yaml:11:10: warning: related[1].url: relative path "
        "'../docs/notes.md' does not exist [X003]",
        id="missing-relative-document"),
])
def test_reference_problems_are_reported_at_their_line(repo: Path, write_incident: Any,
                                                       extra: str, expected: str) -> None:
    write_incident("2024-01-01-a", HEAD + extra)
    write_incident("2024-01-02-b")
    code, out, err = run("check")
    assert out == expected + "\n"
    assert code == (0 if " warning: " in expected else 1)
    assert err.startswith("2 files checked: ")


def test_an_existing_relative_document_is_fine(repo: Path, write_incident: Any) -> None:
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.md").write_text("notes\n", encoding="utf-8")
    write_incident("2024-01-01-a", HEAD + "  - title: Notes\n    url: ../docs/notes.md#part\n")
    write_incident("2024-01-02-b")
    assert run("check", "--strict") == (0, "", "2 files checked, no problems\n")


@pytest.mark.parametrize(("output_dir", "notes", "other"), [
    pytest.param("incidents", "../../docs/notes.md", "../2025/2025-01-01-b.yaml", id="same"),
    pytest.param("docs/postmortems", "../../notes.md", "../../../incidents/2025/2025-01-01-b.yaml",
                 id="other-folder"),
])
def test_a_relative_document_is_linked_from_where_the_report_is(
        repo: Path, write_incident: Any, output_dir: str, notes: str, other: str) -> None:
    """`related[].url` is relative to the incident file (`check` finds it there): the report,
    in a sub-folder or another output folder, links the same file."""
    (repo / "postmortem.toml").write_text(f'output_dir = "{output_dir}"\n', encoding="utf-8")
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.md").write_text("# Notes\n", encoding="utf-8")
    write_incident("2025/2025-01-01-b", HEAD.split("related:")[0].replace(
        "2024-01-01-a", "2025-01-01-b").replace("2024-01-01", "2025-01-01"))
    write_incident("2024/2024-01-01-a", HEAD.replace("2024-01-02-b", "2025-01-01-b") + (
        "  - title: Notes\n    url: ../../docs/notes.md#notes\n"
        "  - title: B's file\n    url: ../2025/2025-01-01-b.yaml\n"))
    assert run("check", "--strict") == (0, "", "2 files checked, no problems\n")
    assert run("render")[0] == 0
    report = (repo / output_dir / "2024" / "2024-01-01-a.md").read_text("utf-8")
    assert f"- [Notes]({notes}#notes)\n- [B's file]({other})\n" in report
    assert run("check", "--links") == (0, "", "2 files checked, no problems\n")


def test_a_reference_to_a_removed_incident_fails_render_at_its_line(
        repo: Path, write_incident: Any) -> None:
    write_incident("2024-01-01-a", HEAD)
    target = write_incident("2024-01-02-b")
    assert run("render")[0] == 0  # both summaries are cached now
    target.unlink()
    code, _, err = run("render")
    assert code == 1
    assert ("incidents/2024-01-01-a.yaml:8:15: error: related[0].incident: no incident with id "
            "'2024-01-02-b' in incidents/; check the id [X002]") in err


# --- the link graph on its own ---------------------------------------------------------------

def summary(key: str, date: str, categories: list[str], related: list[list[str]] | None = None,
            started: str = "10:00") -> Summary:
    return Summary(id=key, title=key.upper(), date=date, started=f"{date}T{started}:00.000000Z",
                   severity="high", status="resolved",
                   language="en", duration_minutes=30.0, source=f"incidents/{key}.yaml",
                   report=f"incidents/{key}.md", categories=tuple(categories),
                   category_anchors=tuple((c, "rc-1") for c in sorted(categories)), tags=(),
                   related=tuple((a, b) for a, b in related or []), items_open=0, items_total=0,
                   ended="", open_items=())


def build_links(summaries: dict[str, Summary], index_rel: str | None = None
                ) -> dict[str, Links]:
    graph = LinkGraph(summaries, index_rel)
    return {key: graph.links(key) for key in summaries}


def test_a_large_failure_class_lists_the_newest_similar_and_links_the_earliest() -> None:
    count = SIMILAR_LIMIT + 5
    summaries = {f"i{n:02d}": summary(f"i{n:02d}", f"2024-01-{n + 1:02d}", ["disk-full"])
                 for n in range(count)}
    links = build_links(summaries, "incidents/README.md")
    newest = links["i14"]
    assert [s["id"] for s in newest.similar] == [f"i{n:02d}" for n in range(13, 3, -1)]
    assert newest.similar_more is True
    assert newest.recurring == [{
        "category": "disk-full", "count": count,
        "first": {"id": "i00", "title": "I00", "date": "2024-01-01", "severity": "high",
                  "url": "i00.md#rc-1"},
        "index_url": "README.md#class-disk-full"}]
    assert links["i00"].recurring[0]["first"] is None  # the earliest is this incident
    assert [s["id"] for s in links["i00"].similar][:2] == ["i14", "i13"]


def test_similar_incidents_name_every_shared_category() -> None:
    summaries = {
        "a": summary("a", "2024-01-01", ["disk-full", "config-drift"]),
        "b": summary("b", "2024-02-01", ["config-drift", "disk-full", "other"]),
        "c": summary("c", "2024-03-01", ["other"]),
    }
    links = build_links(summaries)
    assert [(s["id"], s["categories"]) for s in links["a"].similar] == [
        ("b", ["disk-full", "config-drift"])]
    assert [(s["id"], s["categories"]) for s in links["b"].similar] == [
        ("c", ["other"]), ("a", ["config-drift", "disk-full"])]
    assert links["c"].recurring[0]["index_url"] is None  # no index given: no link to it


def test_references_to_unknown_or_invalid_incidents_are_left_out() -> None:
    summaries = {"a": summary("a", "2024-01-01", [], [["gone", "x"], ["a", "self"],
                                                      ["b", "ok"]]),
                 "b": summary("b", "2024-01-02", [])}
    links = build_links(summaries)
    assert [r["id"] for r in links["a"].related] == ["b"]
    assert [r["id"] for r in links["b"].referenced_by] == ["a"]
    assert links["b"].referenced_by[0]["relation"] == "ok"


def test_a_report_digest_follows_exactly_what_the_report_shows_of_others() -> None:
    def digest(summaries: dict[str, Summary], key: str = "a") -> str:
        return LinkGraph(summaries, "incidents/README.md").digest(key)

    base = {"a": summary("a", "2024-01-01", ["disk-full"]),
            "b": summary("b", "2024-02-01", ["disk-full"], [["a", "same"]]),
            "c": summary("c", "2024-03-01", ["other"])}
    before = digest(base)
    assert digest(copy.deepcopy(base)) == before
    unrelated = {**base, "c": dataclasses.replace(base["c"], title="Renamed")}
    assert digest(unrelated) == before

    changes: list[tuple[str, dict[str, Any]]] = [
        ("b", {"title": "Renamed"}),                  # a back-link's and a similar's title
        ("b", {"related": (("a", "follow-up of"),)}),  # the relation of a back-link
        ("b", {"severity": "low"}),
        ("b", {"report": "incidents/2024/b.md"}),     # where the link points
        ("b", {"category_anchors": (("disk-full", "rc-2"),)}),
        ("c", {"categories": ("disk-full",)}),        # the class grows: count, similar list
    ]
    for key, change in changes:
        changed = {**base, key: dataclasses.replace(base[key], **change)}
        assert digest(changed) != before, (key, change)
    assert LinkGraph(base, "README.md").digest("a") != before  # the index moved


def test_digests_survive_the_summary_cache(repo: Path) -> None:
    """A summary read back from the render cache (JSON, sorted keys) gives the digest the
    fresh one gave: otherwise every report would be rendered again on the next run."""
    from postmortem.config import load_config
    from postmortem.reports.fingerprint import fingerprint
    from postmortem.reports.render import gather
    from postmortem.reports.summary import SummaryCache

    copy_fixtures(repo)
    source = repo / "incidents" / "2024-05-10-suche-veralteter-cache.yaml"
    # Root causes whose categories are not in sorted order.
    source.write_text(source.read_text("utf-8").replace(
        "category: opcache-after-deploy", "category: zz-opcache-after-deploy"), "utf-8")
    config = load_config()
    fresh = {e.summary.id: e.summary
             for e in gather(config, SummaryCache(config, fingerprint(config)))[0] if e.summary}
    cached = {k: Summary.from_json(json.loads(json.dumps(s.to_json(), sort_keys=True)))
              for k, s in fresh.items()}
    assert cached == fresh
    assert fresh["2024-05-10-suche-veralteter-cache"].category_anchors == (
        ("stale-cache-after-deploy", "rc-2"), ("zz-opcache-after-deploy", "rc-1"))
    one, two = LinkGraph(fresh, "incidents/README.md"), LinkGraph(cached, "incidents/README.md")
    assert [one.digest(k) for k in sorted(fresh)] == [two.digest(k) for k in sorted(fresh)]


def test_a_long_similar_list_is_capped_and_points_to_the_index(
        repo: Path, write_incident: Any) -> None:
    for day in range(1, SIMILAR_LIMIT + 3):
        key = f"2024-02-{day:02d}-disk"
        write_incident(key, textwrap.dedent(f"""\
            id: {key}
            title: Disk full {day}
            date: 2024-02-{day:02d}
            status: investigating
            severity: low
            started: "10:00"
            root_causes:
              - title: Logs filled the disk
                category: disk-full
            """))
    assert run("render")[0] == 0
    newest = (repo / "incidents" / f"2024-02-{SIMILAR_LIMIT + 2:02d}-disk.md").read_text("utf-8")
    similar = newest.split("### Similar incidents\n", 1)[1]
    assert similar.count("\n- [Disk full ") == SIMILAR_LIMIT
    assert "occurred 12 times; first: [Disk full 1](2024-02-01-disk.md#rc-1) (2024-02-01)." \
        in similar
    assert ("These are the 10 most recent; the [index](README.md#recurring-failure-classes) "
            "lists every incident of each failure class.") in similar
    assert run("check", "--links")[0] == 0


def test_incidents_of_one_day_are_ordered_by_when_they_started_not_by_id() -> None:
    """"a" started at 15:00, "b" at 09:00 the same day: a is the newer, and b came first."""
    summaries = {"a": summary("a", "2024-01-01", ["disk-full"], started="15:00"),
                 "b": summary("b", "2024-01-01", ["disk-full"], started="09:00"),
                 "c": summary("c", "2023-12-31", [], [["a", "x"], ["b", "y"]], started="23:00")}
    assert newest_first(summaries) == ["a", "b", "c"]
    links = build_links(summaries, "incidents/README.md")
    assert links["a"].recurring[0]["first"]["id"] == "b"
    assert links["b"].recurring[0]["first"] is None
    index = index_model(summaries, "incidents/README.md")
    assert [e["id"] for e in index["incidents"]] == ["a", "b", "c"]
    assert [e["id"] for e in index["classes"][0]["incidents"]] == ["a", "b"]


def test_a_start_time_on_the_instant_line_across_zones(repo: Path) -> None:
    """Two incidents of one date in different zones: the one in Berlin started later."""
    for key, zone, started in (("2024-05-01-ny", "America/New_York", "04:00"),
                               ("2024-05-01-berlin", "Europe/Berlin", "11:00")):
        (repo / "incidents" / f"{key}.yaml").write_text(
            f"id: {key}\ntitle: {key}\ndate: 2024-05-01\ntimezone: {zone}\n"
            f"status: investigating\nseverity: low\nstarted: '{started}'\n", encoding="utf-8")
    code, _, _ = run("render")
    assert code == 0
    index = (repo / "incidents" / "README.md").read_text(encoding="utf-8")
    # 04:00 EDT is 08:00 UTC, 11:00 CEST is 09:00 UTC; by id, ny would come first.
    assert index.index("[2024-05-01-berlin]") < index.index("[2024-05-01-ny]")


@pytest.mark.parametrize("name", ["2025-10-01-a.yaml", "2025/10/2025-10-01-a.yaml", "..yaml",
                                  ".yaml", "sub/.yaml", "a.b.yaml", "a.YAML", "a.yml"])
@pytest.mark.parametrize("output_dir", [None, "reports"])
def test_a_report_goes_where_its_path_says(
        repo: Path, name: str, output_dir: str | None) -> None:
    """report_path names the report as PurePath's parts and suffix do, hidden and dotted
    names included."""
    from postmortem.config import load_config
    from postmortem.reports.paths import report_path

    if output_dir:
        (repo / "postmortem.toml").write_text(f'output_dir = "{output_dir}"\n')
    config = load_config()
    source = config.incidents_dir / name
    relative = source.relative_to(config.incidents_dir)
    assert report_path(config, source) == config.reports_dir / relative.with_suffix(".md")
