"""`postmortem check`: validate incident files."""

from __future__ import annotations

import click

from postmortem.cli.options import jobs_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Problems as lines or as a JSON list.")
@click.option("--select", "select", multiple=True, metavar="CODES",
              help="Run only these rules: codes, code prefixes or names, comma-separated "
                   "(e.g. M,X001,timeline-order); replaces the configured selection.")
@click.option("--ignore", "ignore", multiple=True, metavar="CODES",
              help="Do not run these rules (added to the configured ignores).")
@jobs_option
@click.option("--links", is_flag=True,
              help="Also check the generated Markdown (reports and index): every relative link "
                   "and #anchor must resolve.")
@click.pass_context
def command(ctx: click.Context, paths: tuple[str, ...], strict: bool, fmt: str,
            select: tuple[str, ...], ignore: tuple[str, ...], jobs: int | None, links: bool
            ) -> None:
    """Validate incident files against the schema and the semantic rules.

    PATHS are files or folders (default: the whole incidents folder). Every problem is
    printed as `file:line:col: severity: field: message`, then a summary line. Exit 0 when
    clean, 1 on errors (and on warnings with --strict), 2 on a usage error.

    Every finding comes from a rule with a stable code (`postmortem rules` lists them).
    Choose rules with --select/--ignore or [check] in the configuration; silence one line
    with a YAML comment naming the code: `# noqa: M006 -- why`.

    With --links, the rendered reports of these files (and, without PATHS, the index) are
    parsed too, and each broken link is reported as `report:line:col: error: link: ...`.
    """
    from postmortem.config import load_config
    from postmortem.errors import EXIT_PROBLEMS
    from postmortem.format.load import select as named_files
    from postmortem.rules import problems as pr
    from postmortem.rules.collection import load_all
    from postmortem.rules.selection import override, split_codes

    config = load_config()
    if select or ignore:
        config = override(config, select=split_codes(select), ignore=split_codes(ignore))
    collection = load_all(config, named_files(paths, config) if paths else None,
                          jobs=jobs)
    found = collection.problems
    if links:  # markdown-it is imported only here: plain `check` stays fast
        from postmortem.reports.linkcheck import check_links

        found = sorted([*found, *check_links(config, collection, index=not paths)],
                       key=pr.sort_key)
    if fmt == "json":
        click.echo(pr.to_json(found), nl=False)
    else:
        for problem in found:
            click.echo(problem.format())
    click.echo(pr.summary(found, len(collection.files)), err=True)
    ctx.exit(EXIT_PROBLEMS if pr.is_failure(found, strict=strict) else 0)
