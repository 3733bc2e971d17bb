"""Git, and only here: named operations that return plain data.

GitPython (imported on first use: it costs ~50 ms) runs the commands; nothing else in the
package imports it or starts git. Errors become PostmortemError with git's own words.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem.errors import PostmortemError
from postmortem.files import Refused, read_regular

if TYPE_CHECKING:
    import git as gitpython

# Each commit starts with \x01; with -z its fields and the raw diff entries are NUL-separated.
_FORMAT = "%x01%H%x00%ct%x00%an"
_REGULAR = (b"100644", b"100755")  # symlinks and submodules are not incident files

# (kind A/D/M/R, old path, new path, new blob): one incident file changed by one commit.
Change = tuple[str, str, str, str]
# (sha, committer time as Unix seconds, author name, changes to incident files)
RawCommit = tuple[str, int, str, list[Change]]


class GitError(PostmortemError):
    """Git is missing, the folder is no repository, or a git command failed."""


def state_dir(root: Path) -> Path | None:
    """``<git dir>/postmortem``: where caches live (None outside a repository).

    A worktree or submodule has a ``.git`` file naming its git folder; caches of the
    history go to the common folder all worktrees share, through :class:`Repository`.
    """
    dot = root / ".git"
    if dot.is_dir():
        return dot / "postmortem"
    try:
        text = read_regular(dot).decode("utf-8")
    except (Refused, OSError, UnicodeDecodeError):  # a pipe there must not block us
        return None
    if not text.startswith("gitdir:"):
        return None
    target = Path(text[len("gitdir:"):].strip())
    target = target if target.is_absolute() else root / target
    return target / "postmortem" if target.is_dir() else None


def _gitpython() -> Any:
    try:
        import git
    except ImportError as exc:  # GitPython refuses to import without a git executable
        raise GitError(f"git is not available: {str(exc).splitlines()[0]}",
                       hint="install git, or set GIT_PYTHON_GIT_EXECUTABLE to its "
                            "path") from None
    return git


def _detail(exc: Any) -> str:
    stderr = exc.stderr if isinstance(exc.stderr, str) else str(exc.stderr or "")
    return stderr.strip().removeprefix("stderr: ").strip("'\n ") or str(exc)


class Repository:
    """A git repository with a working tree, opened from a folder inside it."""

    def __init__(self, start: Path, *, purpose: str = "") -> None:
        git = _gitpython()
        self._errors = git.GitCommandError
        try:
            self._repo: gitpython.Repo = git.Repo(start, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise GitError(f"'{start}' is not in a git repository{purpose}",
                           hint="run this inside a clone of the incident repository, or start "
                                "one with `git init` and commit the incident files") from None
        if self._repo.working_tree_dir is None:
            self._repo.close()
            raise GitError(f"'{self._repo.git_dir}' is a bare repository; run this in a "
                           "clone with a working tree")
        self.top = Path(self._repo.working_tree_dir).resolve()
        self.common_dir = Path(self._repo.common_dir)

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._repo.close()

    @contextlib.contextmanager
    def _failing(self, what: str) -> Iterator[None]:
        try:
            yield
        except self._errors as exc:
            raise GitError(f"git failed {what}: {_detail(exc)}") from None

    def _git(self, command: str, *args: str) -> str:
        with self._failing(f"running `git {command}`"):
            return str(getattr(self._repo.git, command.replace("-", "_"))(*args))

    # -- where things are --------------------------------------------------------------------

    def relative(self, path: Path) -> str:
        """``path`` relative to the top of the working tree, with slashes."""
        try:
            return path.resolve().relative_to(self.top).as_posix()
        except ValueError:
            raise GitError(f"'{path}' is not inside the git repository '{self.top}'") from None

    def head(self) -> str | None:
        """The commit HEAD names; None before the first commit."""
        if not self._repo.head.is_valid():
            return None
        return self._git("rev-parse", "HEAD").strip()

    def shallow_commits(self) -> list[str]:
        """The boundary commits of a shallow clone ([] when the history is complete)."""
        try:
            text = read_regular(self.common_dir / "shallow").decode("ascii")
        except (Refused, OSError, UnicodeDecodeError):
            return []
        return sorted(line.strip() for line in text.splitlines() if line.strip())

    # -- reading history ---------------------------------------------------------------------

    def log(self, pathspec: str, since: str | None = None) -> Iterator[RawCommit]:
        """Commits of HEAD's first-parent line that change files under ``pathspec``, newest
        first, from ``since`` (excluded) on; each as soon as git has listed it, so that the
        caller's work on it overlaps git's on older commits."""
        with self._failing("while reading the history"):
            proc = self._repo.git.log(
                "--first-parent", "--diff-merges=first-parent", "--raw", "--no-abbrev", "-z",
                "-M", "--root", "--no-color", "--no-notes", "--no-show-signature",
                f"--format={_FORMAT}", f"{since}..HEAD" if since else "HEAD", "--", pathspec,
                as_process=True)
            # git may warn once per commit (rename limits): read its stderr on the side, or
            # a full pipe would stop git while we wait for its output.
            errors: list[bytes] = []
            drain = threading.Thread(target=lambda: errors.append(proc.stderr.read()),
                                     daemon=True)
            drain.start()
            yield from iter_log(_tokens(proc.stdout))
            drain.join()
            proc.wait(stderr=b"".join(errors))  # raises GitCommandError when git failed

    def read_blob(self, sha: str) -> bytes:
        with self._failing(f"reading blob {sha[:10]}"):
            return bytes(self._repo.odb.stream(bytes.fromhex(sha)).read())

    def first_parent_line(self) -> set[str]:
        return set(self._git("rev-list", "--first-parent", "HEAD").split())

    def extends(self, tip: str) -> bool:
        """Whether HEAD's first-parent line runs through ``tip`` (only commits were added)."""
        try:
            out = self._repo.git.rev_list("--first-parent", "--parents", "HEAD", f"^{tip}")
        except self._errors:  # the old tip may be gone after a rewrite and a gc
            return False
        last = out.splitlines()[-1].split() if out else []
        return len(last) > 1 and last[1] == tip

    def first_commit(self) -> tuple[str, int] | None:
        """(sha, committer time) of the oldest commit on HEAD's first-parent line."""
        out = self._git("rev-list", "--first-parent", "--max-parents=0", "--format=%x01%H %ct",
                        "HEAD")
        starts = [line[1:].split() for line in out.splitlines() if line.startswith("\x01")]
        if not starts:
            return None
        sha, stamp = starts[-1]
        return sha, int(stamp)

    # -- the working tree and the index ------------------------------------------------------

    def changed_files(self, pathspec: str) -> list[str]:
        """Paths under ``pathspec`` that differ from HEAD in the index or the working tree
        (untracked ones included)."""
        out = self._git("status", "--porcelain=v1", "-z", "--no-renames",
                        "--untracked-files=all", "--", pathspec)
        return sorted({entry[3:] for entry in out.split("\0") if len(entry) > 3})

    def staged_files(self) -> list[Path]:
        """Files with changes staged for the next commit (against the empty tree before one)."""
        out = self._git("diff", "--cached", "--name-only", "--no-renames", "-z")
        return sorted(self.top / name for name in out.split("\0") if name)

    def committed_text(self, path: Path) -> str | None:
        """``path`` as HEAD has it; None when HEAD lacks it (or there is no commit yet)."""
        try:
            data = self._repo.git.cat_file("blob", f"HEAD:{self.relative(path)}",
                                           stdout_as_string=False,
                                           strip_newline_in_stdout=False)
        except self._errors:
            return None
        return bytes(data).decode("utf-8", "replace")

    def commit_file(self, path: Path, message: str) -> str:
        """Commit ``path`` alone with ``message``; the new commit's sha."""
        spec = f":(top,literal){self.relative(path)}"
        try:
            self._repo.git.add("--", spec)
            self._repo.git.commit("--quiet", "--only", "-m", message, "--", spec)
        except self._errors as exc:
            with contextlib.suppress(self._errors):  # leave the index as it was
                self._repo.git.reset("--quiet", "--", spec)
            raise GitError(f"git commit of {self.relative(path)} failed: {_detail(exc)}",
                           hint="set user.name and user.email with `git config` if git asks "
                                "who you are") from None
        return self._git("rev-parse", "HEAD").strip()


