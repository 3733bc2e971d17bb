"""`postmortem render`: write each incident's Markdown report and the index."""

from __future__ import annotations

import click

from postmortem.cli.options import jobs_option


@click.command()
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 listing reports that are missing or stale (for CI "
                   "and pre-commit).")
@click.option("--force", is_flag=True,
              help="Also replace (or remove) generated files that were edited by hand; each "
                   "edited version is kept beside its file as <name>.edited-<digest>.")
@click.option("--audience", type=click.Choice(["internal", "external"]), default="internal",
              show_default=True,
              help="external: the reports of the incidents marked `publishable`, without "
                   "their internal parts, personal data or internal links, and their index, "
                   "in [external] output_dir; none that would show a secret is written.")
@jobs_option
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@click.pass_context
def command(ctx: click.Context, check_only: bool, force: bool, audience: str, jobs: int | None,
            quiet: bool) -> None:
    """Render every incident into a Markdown report next to its YAML (or into output_dir).

    Only files that carry postmortem's marker line are ever overwritten or removed, and
    only where the marker says they were written (a copy under another name stays); an
    unchanged report is not rewritten. A generated file edited by hand is left as it is
    and reported (exit 1) unless --force. Incident files with errors are reported and
    skipped. Two runs in one repository take turns.
    """
    from postmortem.config import load_config
    from postmortem.errors import EXIT_PROBLEMS, UsageError
    from postmortem.reports.render import render_all

    if force and check_only:
        raise UsageError("--check writes nothing, so --force has nothing to replace; use one "
                         "or the other")
    config = load_config()
    run = render_all
    if audience == "external":
        from postmortem.reports.external import render_external as run
    result = run(config, check=check_only, force=force, jobs=jobs, waiting=lambda: click.echo(
        "postmortem: waiting for another render of this repository to finish ...", err=True))
    for problem in result.problems:
        click.echo(problem.format(), err=True)
    # A file that is not ours, or edited by hand, was left alone (and reported above): it
    # did not change.
    left = ("not-ours", "edited")
    changed = [o for o in result.changed() if o.action not in left]
    refused = sum(o.action in left for o in result.outcomes)
    for outcome in changed:
        if not quiet or check_only:
            kept = f" (the hand-edited version is kept as {outcome.kept})" if outcome.kept else ""
            click.echo(f"{outcome.action}: {outcome.path}{kept}")
    if not quiet:
        unchanged = len(result.outcomes) - len(changed) - refused
        verb = "would change" if check_only else "changed"
        click.echo(f"{len(changed)} file{'s' * (len(changed) != 1)} {verb}, {unchanged} "
                   f"unchanged" + (f", {refused} not overwritten" if refused else ""),
                   err=True)
    if check_only and changed:
        # What to run, as the tool that failed a commit or a CI job should say.
        again = " --audience external" if audience == "external" else ""
        click.echo(f"Run `postmortem render{again}` to update "
                   f"{'them' if len(changed) != 1 else 'it'}, then commit the result.",
                   err=True)
    errors = any(p.severity == "error" for p in result.problems)
    ctx.exit(EXIT_PROBLEMS if errors or (check_only and changed) else 0)
