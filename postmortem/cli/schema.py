"""`postmortem schema`: the incident format as JSON Schema or as a field reference."""

from __future__ import annotations

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json",
              show_default=True, help="JSON Schema, or a Markdown field reference.")
def command(fmt: str) -> None:
    """Print the incident file format as JSON Schema (draft 2020-12).

    Point your editor at it with a first line such as
    `# yaml-language-server: $schema=<path or URL of the saved schema>`.
    `--format markdown` prints the same schema as a field reference (docs/fields.md).
    """
    if fmt == "markdown":
        from postmortem.format.schemadoc import field_reference

        click.echo(field_reference(), nl=False)
        return
    import json

    from postmortem.format.model import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
