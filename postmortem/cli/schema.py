"""`postmortem schema`: the incident format as JSON Schema or as a field reference."""

from __future__ import annotations

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json",
              show_default=True, help="JSON Schema, or a Markdown field reference.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), metavar="PATH",
              help="Write the JSON Schema to PATH (atomically; only replaces a file postmortem "
                   "wrote), e.g. incidents/incident.schema.json.")
def command(fmt: str, output: str | None) -> None:
    """Print the incident file format as JSON Schema (draft 2020-12).

    Point your editor at it with a first line such as
    `# yaml-language-server: $schema=incident.schema.json` (a path relative to the YAML file);
    `postmortem new` writes that line and keeps the schema file beside the new incident.
    `--format markdown` prints the same schema as a field reference (docs/fields.md).
    """
    if output is not None:
        from pathlib import Path

        from postmortem.errors import UsageError
        from postmortem.format.scaffold import write_schema

        if fmt != "json":
            raise UsageError("--output writes the JSON Schema; it does not combine with "
                             "--format markdown")
        changed = write_schema(Path(output))
        click.echo(f"{'Wrote' if changed else 'Unchanged:'} {output}", err=True)
        return
    if fmt == "markdown":
        from postmortem.format.schemadoc import field_reference

        click.echo(field_reference(), nl=False)
        return
    import json

    from postmortem.format.model import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
