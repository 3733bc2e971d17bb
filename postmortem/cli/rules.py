"""`postmortem rules`: the rules of `check`, one or all, as text or as docs/rules.md."""

from __future__ import annotations

import click


@click.command()
@click.argument("code", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="A list (or one rule) as text, or the Markdown "
                                      "reference (docs/rules.md).")
def command(code: str | None, fmt: str) -> None:
    """List the rules of `check`: code, name, default severity and what each finds.

    With CODE (a code or a name, e.g. M006 or timeline-order), print that rule with an
    example it reports and the fix. Select rules with `check --select/--ignore` or [check]
    in the configuration; silence one line with `# noqa: CODE`.
    """
    from postmortem.rules.docs import describe, listing, reference
    from postmortem.rules.selection import matching

    if fmt == "markdown":
        click.echo(reference(), nl=False)
    elif code is None:
        click.echo(listing(), nl=False)
    else:
        for rule in matching(code, where="rules"):
            click.echo(describe(rule), nl=False)
