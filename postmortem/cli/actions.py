"""`postmortem actions`: action items and their history, read from git."""

from __future__ import annotations

import datetime as dt

import click

from postmortem.cli.options import jobs_option
from postmortem.format.vocabulary import ITEM_STATUSES

STATUS_CHOICES = (*ITEM_STATUSES, "open", "closed", "dropped")


@click.command()
@click.argument("item_ref", metavar="[INCIDENT#ID]", required=False)
@click.option("--as-of", "as_of", metavar="DATE",
              help="Report the items as they stood at the end of DATE (YYYY-MM-DD, in the "
                   "configured time zone)  [default: today]")
@click.option("--owner", "owners", multiple=True, metavar="NAME",
              help="Only items of this owner (repeatable; case-insensitive).")
@click.option("--incident", "incidents", multiple=True, metavar="ID",
              help="Only items of this incident (repeatable).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUS_CHOICES),
              help="Only items with this status (repeatable); open = todo, in_progress or "
                   "blocked; closed = done or wontfix; dropped = removed while open.")
@click.option("--overdue", is_flag=True, help="Only items overdue on the as-of date.")
@click.option("--due-within", "due_within", type=click.IntRange(min=0), metavar="DAYS",
              help="Only open items due from the as-of date to DAYS days after it (with "
                   "--overdue: items that are either).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="A table (or one item's history) or JSON.")
@jobs_option
def command(item_ref: str | None, as_of: str | None, owners: tuple[str, ...],
            incidents: tuple[str, ...], statuses: tuple[str, ...], overdue: bool,
            due_within: int | None, fmt: str, jobs: int | None) -> None:
    """List action items with their due dates, slips and closing dates, from git history.

    The state of an item on a day is the one in the last commit on or before the end of
    that day (committer dates, in the configured time zone); uncommitted edits do not
    count. An item is overdue when its due date is before the as-of date and it is
    neither done nor wontfix. The table is sorted by days overdue, then priority, then
    due date; the summary goes to standard error.

    With INCIDENT#ID (e.g. 2025-10-01-cache#AI-1), print that item's full history:
    opened, status, due (slips and pull-ins), owner, dropped and restored events with
    their commits.

    Items are followed through renamed incident files (git rename detection) and files
    deleted and added again. An item whose own id changes counts as the old item dropped
    and a new one opened. Parsed history is cached in .git/postmortem/; versions not in
    the cache yet are parsed in worker processes when there are many (--jobs).
    """
    import json

    from postmortem.cli.options import days_after, parse_day
    from postmortem.config import load_config
    from postmortem.errors import UsageError
    from postmortem.format.times import zone
    from postmortem.history import actions as ac
    from postmortem.history.reader import read_history

    given_day = parse_day(as_of)
    if item_ref is not None:
        ac.parse_ref(item_ref)  # a malformed reference is a usage error before anything runs
    if item_ref is not None and (owners or incidents or statuses or overdue
                                 or due_within is not None):
        raise UsageError("filters select items for the list; they do not combine with "
                         "INCIDENT#ID")
    config = load_config()
    tz = zone(config.timezone)
    assert tz is not None  # load_config checked it
    # The one clock read: the default as-of day is today where the incidents live.
    day = given_day or dt.datetime.now(tz).date()
    if due_within is not None:
        days_after(day, due_within, "--due-within")
    history = read_history(config, jobs=jobs)
    for warning in history.warnings:
        click.echo(f"postmortem: warning: {warning}", err=True)

    if item_ref is not None:
        report = ac.item_on(history, item_ref, day, tz,
                            where=f"{config.rel(config.incidents_dir)}/")
        if fmt == "json":
            click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        else:
            click.echo(ac.format_item(report), nl=False)
        return

    ac.check_incidents(history, incidents, where=f"{config.rel(config.incidents_dir)}/")
    reports = ac.select(history, day, tz, owners=owners, incidents=incidents,
                        statuses=statuses, overdue=overdue, due_within=due_within)
    if fmt == "json":
        click.echo(json.dumps([r.to_json() for r in reports], ensure_ascii=False, indent=2))
    elif reports:
        click.echo(ac.format_table(reports), nl=False)
    late = sum(r.overdue for r in reports)
    noun = "action item" if len(reports) == 1 else "action items"
    click.echo(f"{len(reports)} {noun} as of {day.isoformat()}, {late} overdue", err=True)
