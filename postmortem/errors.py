"""The one exception base; the CLI boundary turns it into a message and an exit code."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

EXIT_PROBLEMS = 1  # problems found, or a user-facing error
EXIT_USAGE = 2  # bad arguments or configuration
EXIT_BUG = 3  # an internal error: a bug
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_TERMINATED = 143  # SIGTERM (a CI timeout, `kill`), as shells report it


class PostmortemError(Exception):
    """A user-facing error: printed without a traceback."""

    exit_code = EXIT_PROBLEMS

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class UsageError(PostmortemError):
    """Bad arguments or configuration: the command could not start."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """The ``[tool.postmortem]`` table or ``postmortem.toml`` is wrong; ``key`` is the path
    of the setting at fault within it, for the message to name its line."""

    def __init__(self, message: str, *, hint: str | None = None,
                 key: tuple[str, ...] = ()) -> None:
        super().__init__(message, hint=hint)
        self.key = key


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like Ctrl-C, so that temp files are removed on the way out."""


@contextlib.contextmanager
def stops_kept() -> Iterator[list[BaseException]]:
    """Ctrl-C or SIGTERM raised while a finalizer runs (``__del__``: GitPython's process
    objects, say) cannot unwind from there: Python prints it and goes on as if nothing had
    happened. In this block such a stop is kept, unprinted, in the list it gives, for the
    caller to act on where it can."""
    kept: list[BaseException] = []
    previous = sys.unraisablehook

    def keep(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, (KeyboardInterrupt, Terminated)):
            kept.append(unraisable.exc_value)
        else:
            previous(unraisable)

    sys.unraisablehook = keep
    try:
        yield kept
    finally:
        sys.unraisablehook = previous
