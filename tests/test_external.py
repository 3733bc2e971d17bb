"""`render --audience external`: published incidents only, without internal parts, personal
data or internal links, never a secret; the internal render as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import privacy_fixtures as fx
import pytest
from click.testing import CliRunner, Result

from postmortem.cli import main
from postmortem.config import load_config
from postmortem.reports.external import is_internal_url

Write = Callable[..., Path]
CONFIG = """\
[trackers.ops]
pattern = "OPS-[0-9]+"
url = "https://jira.acme.example/browse/{ref}"

[external]
output_dir = "public"
internal_hosts = ["*.acme.internal", "grafana.acme.io"]
"""
PUBLIC = """\
id: 2025-10-01-checkout
title: Checkout returned errors
date: 2025-10-01
status: resolved
severity: high
started: "11:16"
resolved: "12:20"
publishable: true
internal_fields: [technical_details]
summary: |
  Bookings failed for an hour. The customer at +49 151 23456789 told us first; see
  [the dashboard](https://grafana.acme.io/d/abc/checkout) and
  [the status page](https://status.acme.com/incidents/42).
timeline:
  - at: "11:16"
    event: First failed booking
  - at: "11:18"
    event: Paged the on-call engineer SECRET-ONCALL-NAME
    internal: true
  - at: "12:20"
    event: Fixed by https://github.com/acme/checkout/commit/3f2a9c1b7e4d
root_causes:
  - title: Stale route cache
    evidence:
      - title: Webhook payload
        code: |
          {"email": "max.mustermann@t-online.de", "status": 500}
technical_details:
  - title: Internal-only analysis
    body: THE-INTERNAL-ANALYSIS
action_items:
  - id: AI-1
    title: Rebuild caches on deploy
    owner: platform
    priority: high
    status: done
    ticket: OPS-123
  - id: AI-2
    title: Rotate the database password
    owner: security
    priority: high
    status: done
    note: "was {pw}"
    internal: true
related:
  - incident: 2025-09-01-internal
  - title: Runbook
    url: https://wiki.acme.internal/runbooks/checkout
  - title: Vendor announcement
    url: https://status.vendor.example/2025-10-01
"""
PRIVATE = """\
id: 2025-09-01-internal
title: INTERNAL-ONLY-TITLE
date: 2025-09-01
status: resolved
severity: low
started: "10:00"
resolved: "10:30"
"""


def render(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(main, ["render", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


@pytest.fixture
def published(repo: Path, write_incident: Write) -> Path:
    (repo / "postmortem.toml").write_text(CONFIG, encoding="utf-8")
    write_incident("2025-10-01-checkout", PUBLIC.replace("{pw}", fx.DB_PW))
    write_incident("2025-09-01-internal", PRIVATE)
    return repo


def test_only_published_incidents_without_their_internal_parts(runner: CliRunner,
                                                               published: Path) -> None:
    result = render(runner, "--audience", "external")
    assert result.exit_code == 0, result.output
    public = published / "public"
    assert sorted(p.name for p in public.iterdir()) == ["2025-10-01-checkout.md", "README.md"]
    report = (public / "2025-10-01-checkout.md").read_text(encoding="utf-8")
    index = (public / "README.md").read_text(encoding="utf-8")
    for generated in (report, index):  # what writes them again
        assert "run `postmortem render --audience external` instead" in generated.split("\n")[0]
    for hidden in ("SECRET-ONCALL-NAME", "THE-INTERNAL-ANALYSIS", fx.DB_PW, "OPS-123",
                   "jira.acme.example", "INTERNAL-ONLY-TITLE", "2025-09-01-internal",
                   "grafana.acme.io", "wiki.acme.internal", "commit/3f2a9c1b7e4d",
                   "+49 151 23456789", "max.mustermann@t-online.de"):
        assert hidden not in report and hidden not in index, hidden
    for shown in ("First failed booking", "[PHONE_REDACTED]", "[EMAIL_REDACTED]",
                  "the dashboard", "[the status page](https://status.acme.com/incidents/42)",
                  "https://status.vendor.example/2025-10-01", "[INTERNAL_LINK_REMOVED]",
                  "Rebuild caches on deploy"):
        assert shown in report, shown
    assert "[Checkout returned errors](2025-10-01-checkout.md)" in index
    # the internal render is untouched by all this: nothing written there yet
    assert not (published / "incidents" / "2025-10-01-checkout.md").exists()



def test_labels_reference_links_and_html_leak_nothing(runner: CliRunner, repo: Path,
                                                       write_incident: Write) -> None:
    """`Label: value` lines are scrubbed in their label too, and internal links in every
    form GitHub shows as a link go: reference definitions, raw HTML, any case of the scheme.
    What is left links within the external folder only."""
    from postmortem.reports.linkcheck import Checker

    (repo / "postmortem.toml").write_text(CONFIG, encoding="utf-8")
    write_incident("2025-09-01-internal", PRIVATE)
    write_incident("2025-10-01-checkout", PUBLIC.split("summary:")[0].replace(
        "internal_fields: [technical_details]\n", "") + """\
header:
  - "Dashboard [panel](https://grafana.acme.io/d/1)": see
  - "Reported by max.mustermann@t-online.de": by mail
impact:
  user:
    figures:
      - "Caller +49 151 23456789": one
summary: |
  See [the runbook][rb], [ops] and HTTPS://grafana.acme.io/d/2, also
  <a href="2025-09-01-internal.md">the other one</a> and
  <img src="https://grafana.acme.io/render/3.png"> and [status](https://status.acme.com/42).

  [rb]: ../docs/runbook.md "Runbook"
  [Ops]: https://wiki.acme.internal/ops
""")
    result = render(runner, "--audience", "external")
    assert result.exit_code == 0, result.output
    public = repo / "public"
    report = (public / "2025-10-01-checkout.md").read_text(encoding="utf-8")
    for hidden in ("grafana.acme.io", "wiki.acme.internal", "runbook.md", "2025-09-01-internal",
                   "max.mustermann@t-online.de", "+49 151 23456789", "[rb]", "[ops]", "<a href",
                   "<img "):
        assert hidden not in report, hidden
    for shown in ("**Dashboard panel**: see", "**Reported by [EMAIL_REDACTED]**: by mail",
                  "**Caller [PHONE_REDACTED]**: one", "See the runbook, ops and "
                  "[INTERNAL_LINK_REMOVED], also\nthe other one and\n and "
                  "[status](https://status.acme.com/42)."):
        assert shown in report, shown
    checker = Checker(load_config(repo))
    for page in sorted(public.rglob("*.md")):
        assert checker.check(page) == []
        page_links = checker.page(page)
        assert not isinstance(page_links, str)
        for link in page_links.links:
            target = link.target.partition("#")[0]
            if target and "://" not in target:
                assert (page.parent / target).resolve().is_relative_to(public), link


def test_the_internal_render_ignores_the_markers(runner: CliRunner, published: Path,
                                                 write_incident: Write,
                                                 generated_body: Callable[[Path], str]) -> None:
    assert render(runner).exit_code == 0
    path = published / "incidents" / "2025-10-01-checkout.md"
    marked = generated_body(path)
    plain = PUBLIC.replace("{pw}", fx.DB_PW).replace("publishable: true\n", "").replace(
        "internal_fields: [technical_details]\n", "").replace("    internal: true\n", "")
    write_incident("2025-10-01-checkout", plain)
    assert render(runner).exit_code == 0
    assert generated_body(path) == marked
    assert "THE-INTERNAL-ANALYSIS" in marked and "SECRET-ONCALL-NAME" in marked


def test_a_report_that_would_show_a_secret_is_not_written(runner: CliRunner, published: Path,
                                                          write_incident: Write) -> None:
    text = PUBLIC.replace("{pw}", fx.DB_PW).replace(
        "    event: First failed booking",
        f"    event: First failed booking with key {fx.STRIPE_LIVE}")
    write_incident("2025-10-01-checkout", text)
    result = render(runner, "--audience", "external")
    assert result.exit_code == 1
    assert not (published / "public" / "2025-10-01-checkout.md").exists()
    line = text.splitlines().index(f"    event: First failed booking with key "
                                   f"{fx.STRIPE_LIVE}") + 1
    assert (f"incidents/2025-10-01-checkout.yaml:{line}:12: error: timeline[0].event: the "
            f"external report was not written: it would show a Stripe key (sk_l…"
            f"({len(fx.STRIPE_LIVE)} chars)); remove it from the file (`postmortem redact`) "
            "or mark its entry `internal: true` [R003]") in result.stderr
    assert fx.STRIPE_LIVE not in result.output


def test_a_report_is_removed_when_its_incident_is_no_longer_published(
        runner: CliRunner, published: Path, write_incident: Write) -> None:
    assert render(runner, "--audience", "external").exit_code == 0
    text = PUBLIC.replace("{pw}", fx.DB_PW)
    write_incident("2025-10-01-checkout",
                   text.replace("publishable: true", "publishable: false"))
    result = render(runner, "--audience", "external")
    assert result.exit_code == 0
    assert "removed: public/2025-10-01-checkout.md" in result.stdout
    assert sorted(p.name for p in (published / "public").iterdir()) == ["README.md"]


def test_a_hand_edit_is_kept_and_the_message_names_the_external_render(
        runner: CliRunner, published: Path) -> None:
    assert render(runner, "--audience", "external").exit_code == 0
    report = published / "public" / "2025-10-01-checkout.md"
    report.write_text(report.read_text(encoding="utf-8") + "Edited.\n", encoding="utf-8")
    (published / "incidents" / "2025-10-01-checkout.yaml").write_text(
        (published / "incidents" / "2025-10-01-checkout.yaml").read_text(encoding="utf-8")
        .replace("title:", "title: Changed", 1), encoding="utf-8")
    result = render(runner, "--audience", "external")
    assert result.exit_code == 1
    assert "public/2025-10-01-checkout.md:1:1: error: edited by hand" in result.stderr
    assert "`postmortem render --audience external --force` replaces it" in result.stderr
    assert report.read_text(encoding="utf-8").endswith("Edited.\n")


def test_check_writes_nothing(runner: CliRunner, published: Path) -> None:
    result = render(runner, "--audience", "external", "--check")
    assert result.exit_code == 1
    assert "missing: public/2025-10-01-checkout.md" in result.stdout
    assert not (published / "public").exists()


@pytest.mark.parametrize(("config", "message"), [
    ("", "the external version needs its own folder"),
    ('[external]\noutput_dir = "incidents"\n', "[external] output_dir 'incidents' is where "
                                               "the internal reports are"),
])
def test_the_external_folder_is_configured_and_its_own(runner: CliRunner, repo: Path,
                                                       write_incident: Write, config: str,
                                                       message: str) -> None:
    (repo / "postmortem.toml").write_text(config, encoding="utf-8")
    write_incident("a")
    result = render(runner, "--audience", "external")
    assert result.exit_code == 2
    assert message in result.stderr


def test_internal_links(repo: Path) -> None:
    (repo / "postmortem.toml").write_text(CONFIG, encoding="utf-8")
    config = load_config(repo)
    for url in ("../docs/runbook.md", "https://wiki.acme.internal/x", "https://grafana.acme.io/d",
                "https://jira.acme.example/browse/OPS-1", "https://github.com/a/b/commit/abc",
                "https://gitlab.com/a/b/-/merge_requests/7", "https://github.com/a/b/pull/9"):
        assert is_internal_url(url, config), url
    for url in ("https://status.acme.com/incidents/42", "https://github.com/a/b",
                "https://acme.internal.example.com/x"):
        assert not is_internal_url(url, config), url


@pytest.mark.parametrize("folder", ["incidents/public", "."])
def test_the_two_renders_never_remove_each_others_files(runner: CliRunner, published: Path,
                                                        folder: str) -> None:
    # The external folder inside the internal one, or around it: each render removes only
    # the files it wrote itself.
    (published / "postmortem.toml").write_text(
        CONFIG.replace('output_dir = "public"', f'output_dir = "{folder}"'), encoding="utf-8")
    assert render(runner).exit_code == 0
    assert render(runner, "--audience", "external").exit_code == 0
    assert render(runner).exit_code == 0
    public = published / folder
    internal = published / "incidents"
    for path in (public / "README.md", public / "2025-10-01-checkout.md",
                 internal / "README.md", internal / "2025-09-01-internal.md",
                 internal / "2025-10-01-checkout.md"):
        assert path.is_file(), path
    for args in ((), ("--audience", "external")):
        result = render(runner, *args, "--check")
        assert result.exit_code == 0, result.output
        assert "orphaned" not in result.stdout
