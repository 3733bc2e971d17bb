"""The one way in: an incident file's bytes -> located plain data -> model -> problems.

`check`, `render` (behind its summary cache) and the history reader all load through
:func:`load`; history asks only for the plain data (``validate=False``), which keeps the
models and pydantic out of its start-up.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from postmortem.errors import UsageError
from postmortem.files import Refused, TooBig, files_under, inside, kind, read_regular
from postmortem.format.yamlread import (
    NO_MARKDOWN,
    READABLE,
    REGULAR,
    parse_bytes,
    position,
    too_big,
)
from postmortem.rules.noqa import Noqa
from postmortem.rules.problems import Problem, sort_key
from postmortem.rules.registry import rule

if TYPE_CHECKING:
    from yaml.nodes import MappingNode

    from postmortem.config import Config
    from postmortem.format.model import Incident


_NOQA_WORD = re.compile(rb"noqa", re.I)


@dataclass
class Source:
    """One incident file as read from disk (once): its bytes, or why they could not be read."""

    path: Path
    rel: str
    data: bytes | None
    problem: Problem | None = None

    @functools.cached_property
    def sha(self) -> str:
        return hashlib.sha1(self.data or b"").hexdigest()


@dataclass
class Loaded:
    """One incident file: where it is, its data, its model and its problems."""

    path: Path
    rel: str
    data: dict[str, Any] | None = None  # the plain data, when it parsed as YAML
    root: MappingNode | None = None  # its node tree (positions)
    model: Incident | None = None  # schema-valid, though semantic errors may remain
    problems: list[Problem] = field(default_factory=list)
    # (line, col) of each related[] entry, for messages about references across files.
    related_at: dict[int, tuple[int, int]] = field(default_factory=dict)
    noqa: Noqa = field(default_factory=Noqa)  # its silencing comments

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def incident(self) -> Incident | None:
        """The model when the file has no errors: reports are built only from valid data."""
        if self.model is None or any(p.severity == "error" for p in self.problems):
            return None
        return self.model


YAML_EXTENSION = rule("Y017")


@dataclass
class Listing:
    """Incident files found (or named), and the folders that could not be read."""

    files: list[Path]
    problems: list[Problem] = field(default_factory=list)

    def add(self, folder: Path, config: Config) -> None:
        """The ``*.yaml`` entries under ``folder``; an unreadable folder is a problem, and
        so is a YAML file under another name (``.yml``), which would be left out unsaid."""
        from postmortem.rules.selection import Selection

        found, failed = files_under(folder, (".yaml", ".yml"), any_case=True)
        self.files.extend(p for p in found if p.name.endswith(".yaml"))
        self.problems.extend(
            READABLE(config.rel(path), 1, 1, "", f"cannot read this folder ({reason}); the "
                     "incident files in it are not checked") for path, reason in failed)
        self.problems.extend(Selection.of(config).apply(
            YAML_EXTENSION(config.rel(p), 1, 1, "", "not read as an incident: incident files "
                           f"end in '.yaml'; rename it to {p.stem}.yaml (`git mv`)")
            for p in found if not p.name.endswith(".yaml")))


def require_incidents_dir(config: Config) -> None:
    """Every command that reads incidents stops alike (exit 2) when their folder is missing."""
    folder = config.incidents_dir
    if not folder.is_dir():
        raise UsageError(f"incidents folder '{config.rel(folder)}' does not exist",
                         hint="create it with `postmortem new TITLE`, or set incidents_dir "
                              "in [tool.postmortem]")


def incident_files(config: Config) -> Listing:
    require_incidents_dir(config)
    listing = Listing([])
    listing.add(config.incidents_dir, config)
    return listing


def select(paths: Iterable[str], config: Config) -> Listing:
    """Files named on the command line: files as given, folders searched for *.yaml.

    Only paths inside the repository are read, and named files must be incident files
    (``*.yaml``); what a named file is (a link, a pipe, ...) is for :func:`read_source`.
    """
    listing = Listing([])
    for raw in paths:
        path = Path(raw)
        try:
            mode = os.lstat(path).st_mode
            # Resolved up to its name, which stays as written: it may be a link.
            path = Path(os.path.realpath(path)) if path.name in ("", "..") \
                else Path(os.path.realpath(path.parent)) / path.name
            if not inside(path, config.root):
                where = "in its git folder" if path.is_relative_to(config.root) \
                    else f"outside the repository ({config.root})"
                raise UsageError(f"'{raw}' is {where}; only the repository's incident files "
                                 "are checked")
            if stat.S_ISLNK(mode) and path.is_dir():
                if not inside(Path(os.path.realpath(path)), config.root):
                    raise UsageError(f"'{raw}' is a symbolic link to a folder outside the "
                                     "repository; only its incident files are checked")
                mode = stat.S_IFDIR
            if stat.S_ISDIR(mode):
                listing.add(path, config)
            elif raw.endswith(".yaml"):
                listing.files.append(path)
            else:
                what = "a file" if stat.S_ISREG(mode) else kind(mode)
                raise UsageError(f"'{raw}' is {what}, not an incident file: incident files "
                                 "are named <id>.yaml")
        except FileNotFoundError:
            raise UsageError(f"'{raw}' does not exist") from None
        except OSError as exc:  # e.g. a name longer than the OS allows
            raise UsageError(f"'{raw}' cannot be read: {exc.strerror}") from None
    return listing


def read_source(path: Path, config: Config) -> Source:
    """The bytes of ``path`` (up to one byte over the size limit, so that is noticed).

    Only regular files are read, and links only to files inside the repository: anything
    else is a problem saying what it is, and nothing of it is read or shown.
    """
    rel = config.rel(path)
    limit = config.max_file_size
    try:
        data = read_regular(path, config.root, limit)
    except TooBig as exc:
        return Source(path, rel, None, too_big(rel, exc.size, limit))
    except Refused as exc:
        return Source(path, rel, None, REGULAR(rel, 1, 1, "", str(exc)))
    except FileNotFoundError:
        return Source(path, rel, None, READABLE(rel, 1, 1, "", "does not exist (any more)"))
    except OSError as exc:
        return Source(path, rel, None, READABLE(rel, 1, 1, "",
                                                f"cannot read file: {exc.strerror}"))
    return Source(path, rel, data)


def load_source(source: Source, config: Config, *, errors_only: bool = False) -> Loaded:
    if source.data is None:
        assert source.problem is not None
        return Loaded(source.path, source.rel, problems=[source.problem])
    return load(source.data, source.rel, config, path=source.path, errors_only=errors_only)


def _unsilenced(kept: list[Problem], found: list[Problem]) -> list[Problem]:
    """The problems of a file that could not be read into an incident when `ignore`,
    `severity` or a `# noqa` silenced every error that says why: those errors are reported
    all the same, as ruff reports syntax errors, or the file would be left out of `check`
    and `render` without a word."""
    why = [p for p in found if p.severity == "error"]
    same = {(p.line, p.col, p.code, p.message) for p in why}
    note = " (reported although the configuration ignores or lowers it: the file is " \
        "neither checked nor rendered until it is fixed)"
    return sorted([*(p for p in kept if (p.line, p.col, p.code, p.message) not in same),
                   *(dataclasses.replace(p, message=p.message + note) for p in why)],
                  key=sort_key)


def load(data: bytes, rel: str, config: Config, *, path: Path | None = None,
         validate: bool = True, errors_only: bool = False) -> Loaded:
    """Parse ``data`` (shown as ``rel``) and, with ``validate``, check it against the models
    and the rules of one incident; every problem found is in the result, nothing is raised.
    ``errors_only``: of those rules only the ones that report errors run (enough to know
    whether the file has any).

    ``path`` is where the file lives (its name must match the id); git blobs have none.
    """
    if not validate:
        parsed = parse_bytes(data, rel, config.max_file_size, NO_MARKDOWN)
        return Loaded(path or Path(rel), rel, parsed.data, parsed.root, None, parsed.problems)
    from postmortem.format.model import markdown_fields
    from postmortem.format.validate import validate as validate_model
    from postmortem.rules.consistency import check_consistency
    from postmortem.rules.selection import Selection
    from postmortem.rules.semantic import Subject, check_incident

    selection = Selection.of(config)
    codes = selection.errors if errors_only else selection.enabled
    parsed = parse_bytes(data, rel, config.max_file_size, markdown_fields())
    model = validate_model(parsed) if parsed.data is not None else None
    where = path or Path(rel)
    if model is not None:  # one subject: what the rules of both tables compute is shared
        subject = Subject(parsed, model, config, where.name.removesuffix(".yaml"))
        check_incident(subject, codes)
        check_consistency(subject, codes)
    problems = parsed.problems
    noqa = Noqa()
    if _NOQA_WORD.search(data):
        from postmortem.rules.noqa import find

        noqa = find(data.decode("utf-8", "replace").removeprefix("\ufeff"), rel, parsed.root)
        problems = [*noqa.apply(problems), *noqa.problems]  # apply first: it marks the used
        # A comment for a rule left out here is not unused.
        left_out = selection.enabled - codes
        problems += [p for p in noqa.unused(rel) if p.field not in left_out]
    problems = selection.apply(problems)
    if model is None and not any(p.severity == "error" for p in problems):
        problems = _unsilenced(problems, parsed.problems)
    loaded = Loaded(where, rel, parsed.data, parsed.root, model, problems, noqa=noqa)
    if model is not None:
        for index, ref in enumerate(model.related):
            key = "incident" if ref.incident is not None else "url" if ref.url else "title"
            loaded.related_at[index] = position(parsed.root, ("related", index, key))
    return loaded
