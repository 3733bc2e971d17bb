"""`postmortem review`: the weekly action-item review, printed, written or committed."""

from __future__ import annotations

import datetime as dt

import click

from postmortem.cli.options import jobs_option


@click.command()
@click.option("--week", metavar="YYYY-Www",
              help="ISO week to review, in the configured time zone "
                   "[default: the last complete week].")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Review the seven days ending with DATE (YYYY-MM-DD) instead of a week.")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md",
              show_default=True, help="Markdown report or JSON data.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), metavar="PATH",
              help="Write to PATH (atomically; only replaces a file postmortem generated) "
                   "instead of standard output.")
@click.option("--commit", "commit", is_flag=True,
              help="Write <reviews_dir>/<YYYY-Www>.md and commit that one file as "
                   "'Action-item review <YYYY-Www>' (only when its content changed).")
@click.option("--force", is_flag=True,
              help="Replace a review that was edited by hand; the edited version is kept "
                   "beside it as <name>.edited-<digest>.")
@jobs_option
def command(week: str | None, as_of: str | None, fmt: str, output: str | None,
            commit: bool, force: bool, jobs: int | None) -> None:
    """Report on the action items of all incidents for the weekly review meeting.

    The reporting instant is the end of the week (Sunday 23:59:59 in the configured time
    zone) or of the --as-of day; "this week" is the seven days ending then. Sections:
    headline figures against the previous week, overdue, due in the next 7 days, closed,
    opened, slipped and dropped this week, per owner, and the trend of 8 weeks. Every item
    links to its incident report where `render` has written it, relative to the folder the
    review is written to (the repository root on standard output). --commit refuses,
    changing nothing, while other changes are staged, on a detached HEAD and during a
    rebase, merge, cherry-pick or bisect; when git (a hook, say) rejects the commit, the
    file is put back as it was.
    A review edited by hand is replaced only with --force.
    """
    from pathlib import Path

    from postmortem.cli.options import in_range, parse_day
    from postmortem.config import load_config
    from postmortem.errors import UsageError
    from postmortem.format.times import zone
    from postmortem.history import review as rv
    from postmortem.history.reader import read_history
    from postmortem.history.review_markdown import render_markdown

    if week and as_of:
        raise UsageError("give --week or --as-of, not both")
    if commit and (as_of or output or fmt != "md"):
        raise UsageError("--commit records a whole week as Markdown in the reviews folder; "
                         "it does not combine with --as-of, --output or --format json")
    # Options are checked before the configuration is read, so that a wrong one says so.
    given = in_range(rv.parse_week(week), "--week", week) if week else parse_day(as_of)
    config = load_config()
    # The one clock read (without --week or --as-of): every date below derives from it.
    day = given or rv.last_complete_week(dt.datetime.now(zone(config.timezone)))
    target = Path(output).resolve() if output else None
    # Links in the review are relative to where it is written; on stdout, to the root.
    links_from = config.reviews_dir if commit else target.parent if target else config.root
    history = read_history(config, jobs=jobs)
    for warning in history.warnings:
        click.echo(f"postmortem: warning: {warning}", err=True)
    review = rv.build_review(history, config, day, links_from=links_from)
    text = rv.to_json(review) if fmt == "json" else render_markdown(review, config)
    if commit:
        recorded = rv.record_review(config, review.week, text, force=force)
        where = config.rel(recorded.path)
        if recorded.commit:
            click.echo(f"Committed {where} ({recorded.commit[:8]}).")
        else:
            click.echo(f"{where} is up to date; nothing to commit.")
    elif target is not None:
        changed = rv.write_generated(target, text, config, force=force)
        click.echo(f"{'Wrote' if changed else 'Unchanged:'} {config.rel(target)}", err=True)
    else:
        click.echo(text, nl=False)
