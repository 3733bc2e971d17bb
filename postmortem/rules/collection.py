"""Every incident of the repository checked together: what needs more than one file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from postmortem.config import Config
from postmortem.format.load import Listing, Loaded, incident_files, load_source, read_source
from postmortem.gcpause import gc_paused
from postmortem.reports.summary import summaries_of
from postmortem.rules.across import check_across
from postmortem.rules.privacy import check_privacy, scanner_of, wanted
from postmortem.rules.problems import Problem, sort_key
from postmortem.rules.registry import rule
from postmortem.rules.selection import Selection

UNIQUE_INCIDENT_ID = rule("X001")
RELATED_EXISTS = rule("X002")
RELATED_PATH_EXISTS = rule("X003")

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


@dataclass
class Collection:
    config: Config
    files: list[Loaded]
    problems: list[Problem]


def load_all(config: Config, chosen: Listing | None = None) -> Collection:
    """Load the ``chosen`` files (default: every incident file) and check references across
    files; folders that could not be read are problems too."""
    everything = incident_files(config)
    chosen = everything if chosen is None else chosen
    scanner = scanner_of(config) if wanted(config) else None
    files = []
    with gc_paused():
        for path in chosen.files:
            source = read_source(path, config)
            loaded = load_source(source, config)
            if scanner is not None and source.data is not None:
                loaded.problems.extend(check_privacy(source.data, loaded, scanner, config))
            files.append(loaded)
    cross_check(files, everything.files, config)
    check_across(files, summaries_of(config, files, everything.files), config)
    problems = sorted([*chosen.problems, *(p for f in files for p in f.problems)], key=sort_key)
    return Collection(config, files, problems)


def cross_check(files: list[Loaded], everything: list[Path], config: Config) -> None:
    """Add the problems that need the whole collection: references and duplicate ids."""
    known: dict[str, list[Path]] = {}
    for p in everything:
        known.setdefault(p.name[: -len(".yaml")], []).append(p)
    selection = Selection.of(config)
    for loaded in files:
        found = loaded.noqa.apply(_cross_file(loaded, known, config))
        loaded.problems.extend(selection.apply(found))


def _cross_file(loaded: Loaded, known: dict[str, list[Path]], config: Config) -> list[Problem]:
    out = []
    # Equal paths are the same file; only different spellings need resolving (slow: a
    # system call per path component, seconds for 10,000 files).
    here = loaded.path
    same = [p for p in known.get(loaded.stem, []) if p != here and p.resolve() != here.resolve()]
    if same:
        out.append(UNIQUE_INCIDENT_ID(loaded.rel, 1, 1, "id", f"another file has the same id: "
                                      f"{config.rel(same[0])}; incident ids must be unique"))
    model = loaded.model
    if model is None:
        return out
    for index, ref in enumerate(model.related):
        line, col = loaded.related_at[index]
        if ref.incident is not None and ref.incident != model.id and ref.incident not in known:
            out.append(RELATED_EXISTS(loaded.rel, line, col, f"related[{index}].incident",
                                      f"no incident with id '{ref.incident}' in "
                                      f"{config.rel(config.incidents_dir)}/; check the id"))
        elif ref.url and not _URL.match(ref.url) and not ref.url.startswith(("/", "#")):
            target = loaded.path.parent / ref.url.split("#")[0]
            if not _exists(target):
                out.append(RELATED_PATH_EXISTS(loaded.rel, line, col, f"related[{index}].url",
                                               f"relative path '{ref.url}' does not exist"))
    return out


def _exists(path: Path) -> bool:
    """Whether ``path`` exists; a name the OS refuses (too long, say) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False
