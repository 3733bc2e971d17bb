"""`postmortem new`: scaffold a new incident file."""

from __future__ import annotations

import datetime as dt

import click

from postmortem.format.vocabulary import LANGUAGES, SEVERITIES


@click.command()
@click.argument("title", nargs=-1, required=True)
@click.option("--date", "day", metavar="YYYY-MM-DD",
              help="Day the incident started.  [default: today in the configured time zone]")
@click.option("--severity", type=click.Choice(SEVERITIES), default="medium", show_default=True,
              help="Severity; also the priority of the pre-filled action items and the "
                   "due-date policy they follow (due_days).")
@click.option("--language", type=click.Choice(LANGUAGES), default=None,
              help="Language of the report and of the scaffold's comments.  "
                   "[default: the configured language]")
@click.option("--id", "incident_id", metavar="ID",
              help="Id and file name instead of DATE-SLUG: lowercase letters, digits and "
                   "hyphens, at most 80 characters.")
@click.option("--edit", is_flag=True, help="Open the new file in $VISUAL or else $EDITOR.")
def command(title: tuple[str, ...], day: str | None, severity: str,
            language: str | None, incident_id: str | None, edit: bool) -> None:
    """Create an incident file from a commented scaffold and print its path.

    Writes <incidents folder>/<DATE>-<slug of TITLE>.yaml (several words need no quotes).
    The slug is ASCII, at most 60 characters: "Störung im Checkout" gives
    stoerung-im-checkout. The scaffold holds every section of the format with guidance
    and TODO placeholders, and passes `postmortem check` as written (a TODO left once the
    status is resolved or closed is reported, C011); its action items are due on the last
    day the policy allows for the severity.

    The path is printed relative to the repository root, as `check` prints paths.
    Never overwrites: an id that an incident file already has is an error (exit 1)
    suggesting a free --id. Exit 0 when written, 2 on a usage error (e.g. a bad --id).
    """
    import os

    from postmortem.cli.options import parse_day
    from postmortem.config import load_config
    from postmortem.errors import UsageError
    from postmortem.format.scaffold import create_incident

    if edit and not (os.environ.get("VISUAL") or os.environ.get("EDITOR")):
        raise UsageError("--edit needs an editor, but neither $VISUAL nor $EDITOR is set",
                         hint="set one, e.g. `export EDITOR=nano`, or leave out --edit")
    given = parse_day(day, "--date")  # in the words `actions` and `review` use for dates
    config = load_config()
    if given is None:
        from postmortem.format.times import zone

        # The one clock read: "today" where the team is, not where the machine is.
        date = dt.datetime.now(zone(config.timezone) or dt.timezone.utc).date()
    else:
        date = given
    path = create_incident(config, " ".join(title), date=date, severity=severity,
                           language=language, incident_id=incident_id)
    click.echo(config.rel(path))
    if edit:
        click.edit(filename=str(path))
