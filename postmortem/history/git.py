"""Git, and only here: named operations that return plain data.

GitPython (imported on first use: it costs ~50 ms) runs the commands; nothing else in the
package imports it or starts git. Errors become PostmortemError with git's own words.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Generator, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem.errors import EXIT_USAGE, PostmortemError
from postmortem.files import Refused, read_regular

if TYPE_CHECKING:
    import git as gitpython

# Each commit starts with \x01; with -z its fields and the raw diff entries are NUL-separated.
_FORMAT = "%x01%H%x00%ct%x00%an"
_REGULAR = (b"100644", b"100755")  # symlinks and submodules are not incident files
# Blob requests written to `git cat-file --batch` before the first answer is read: 1.3 KB.
_AHEAD = 32

# (kind A/D/M/R, old path, new path, new blob): one incident file changed by one commit.
Change = tuple[str, str, str, str]
# (sha, committer time as Unix seconds, author name, changes to incident files)
RawCommit = tuple[str, int, str, list[Change]]


class GitError(PostmortemError):
    """Git is missing, the folder is no repository, or a git command failed."""


class NotARepository(GitError):
    """The command needs a git repository and runs outside one: it cannot start (exit 2,
    as a missing incidents folder)."""

    exit_code = EXIT_USAGE


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


def _detail(exc: Any, stream: str = "stderr", *, fallback: bool = True) -> str:
    """What a failed git command wrote to ``stream`` (GitPython wraps it in a label); the
    whole error when it wrote nothing there (and ``fallback``)."""
    value = getattr(exc, stream, "")
    text = value if isinstance(value, str) else str(value or "")
    text = text.strip().removeprefix(f"{stream}: ").strip("'\n ")
    return text or (str(exc) if fallback else "")


class Repository:
    """A git repository with a working tree, opened from a folder inside it."""

    def __init__(self, start: Path, *, purpose: str = "") -> None:
        git = _gitpython()
        self._errors = git.GitCommandError
        try:
            self._repo: gitpython.Repo = git.Repo(start, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise NotARepository(f"'{start}' is not in a git repository{purpose}",
                           hint="run this inside a clone of the incident repository, or start "
                                "one with `git init` and commit the incident files") from None
        if self._repo.working_tree_dir is None:
            self._repo.close()
            raise GitError(f"'{self._repo.git_dir}' is a bare repository; run this in a "
                           "clone with a working tree")
        self.top = Path(self._repo.working_tree_dir).resolve()
        self.common_dir = Path(self._repo.common_dir)
        self._cat: Any = None  # git cat-file --batch, started on first use

    def __enter__(self) -> Repository:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._end_cat_file()
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

    def submodule_of(self, prefix: str) -> str | None:
        """The submodule (or nested repository) that holds ``prefix`` (a folder, relative to
        the top), if any: its history is not in this repository's commits."""
        parts = prefix.split("/") if prefix else []
        for end in range(len(parts), 0, -1):  # a nested clone: a .git of its own
            if (self.top.joinpath(*parts[:end]) / ".git").exists():
                return "/".join(parts[:end])
        if not parts or not self._repo.head.is_valid():
            return None
        paths = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
        out = self._git("ls-tree", "-z", "HEAD", "--", *paths)  # a registered submodule
        for entry in out.split("\0"):
            mode, _, rest = entry.partition(" ")
            if mode == "160000":
                return rest.partition("\t")[2]
        return None

    def shallow_commits(self) -> list[str]:
        """The boundary commits of a shallow clone ([] when the history is complete)."""
        try:
            text = read_regular(self.common_dir / "shallow").decode("ascii")
        except (Refused, OSError, UnicodeDecodeError):
            return []
        return sorted(line.strip() for line in text.splitlines() if line.strip())

    # -- reading history ---------------------------------------------------------------------

    def log(self, pathspec: str, since: str | None = None, *, prefix: str = ""
            ) -> Generator[RawCommit, None, None]:
        """Commits of HEAD's first-parent line that change files under ``pathspec``, newest
        first, from ``since`` (excluded) on; each as soon as git has listed it, so that the
        caller's work on it overlaps git's on older commits. ``prefix`` is the incidents
        folder (relative to the top): hidden names below it are no incident files."""
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
            try:
                yield from iter_log(_tokens(proc.stdout), prefix)
            except BaseException:  # the reader stopped early (an error, Ctrl-C): git stops too
                proc.terminate()
                raise
            drain.join()
            proc.wait(stderr=b"".join(errors))  # raises GitCommandError when git failed

    def read_blobs(self, shas: Sequence[str]) -> list[bytes]:
        """The contents of these blobs, in order, from a `git cat-file --batch` kept for
        this repository. Requests go ahead of the answers, a few at a time (less than any
        pipe holds, so that git never waits for us to read while we wait for it to read):
        a round trip per blob costs more than the reading when the machine is busy."""
        out: list[bytes] = []
        with self._failing("reading file versions"):
            if self._cat is None:
                self._cat = self._repo.git.cat_file("--batch", istream=subprocess.PIPE,
                                                    as_process=True)
            stdin, stdout = self._cat.stdin, self._cat.stdout
        sent = 0
        for sha in shas:
            header: list[bytes] = []
            data = b""
            try:
                if sent < len(shas) and sent - len(out) <= _AHEAD // 2:
                    ahead = shas[sent:len(out) + _AHEAD]
                    stdin.write(b"".join(s.encode("ascii") + b"\n" for s in ahead))
                    stdin.flush()
                    sent += len(ahead)
                header = stdout.readline().split()
                if len(header) == 3 and header[1] == b"blob":
                    data = stdout.read(int(header[2]) + 1)  # each answer ends with \n
            except OSError:  # git is gone
                pass
            if not data or len(data) != int(header[2]) + 1:
                self._end_cat_file()  # its answers would be out of step now
                said = b" ".join(header[1:]).decode("utf-8", "replace") or "git ended"
                raise GitError(f"git cannot read the file version {sha[:10]}: {said}",
                               hint="`git fsck` checks the repository")
            out.append(data[:-1])
        return out

    def _end_cat_file(self) -> None:
        """git ends at the end of its input, or when it cannot write answers not read."""
        cat, self._cat = self._cat, None
        if cat is not None:
            for stream in (cat.stdin, cat.stdout):
                with contextlib.suppress(OSError):
                    stream.close()
            with contextlib.suppress(self._errors):
                cat.wait()

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

    def unfinished(self) -> str | None:
        """What keeps a commit of ours from landing on a branch: an operation in progress
        (rebase, merge, cherry-pick, revert, bisect) or a detached HEAD; None when clear."""
        git_dir = Path(self._repo.git_dir)  # this worktree's own: the states live there
        for name, what in _UNFINISHED:
            if (git_dir / name).exists():
                return what
        if self._repo.head.is_valid() and self._repo.head.is_detached:
            return "HEAD is detached (no branch is checked out)"
        return None

    def _hooks(self) -> list[str]:
        """The commit hooks that would run (they may reject a commit)."""
        configured = self._repo.git.config("--get", "core.hooksPath", with_exceptions=False)
        folder = Path(configured.strip()) if configured.strip() else \
            Path(self._repo.common_dir) / "hooks"
        folder = folder if folder.is_absolute() else self.top / folder
        return [name for name in _COMMIT_HOOKS
                if (folder / name).is_file() and os.access(folder / name, os.X_OK)]

    def commit_file(self, path: Path, message: str) -> str:
        """Commit ``path`` alone with ``message``; the new commit's sha. When git refuses,
        the index is left as it was and the error says why: who you are, or a hook."""
        spec = f":(top,literal){self.relative(path)}"
        try:
            self._repo.git.add("--", spec)
            self._repo.git.commit("--quiet", "--only", "-m", message, "--", spec)
        except self._errors as exc:
            with contextlib.suppress(self._errors):  # leave the index as it was
                self._repo.git.reset("--quiet", "--", spec)
            said = _detail(exc)
            where = self.relative(path)
            if "tell me who you are" in said or "auto-detect email" in said:
                raise GitError(f"git commit of {where} failed: git does not know who you "
                               f"are ({said.splitlines()[-1]})",
                               hint="set user.name and user.email with `git config`") from None
            hooks = self._hooks()
            if hooks:
                output = _clip_lines(f"{_detail(exc, 'stdout', fallback=False)}\n"
                                     f"{_detail(exc, fallback=False)}")
                raise GitError(f"git commit of {where} failed: the {' or '.join(hooks)} hook "
                               f"rejected it; it said:\n{output}",
                               hint="fix what the hook reports, or commit the review "
                                    "yourself") from None
            raise GitError(f"git commit of {where} failed: {said}") from None
        return self._git("rev-parse", "HEAD").strip()


