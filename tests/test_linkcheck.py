"""`postmortem check --links`: links and anchors in the generated Markdown must resolve."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from postmortem.cli import main
from postmortem.reports.linkcheck import github_slug, parser, read_page

BUNDLED = Path(__file__).parent.parent / "incidents"
LINKED = Path(__file__).parent / "data" / "linked"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def link_problems(*args: str) -> list[dict[str, Any]]:
    _, out, _ = run("check", "--links", "--format", "json", *args)
    return [p for p in json.loads(out) if p["field"] == "link"]


def copy(folder: Path, repo: Path) -> list[str]:
    names = sorted(p.name for p in folder.glob("*.yaml"))
    for name in names:
        shutil.copy(folder / name, repo / "incidents" / name)
    return names


def test_the_bundled_incidents_link_cleanly(repo: Path) -> None:
    names = copy(BUNDLED, repo)
    assert names, "the bundled incidents are missing"
    # The installed entry point, as CI and pre-commit run it.
    postmortem = str(Path(sys.executable).parent / "postmortem")
    done = subprocess.run([postmortem, "render", "-q"], cwd=repo, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # --quiet: problems only, and warnings go to stderr
    reports = sorted((repo / "incidents").glob("*.md"))
    assert len(reports) == len(names) + 1  # every report and the index
    done = subprocess.run([postmortem, "check", "--links", "--format", "json"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr  # the seeds' contradictions are warnings only
    assert [p for p in json.loads(done.stdout) if p["field"] == "link"] == []
    # They are linked as a team would link them: a back-link and a recurring failure class.
    text = "\n".join(p.read_text(encoding="utf-8") for p in reports)
    assert '<a id="referenced-by"></a>' in text
    assert '<a id="class-stale-cache-after-deploy"></a>' in text


def test_the_fixture_collection_links_cleanly(repo: Path) -> None:
    copy(LINKED, repo)
    run("render")
    # Links only: the fixtures are reduced incidents, not complete reports (C009), and their
    # failure class comes back with an item open (X005): tests/test_consistency.py.
    assert run("check", "--links", "--strict", "--select", "L") == (
        0, "", "4 files checked, no problems\n")


def test_broken_links_and_anchors_are_reported_with_report_line_and_target(repo: Path) -> None:
    copy(LINKED, repo)
    run("render")
    report = repo / "incidents" / "2024-06-02-db-pool-exhausted.md"
    lines = report.read_text(encoding="utf-8").splitlines()
    at = len(lines) + 1
    report.write_text("\n".join([
        *lines, "",
        "See [the cause](2024-05-10-suche-veralteter-cache.md#rc-9) and [up](#rc-1).",
        "",
        "| item | where |",
        "|---|---|",
        "| x | [gone](2024-01-01-gone.md) and [class](README.md#class-disk-full) |",
        "",
        "Not links: `[a](nowhere.md)` and <a href=\"nowhere.md\">raw html</a>.",
        "",
        "```",
        "[b](nowhere.md)",
        "```",
    ]) + "\n", encoding="utf-8")
    code, out, _ = run("check", "--links", "--select", "L")
    assert code == 1
    rel = "incidents/2024-06-02-db-pool-exhausted.md"
    assert out.splitlines() == [
        f"{rel}:{at + 1}:17: error: link: '2024-05-10-suche-veralteter-cache.md#rc-9': "
        "incidents/2024-05-10-suche-veralteter-cache.md has no heading or anchor 'rc-9'; "
        "did you mean '#rc-2'? [L001]",
        f"{rel}:{at + 5}:14: error: link: '2024-01-01-gone.md': incidents/2024-01-01-gone.md "
        "does not exist [L001]",
        f"{rel}:{at + 5}:46: error: link: 'README.md#class-disk-full': incidents/README.md has "
        "no heading or anchor 'class-disk-full' [L001]",
    ]
    # `#rc-1` of this very report is an explicit anchor: it resolves.


def test_a_broken_anchor_in_the_index_is_caught(repo: Path) -> None:
    copy(LINKED, repo)
    run("render")
    index = repo / "incidents" / "README.md"
    text = index.read_text(encoding="utf-8")
    index.write_text(text.replace("2024-07-20-api-cache.md#rc-1", "2024-07-20-api-cache.md#rc-7"),
                     encoding="utf-8")
    problems = link_problems()
    assert [(p["path"], p["line"], p["message"]) for p in problems] == [(
        "incidents/README.md",
        next(n for n, line in enumerate(text.splitlines(), 1)
             if "2024-07-20-api-cache.md#rc-1" in line),
        "'2024-07-20-api-cache.md#rc-7': incidents/2024-07-20-api-cache.md has no heading or "
        "anchor 'rc-7'; did you mean '#rc-1'?")]


def test_paths_limit_the_check_to_their_reports(repo: Path) -> None:
    copy(LINKED, repo)
    run("render")
    (repo / "incidents" / "README.md").write_text(
        (repo / "incidents" / "README.md").read_text("utf-8") + "\n[x](missing.md)\n", "utf-8")
    assert link_problems("incidents/2024-07-20-api-cache.yaml") == []
    assert [p["path"] for p in link_problems()] == ["incidents/README.md"]


def test_a_report_not_rendered_yet_is_a_warning(repo: Path, write_incident: Any) -> None:
    write_incident("2024-01-01-a")
    code, out, err = run("check", "--links")
    assert code == 0
    assert out == (
        "incidents/2024-01-01-a.md:1:1: warning: link: not rendered yet, so its links were not "
        "checked; run `postmortem render` (source: incidents/2024-01-01-a.yaml) [L002]\n"
        "incidents/README.md:1:1: warning: link: not rendered yet, so its links were not "
        "checked; run `postmortem render` (source: incidents/) [L002]\n")
    assert err == "1 file checked: 0 errors, 2 warnings\n"
    assert run("check", "--links", "--strict")[0] == 1


def test_plain_check_does_not_import_markdown_it(repo: Path, write_incident: Any) -> None:
    write_incident("2024-01-01-a")
    probe = ("import sys\nfrom postmortem.cli import main\n"
             "try:\n    main(['check'])\nexcept SystemExit:\n    pass\n"
             "print('markdown_it' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=repo, check=True)
    assert done.stdout == "False\n"


@pytest.mark.parametrize(("heading", "slug"), [
    ("📝 Related Documentation", "-related-documentation"),
    ("Zugehörige Dokumentation", "zugehörige-dokumentation"),
    ("Primary Root Cause: Stale `route:cache`", "primary-root-cause-stale-routecache"),
    ("1. Fix (ACTIVE)", "1-fix-active"),
    ("snake_case and-hyphen", "snake_case-and-hyphen"),
])
def test_github_style_heading_slugs(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug
    page = read_page(parser(), f"## {heading}\n")
    assert page.anchors == {slug}


def test_repeated_headings_get_numbered_anchors() -> None:
    page = read_page(parser(), "# A\n\n### Notes\n\n### Notes\n\n### Notes\n")
    assert page.anchors == {"a", "notes", "notes-1", "notes-2"}
