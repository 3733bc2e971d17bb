"""The command line: parses options, calls the library, maps results to exit codes."""

from __future__ import annotations

import contextlib
import importlib
import keyword
import signal
import threading
from collections.abc import Iterator
from typing import Any

import click

from postmortem import __version__
from postmortem.errors import (
    EXIT_BUG,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    PostmortemError,
    Terminated,
    stops_kept,
)

# Subcommands: each is a module of this package defining `command`, imported on use so that
# `postmortem --help` costs little more than click itself.
COMMANDS = ("actions", "check", "import", "new", "redact", "render", "review", "rules",
            "schema")


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        # `import` is a Python keyword: its module is import_.
        module = cmd_name + "_" if keyword.iskeyword(cmd_name) else cmd_name
        command: click.Command = importlib.import_module(f"postmortem.cli.{module}").command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """The one boundary where library errors become messages and exit codes."""
        with _terminate_as_exception():
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            with stops_kept() as stops:
                try:
                    return super().invoke(ctx)
                finally:
                    if stops:  # it came while a finalizer ran: the command ends here
                        raise stops[0]
        except PostmortemError as exc:
            click.echo(f"postmortem: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Terminated:
            click.echo("Terminated.", err=True)
            ctx.exit(EXIT_TERMINATED)
        except Exception:  # a bug: say so, with the traceback a report needs
            import traceback

            click.echo(traceback.format_exc(), err=True, nl=False)
            click.echo(
                f"postmortem {__version__}: internal error (a bug, not a problem with your "
                "files); please report it with the traceback above.",
                err=True,
            )
            ctx.exit(EXIT_BUG)


@contextlib.contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """SIGTERM raises Terminated while a command runs, instead of ending the process on the
    spot: the writes under way then remove their temp files (the default action would
    leave them behind)."""

    def terminated(signum: int, frame: Any) -> None:
        raise Terminated

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="postmortem")
def main() -> None:
    """Incident reports as code: validate, render and follow up postmortems kept in git.

    Run from anywhere inside the repository; settings come from [tool.postmortem] in
    pyproject.toml or from postmortem.toml at its root.
    """