# (file or folder in the git folder, what it means): operations a commit would land inside.
_UNFINISHED = (("rebase-merge", "a rebase is in progress"),
               ("rebase-apply", "a rebase (or `git am`) is in progress"),
               ("MERGE_HEAD", "a merge is in progress"),
               ("CHERRY_PICK_HEAD", "a cherry-pick is in progress"),
               ("REVERT_HEAD", "a revert is in progress"),
               ("sequencer", "a cherry-pick or revert is in progress"),
               ("BISECT_LOG", "a bisect is in progress"))
_COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg")


def _clip_lines(text: str, limit: int = 20) -> str:
    """A command's output for a message: its last ``limit`` non-empty lines, indented."""
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    shown = lines[-limit:]
    if len(lines) > limit:
        shown.insert(0, f"[{len(lines) - limit} earlier lines left out]")
    return "\n".join(f"    {line}" for line in shown) or "    (nothing)"


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


def parse_log(raw: bytes, prefix: str = "") -> list[RawCommit]:
    """Commits of ``git log --raw -z --format=<_FORMAT>`` output (see :func:`iter_log`)."""
    return list(iter_log(iter(raw.split(b"\0")), prefix))


def is_incident_path(path: str, prefix: str = "") -> bool:
    """Whether ``path`` (relative to the top) names an incident file of the folder
    ``prefix``: a ``*.yaml`` name with no hidden name (a leading dot) below the folder, as
    `check` finds them (`.#x.yaml` lock files, `.drafts/` are not incidents)."""
    rest = path[len(prefix) + 1:] if prefix and path.startswith(f"{prefix}/") else path
    return path.endswith(".yaml") and not any(p.startswith(".") for p in rest.split("/"))


def iter_log(tokens: Iterator[bytes], prefix: str = "") -> Iterator[RawCommit]:
    """Commits with their incident-file changes, each yielded once it is complete.

    Only regular ``*.yaml`` files count, hidden ones (below ``prefix``) not; a file turned
    into something else is deleted and a rename between an incident file and another
    kind of file is an addition or a deletion. Commits without such changes (e.g. a merge
    that only touched other files) are skipped.
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
            old_path = old.decode("utf-8", "surrogateescape")
            new_path = new.decode("utf-8", "surrogateescape")
            was = old_mode in _REGULAR and is_incident_path(old_path, prefix) \
                and status[:1] != b"C"
            now = new_mode in _REGULAR and is_incident_path(new_path, prefix)
            if was and now:
                commit[3].append(("M" if old == new else "R", old_path, new_path,
                                  blob.decode("ascii")))
            elif was:
                commit[3].append(("D", old_path, "", ""))
            elif now:
                commit[3].append(("A", "", new_path, blob.decode("ascii")))
    if commit is not None and commit[3]:
        yield commit