# -- git's output as plain data ----------------------------------------------------------------

def _tokens(stream: Any) -> Iterator[bytes]:
    """The NUL-separated fields of a stream, as they arrive."""
    rest = b""
    while True:
        chunk = stream.read1(1 << 16)
        if not chunk:
            break
        parts = (rest + chunk).split(b"\0")
        rest = parts.pop()
        yield from parts
    if rest:
        yield rest


def parse_log(raw: bytes) -> list[RawCommit]:
    """Commits of ``git log --raw -z --format=<_FORMAT>`` output (see :func:`iter_log`)."""
    return list(iter_log(iter(raw.split(b"\0"))))


def iter_log(tokens: Iterator[bytes]) -> Iterator[RawCommit]:
    """Commits with their incident-file changes, each yielded once it is complete.

    Only regular ``*.yaml`` files count; a file turned into something else is deleted and
    a rename between a YAML file and another kind of file is an addition or a deletion.
    Commits without such changes (e.g. a merge that only touched other files) are skipped.
    """
    commit: RawCommit | None = None
    for field in tokens:
        token = field.lstrip(b"\n")
        if token.startswith(b"\x01"):
            if commit is not None and commit[3]:
                yield commit
            commit = (token[1:].decode("ascii"), int(next(tokens)),
                      next(tokens).decode("utf-8", "replace"), [])
        elif token.startswith(b":") and commit is not None:
            old_mode, new_mode, _, blob, status = token[1:].split(b" ")
            old = next(tokens)
            new = next(tokens) if status[:1] in (b"R", b"C") else old
            was = old_mode in _REGULAR and old.endswith(b".yaml") and status[:1] != b"C"
            now = new_mode in _REGULAR and new.endswith(b".yaml")
            old_path = old.decode("utf-8", "surrogateescape")
            new_path = new.decode("utf-8", "surrogateescape")
            if was and now:
                commit[3].append(("M" if old == new else "R", old_path, new_path,
                                  blob.decode("ascii")))
            elif was:
                commit[3].append(("D", old_path, "", ""))
            elif now:
                commit[3].append(("A", "", new_path, blob.decode("ascii")))
    if commit is not None and commit[3]:
        yield commit
