"""`postmortem import`: existing Markdown postmortems into incident files."""

from __future__ import annotations

import click


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--dry-run", is_flag=True,
              help="Write nothing: print the YAML each document would become.")
@click.option("--output-dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Write the incident files here instead of the incidents folder.")
@click.pass_context
def command(ctx: click.Context, paths: tuple[str, ...], dry_run: bool,
            output_dir: str | None) -> None:
    """Turn Markdown postmortems into incident files, one per document.

    PATHS are files, or folders searched for .md, .markdown and .txt files. Each document
    is read by its headings, labels and tables (English and German): title, date, status,
    severity, trigger, detection, people, timeline, root causes, impact, fixes,
    verification, known issues, prevention, monitoring, lessons, action items, next steps,
    sign-off and related links. What maps to no field is kept
    as a free section at its place, so the rendered report holds every code block, table
    cell, list item and heading of the source. Mis-decoded text (UTF-8 read as Mac Roman
    or Windows-1252) is repaired when the whole document repairs.

    The files are written as <date>-<slug of the title>.yaml and pass `postmortem check`;
    a YAML comment marks each value the importer read by interpretation, and a value the
    document does not state but the format requires is `unknown` (a status: a marked
    placeholder). Nothing is overwritten: an id that exists is an error for that document,
    and the others go on.

    A summary per document goes to stderr: which sections were recognised, where the rest
    went, what was repaired, guessed, left unknown or a placeholder, and check's warnings.
    Exit 0 when every document was imported, 1 when one failed, 2 on a usage error.
    """
    from pathlib import Path

    from postmortem.config import load_config
    from postmortem.errors import EXIT_PROBLEMS
    from postmortem.importer.run import import_documents, summary

    config = load_config()
    target = Path(output_dir).resolve() if output_dir else None
    results = import_documents(config, paths, output_dir=target, dry_run=dry_run)
    for result in results:
        if dry_run and result.text is not None and result.error is None:
            click.echo(f"# --- {result.target}")
            click.echo(result.text, nl=False)
        for line in summary(result):
            click.echo(line, err=True)
    folders = sum(r.folder for r in results)
    documents = len(results) - folders
    failed = sum(r.error is not None for r in results) - folders
    verb = "would be imported" if dry_run else "imported"
    unread = f"; {folders} folder{'s' * (folders != 1)} could not be read" if folders else ""
    click.echo(f"{documents} document{'s' * (documents != 1)}: {documents - failed} {verb}, "
               f"{failed} failed{unread}", err=True)
    ctx.exit(EXIT_PROBLEMS if failed or folders else 0)
