"""`postmortem redact`: replace secrets and personal data in incident files with placeholders."""

from __future__ import annotations

import click


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--dry-run", is_flag=True,
              help="Write nothing; print the change as a unified diff (removed values masked).")
@click.option("--select", "select", multiple=True, metavar="CODES",
              help="Redact only the findings of these rules (e.g. P0 for secrets).")
@click.option("--ignore", "ignore", multiple=True, metavar="CODES",
              help="Leave the findings of these rules (e.g. P103 for IP addresses).")
@click.pass_context
def command(ctx: click.Context, paths: tuple[str, ...], dry_run: bool,
            select: tuple[str, ...], ignore: tuple[str, ...]) -> None:
    """Replace what `check` reports of rules P with placeholders: [SECRET_REDACTED],
    [EMAIL_REDACTED], [PHONE_REDACTED], [IP_REDACTED], [IBAN_REDACTED], [CARD_REDACTED].

    PATHS are files or folders (default: the whole incidents folder). Allow-lists in
    [privacy] and `# noqa: P...` comments are honoured as in `check`. Everything else in
    each file stays as it was, comments and layout included; a file is replaced
    atomically, and a file that does not read as YAML is left alone (exit 1).

    A redacted secret stays in git history: revoke or rotate it as well.
    """
    from postmortem.config import load_config
    from postmortem.errors import EXIT_PROBLEMS
    from postmortem.format.load import select as named_files
    from postmortem.privacy.redact import redact_files
    from postmortem.rules.selection import override, split_codes

    config = load_config()
    config = override(config, select=split_codes(select) or ("P",), ignore=split_codes(ignore))
    chosen = named_files(paths, config) if paths else None
    outcomes = redact_files(config, chosen, write=not dry_run)
    from postmortem.privacy.redact import Unsafe
    from postmortem.privacy.values import mask

    for o in outcomes:
        for f in o.left:  # where, and what (masked), so that it can be replaced by hand
            click.echo(f"{o.rel}:{f.line}:{f.col}: not redacted: {f.label} "
                       f"{mask(f.value, email=f.kind == 'email')}: {Unsafe.REASON}; replace "
                       "it by hand", err=True)
        if o.refused:
            click.echo(f"{o.rel}: not redacted: {o.refused}", err=True)
        elif o.findings:
            if dry_run:
                click.echo(o.diff(), nl=False)
            else:
                click.echo(f"{o.rel}: {len(o.findings)} value"
                           f"{'s' * (len(o.findings) != 1)} redacted")
    changed = [o for o in outcomes if o.findings and not o.refused]
    left = sum(len(o.left) for o in outcomes)
    secrets = sum(o.secrets for o in changed)
    verb = "would be redacted" if dry_run else "redacted"
    click.echo(f"{len(changed)} file{'s' * (len(changed) != 1)} {verb}, "
               f"{sum(not o.findings and not o.left and not o.refused for o in outcomes)} clean"
               + (f", {sum(bool(o.refused) for o in outcomes)} left alone"
                  if any(o.refused for o in outcomes) else "")
               + (f", {left} value{'s' * (left != 1)} to replace by hand" if left else ""),
               err=True)
    if secrets:
        click.echo(f"{secrets} secret{'s' * (secrets != 1)} {'would be ' if dry_run else ''}"
                   "removed from the files but not from git history: revoke or rotate "
                   f"{'them' if secrets != 1 else 'it'}", err=True)
    ctx.exit(EXIT_PROBLEMS if any(o.refused or o.left for o in outcomes) else 0)
