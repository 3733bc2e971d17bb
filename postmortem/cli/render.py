"""`postmortem render`: write each incident's Markdown report and the index."""

from __future__ import annotations

import click


@click.command()
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 listing reports that are missing or stale (for CI "
                   "and pre-commit).")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.pass_context
def command(ctx: click.Context, check_only: bool, quiet: bool) -> None:
    """Render every incident into a Markdown report next to its YAML (or into output_dir).

    Only files that carry postmortem's marker line are ever overwritten or removed; an
    unchanged report is not rewritten. Incident files with errors are reported and skipped.
    """
    from postmortem.config import load_config
    from postmortem.errors import EXIT_PROBLEMS
    from postmortem.reports.render import render_all

    config = load_config()
    result = render_all(config, check=check_only)
    for problem in result.problems:
        click.echo(problem.format(), err=True)
    # A file that is not ours was left alone (and reported above): it did not change.
    changed = [o for o in result.changed() if o.action != "not-ours"]
    refused = sum(o.action == "not-ours" for o in result.outcomes)
    for outcome in changed:
        if not quiet or check_only:
            click.echo(f"{outcome.action}: {outcome.path}")
    if not quiet:
        unchanged = len(result.outcomes) - len(changed) - refused
        verb = "would change" if check_only else "changed"
        click.echo(f"{len(changed)} file{'s' * (len(changed) != 1)} {verb}, {unchanged} "
                   f"unchanged" + (f", {refused} not overwritten" if refused else ""),
                   err=True)
    errors = any(p.severity == "error" for p in result.problems)
    ctx.exit(EXIT_PROBLEMS if errors or (check_only and changed) else 0)
