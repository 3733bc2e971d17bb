"""`postmortem schema`: the incident format as JSON Schema."""

from __future__ import annotations

import click


@click.command()
def command() -> None:
    """Print the incident file format as JSON Schema (draft 2020-12).

    Point your editor at it with a first line such as
    `# yaml-language-server: $schema=<path or URL of the saved schema>`.
    """
    import json

    from postmortem.model import json_schema

    click.echo(json.dumps(json_schema(), indent=2, ensure_ascii=False))
