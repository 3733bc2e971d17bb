"""Atomic file writes: readers see the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

# O_BINARY keeps Windows from translating "\n": output must be byte-for-byte the same everywhere.
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _write_temp(target: Path, data: bytes, *, durable: bool) -> Path:
    """A new hidden temp file beside ``target`` holding ``data``.

    Beside it so that the final rename never crosses a file system; created with mode 0o666
    so that the umask applies as it would to a plain ``open(path, "w")``.
    """
    while True:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:  # pragma: no cover - 32 random bits collided
            continue
        break
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
    except BaseException:
        _discard(tmp)
        raise
    return tmp


def _discard(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes, *,
                       durable: bool = False) -> None:
    """Replace (or create) ``path`` with ``data`` in one step.

    ``durable`` adds an fsync: off by default because rendering thousands of reports would
    pay for it on every file, and a crash then leaves the old file, not a torn one.
    An existing file keeps its permission bits.
    """
    target = Path(path)
    tmp = _write_temp(target, data, durable=durable)
    try:
        with contextlib.suppress(FileNotFoundError):  # a new file: the umask decides
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        _discard(tmp)
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str, *, durable: bool = False) -> None:
    """Replace (or create) ``path`` with ``text`` as UTF-8, line endings exactly as given."""
    write_bytes_atomic(path, text.encode("utf-8"), durable=durable)


def create_exclusive(path: str | os.PathLike[str], text: str) -> None:
    """Create ``path`` holding ``text`` (UTF-8); raise FileExistsError if it already exists.

    The complete file appears at once: it is written under a temp name and then hard-linked
    to ``path``, and a link, unlike a rename, never replaces an existing file. Where hard
    links are not supported, it falls back to an exclusive create (never overwrites, but a
    reader could see the file before it is complete).
    """
    target = Path(path)
    data = text.encode("utf-8")
    tmp = _write_temp(target, data, durable=False)
    try:
        try:
            os.link(tmp, target)
            return
        except FileExistsError:
            raise
        except OSError:  # no hard links here (FAT, some network shares): create exclusively
            pass
        fd = os.open(target, _FLAGS, 0o666)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
        except BaseException:
            _discard(target)
            raise
    finally:
        _discard(tmp)
