"""Reading the repository's files: regular files only, inside it, never blocking on them."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

# O_NONBLOCK: opening a FIFO that slipped past the checks must not wait for a writer.
# O_NOFOLLOW: the file checked is the file opened, not a link swapped in meanwhile.
_OPEN = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
         | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISLNK, "a symbolic link"))


_ONLY_FILES = "only regular files are read: remove it or give it another name"


class Refused(Exception):
    """A path that is not read, and why: what it is, and what to do instead."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__(f"{what}; {hint}")
        self.what = what
        self.hint = hint


def kind(mode: int) -> str:
    """What a file of ``mode`` is, in words: "a named pipe (FIFO)", "a folder", ..."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def inside(path: Path, root: Path) -> bool:
    """Whether ``path`` is in the repository at ``root``, and not in its git folder (whose
    config may hold a CI token: a link to it must not show it in a message)."""
    if path == root:
        return True
    return path.is_relative_to(root) and ".git" not in path.relative_to(root).parts


def _target(path: Path, root: Path | None) -> Path:
    """The regular file ``path`` names: itself, or (``root`` given) what a symbolic link to
    a file inside ``root`` points to. Without ``root`` a link is refused."""
    mode = os.lstat(path).st_mode  # FileNotFoundError when there is nothing
    if stat.S_ISLNK(mode):
        if root is None:
            raise Refused("is a symbolic link", "links are not followed here: replace it "
                          "with a file, or remove it")
        try:
            real = Path(os.path.realpath(path, strict=True))
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise Refused("is a symbolic link that leads back to itself (a loop)",
                              "remove it, or point it at an incident file") from None
            if exc.errno in (errno.ENOENT, errno.ENOTDIR):
                raise Refused("is a symbolic link to a file that does not exist",
                              "remove it, or point it at an incident file") from None
            raise
        if not real.is_relative_to(root):
            raise Refused("is a symbolic link to a file outside the repository",
                          "files outside it are never read: copy the file in instead of "
                          "linking to it")
        if not inside(real, root):
            raise Refused("is a symbolic link into the repository's git folder",
                          "git's own files are never read: remove the link")
        path, mode = real, os.stat(real).st_mode
    if not stat.S_ISREG(mode):
        raise Refused(f"is {kind(mode)}", _ONLY_FILES)
    return path


class TooBig(Exception):
    """A file larger than the limit it was read with."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_regular(path: Path, root: Path | None = None, limit: int | None = None) -> bytes:
    """The bytes of ``path`` when it is a regular file (or, with ``root``, a link to one
    inside it); else :class:`Refused`. With ``limit``, a larger file is :class:`TooBig`.
    Errors of the OS are raised as OSError."""
    fd = os.open(_target(path, root), _OPEN)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):  # replaced since it was looked at
            raise Refused(f"is {kind(st.st_mode)}", _ONLY_FILES)
        if limit is not None and st.st_size > limit:
            raise TooBig(st.st_size)
        # One read for a file of the size it had; more while it keeps growing.
        chunks, wanted = [], st.st_size + 1
        while wanted > 0:
            chunk = os.read(fd, wanted if limit is None else min(wanted, limit + 1))
            if not chunk:
                break
            chunks.append(chunk)
            wanted = 1 << 16 if limit is None else limit + 1 - sum(map(len, chunks))
        return b"".join(chunks)
    finally:
        os.close(fd)


def files_under(folder: Path, suffixes: tuple[str, ...] = (".yaml",), *,
                any_case: bool = False) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every entry under ``folder`` whose name ends in one of ``suffixes`` (``any_case``: in
    upper case too) that is not a folder (links, pipes and the like included, for the
    reader to name), sorted; and the folders that could not be listed, with the reason.
    Links to folders are not followed. Hidden names (a leading dot) are left out, files and
    folders: `.github/`, `.venv/`, `.pre-commit-config.yaml` and an editor's lock file
    (`.#2025-10-01-x.yaml`) are never incidents, and no id starts with a dot."""
    found: list[Path] = []
    failed: list[tuple[Path, str]] = []

    def unreadable(exc: OSError) -> None:
        failed.append((Path(exc.filename), exc.strerror or str(exc)))

    for top, dirs, names in os.walk(folder, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(Path(top, name) for name in names if not name.startswith(".")
                     and (name.lower() if any_case else name).endswith(suffixes))
    return sorted(found), sorted(failed)
