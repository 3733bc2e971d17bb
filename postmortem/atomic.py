"""Atomic file writes: readers see the old file or the new one, never half of either.

A write that fails (a read-only folder, a full disk, a file in the way of a folder) is a
:class:`WriteError` naming the file, and leaves no temp file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

from postmortem.errors import PostmortemError

# O_BINARY keeps Windows from translating "\n": output must be byte-for-byte the same everywhere.
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
# The temp files of _write_temp: `.<name>.<8 hex>.tmp` beside their target.
TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[0-9a-f]{8}\.tmp$")

_HINTS = {
    errno.EACCES: "the folder is not writable: check its permissions",
    errno.EPERM: "the folder is not writable: check its permissions",
    errno.EROFS: "the file system is read-only: write somewhere else",
    errno.ENOSPC: "the disk is full: free some space and run it again",
    errno.EDQUOT: "the disk quota is used up: free some space and run it again",
    errno.EFBIG: "the file is larger than this system allows here (see `ulimit -f`)",
}


class WriteError(PostmortemError):
    """A file could not be written or removed: names it, with the system's reason."""


def shown(path: Path) -> str:
    """``path`` as a message names it: relative to the working folder when inside it."""
    with contextlib.suppress(ValueError, OSError):
        return path.relative_to(Path.cwd()).as_posix()
    return str(path)


def _failed(doing: str, path: Path, exc: OSError, name: str | None) -> WriteError:
    return WriteError(f"cannot {doing} {name or shown(path)}: {exc.strerror or exc}; nothing "
                      "was half-written", hint=_HINTS.get(exc.errno or 0))


def ensure_folder(folder: Path, name: str | None = None) -> None:
    """Create ``folder`` (and its parents) unless it is there; a file in the way is named."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocker = next((p for p in (folder, *folder.parents)
                        if p.exists() and not p.is_dir()), folder)
        raise WriteError(f"cannot create the folder {name or shown(folder)}: {shown(blocker)} "
                         "is a file, not a folder",
                         hint="move the file away, or configure another folder") from None
    except OSError as exc:
        raise _failed("create the folder", folder, exc, name) from None


def remove(path: Path, name: str | None = None) -> None:
    """Delete ``path``; already gone (another run removed it) is fine."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise _failed("remove", path, exc, name) from None


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
                       durable: bool = False, name: str | None = None) -> None:
    """Replace (or create) ``path`` with ``data`` in one step.

    ``durable`` adds an fsync: off by default because rendering thousands of reports would
    pay for it on every file, and a crash then leaves the old file, not a torn one.
    An existing file keeps its permission bits. ``name`` is how errors name the file.
    """
    target = Path(path)
    try:
        tmp = _write_temp(target, data, durable=durable)
        try:
            with contextlib.suppress(FileNotFoundError):  # a new file: the umask decides
                os.chmod(tmp, os.stat(target).st_mode & 0o7777)
            os.replace(tmp, target)
        except BaseException:
            _discard(tmp)
            raise
    except OSError as exc:
        raise _failed("write", target, exc, name) from None


def write_text_atomic(path: str | os.PathLike[str], text: str, *, durable: bool = False,
                      name: str | None = None) -> None:
    """Replace (or create) ``path`` with ``text`` as UTF-8, line endings exactly as given."""
    write_bytes_atomic(path, text.encode("utf-8"), durable=durable, name=name)


def create_exclusive(path: str | os.PathLike[str], text: str | bytes) -> None:
    """Create ``path`` holding ``text`` (UTF-8); raise FileExistsError if it already exists.

    The complete file appears at once: it is written under a temp name and then hard-linked
    to ``path``, and a link, unlike a rename, never replaces an existing file. Where hard
    links are not supported, it falls back to an exclusive create (never overwrites, but a
    reader could see the file before it is complete).
    """
    target = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
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


@contextlib.contextmanager
def locked(path: Path | None, *, shared: bool = False,
           waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold an advisory lock on ``path`` (created if needed): exclusive for a run that
    writes, ``shared`` for one that only compares. ``waiting`` is called once when another
    run holds it. Where there is no ``path``, no folder for it or no ``fcntl`` (Windows),
    runs go unlocked: they tolerate each other, only less tidily. The lock goes with the
    process, so a killed run never leaves it held."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None  # type: ignore[assignment]
    fd = -1
    if path is not None and fcntl is not None:
        with contextlib.suppress(OSError):  # e.g. a read-only .git: go unlocked
            path.parent.mkdir(exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        if fd >= 0:
            mode = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting is not None:
                    waiting()
                fcntl.flock(fd, mode)
        yield
    finally:
        if fd >= 0:
            os.close(fd)


def leftover_temps(folder: Path, names: Callable[[str], bool]) -> Iterator[Path]:
    """Temp files of writes that never finished (a killed run) in ``folder``, for targets
    whose name ``names`` accepts."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            m = TEMP_NAME.match(entry.name)
            if m and names(m.group("target")) and entry.is_file(follow_symlinks=False):
                yield Path(entry.path)
