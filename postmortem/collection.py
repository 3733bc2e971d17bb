"""Gather every incident of the repository first, then check across files."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from postmortem.config import Config
from postmortem.errors import UsageError
from postmortem.loader import parse_bytes, position, read_file, validate
from postmortem.model import Incident
from postmortem.problems import Problem, error, sort_key, warning
from postmortem.rules import check_incident

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class Loaded:
    """One incident file: where it is, its model and its problems."""

    path: Path
    rel: str
    model: Incident | None  # schema-valid, though semantic errors may remain
    problems: list[Problem]
    # (line, col) of each related[] entry, for messages about references across files.
    related_at: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def incident(self) -> Incident | None:
        """The model when the file has no errors: reports are built only from valid data."""
        if self.model is None or any(p.severity == "error" for p in self.problems):
            return None
        return self.model


@dataclass
class Collection:
    config: Config
    files: list[Loaded]
    problems: list[Problem]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Thousands of live documents make the cyclic GC the main cost of a batch; it has
    nothing to collect there, so pause it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def incident_files(config: Config) -> list[Path]:
    folder = config.incidents_dir
    if not folder.is_dir():
        raise UsageError(f"incidents folder '{config.rel(folder)}' does not exist",
                         hint="create it with `postmortem new TITLE`, or set incidents_dir "
                              "in [tool.postmortem]")
    return sorted(p for p in folder.rglob("*.yaml") if p.is_file())


def select(config: Config, paths: Iterable[str]) -> list[Path]:
    """Files named on the command line: files as given, folders searched for *.yaml."""
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                out.extend(sorted(p for p in path.rglob("*.yaml") if p.is_file()))
            elif path.is_file():
                out.append(path)
            else:
                raise UsageError(f"'{raw}' does not exist")
        except OSError as exc:  # e.g. a name longer than the OS allows
            raise UsageError(f"'{raw}' cannot be read: {exc.strerror}") from None
    return out


def load_one(path: Path, config: Config, data: bytes | None = None) -> Loaded:
    """Parse and check one file (``data``: its bytes, when the caller has read them)."""
    rel = config.rel(path)
    if data is None:
        parsed = read_file(path, rel, config.max_file_size)
    else:
        parsed = parse_bytes(data, rel, config.max_file_size)
    model = validate(parsed) if parsed.data is not None else None
    if model is not None:
        check_incident(parsed, model, config, path.stem)
    loaded = Loaded(path, rel, model, parsed.problems)
    if model is not None:
        for index, ref in enumerate(model.related):
            key = "incident" if ref.incident is not None else "url" if ref.url else "title"
            loaded.related_at[index] = position(parsed.root, ("related", index, key))
    return loaded


def load_all(config: Config, paths: list[Path] | None = None) -> Collection:
    """Load ``paths`` (default: every incident file) and check references across files."""
    everything = incident_files(config)
    chosen = everything if paths is None else paths
    with gc_paused():
        files = [load_one(p, config) for p in chosen]
    cross_check(files, everything, config)
    problems = sorted((p for f in files for p in f.problems), key=sort_key)
    return Collection(config, files, problems)


def cross_check(files: list[Loaded], everything: list[Path], config: Config) -> None:
    """Add the problems that need the whole collection: references and duplicate ids."""
    known: dict[str, list[Path]] = {}
    for p in everything:
        known.setdefault(p.name[: -len(".yaml")], []).append(p)
    for loaded in files:
        loaded.problems.extend(_cross_file(loaded, known, config))


def _cross_file(loaded: Loaded, known: dict[str, list[Path]], config: Config) -> list[Problem]:
    out = []
    # Equal paths are the same file; only different spellings need resolving (slow: a
    # system call per path component, seconds for 10,000 files).
    here = loaded.path
    same = [p for p in known.get(loaded.stem, []) if p != here and p.resolve() != here.resolve()]
    if same:
        out.append(error(loaded.rel, 1, 1, "id", f"another file has the same id: "
                         f"{config.rel(same[0])}; incident ids must be unique"))
    model = loaded.model
    if model is None:
        return out
    for index, ref in enumerate(model.related):
        line, col = loaded.related_at[index]
        if ref.incident is not None and ref.incident != model.id and ref.incident not in known:
            out.append(error(loaded.rel, line, col, f"related[{index}].incident",
                             f"no incident with id '{ref.incident}' in "
                             f"{config.rel(config.incidents_dir)}/; check the id"))
        elif ref.url and not _URL.match(ref.url) and not ref.url.startswith(("/", "#")):
            target = loaded.path.parent / ref.url.split("#")[0]
            if not _exists(target):
                out.append(warning(loaded.rel, line, col, f"related[{index}].url",
                                   f"relative path '{ref.url}' does not exist"))
    return out


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a name the OS refuses (too long, say) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False
