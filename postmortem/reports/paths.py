"""Where generated files go and how one links to another: one helper for each."""

from __future__ import annotations

import functools
import os
from pathlib import Path, PurePosixPath

from postmortem.config import Config


def report_path(config: Config, source: Path | str) -> Path:
    """The report of an incident file: ``incidents/x.yaml`` -> ``<reports_dir>/x.md``,
    sub-folders kept.

    ``source`` is a path on disk, or the file's path in git (relative to the top of the
    repository, which may lie above the configured root): what follows the incidents
    folder in it is the file's own part.
    """
    if isinstance(source, Path) and source.is_absolute():
        if source.is_relative_to(config.incidents_dir):
            relative = source.relative_to(config.incidents_dir)
            return config.reports_dir / relative.with_suffix(".md")
        # A file elsewhere (`check` of a draft, `import --output-dir`): where it would go.
        return config.reports_dir / source.with_suffix(".md").name
    parts = PurePosixPath(source).parts
    folder = PurePosixPath(config.rel(config.incidents_dir)).parts
    for start in range(len(parts) - len(folder)):
        if parts[start:start + len(folder)] == folder:
            own = parts[start + len(folder):]
            return config.reports_dir.joinpath(*own).with_suffix(".md")
    return config.reports_dir / PurePosixPath(parts[-1]).with_suffix(".md")


def relative_link(from_file: str, to_file: str) -> str:
    """``to_file`` relative to ``from_file`` (both relative to the root, with slashes).

    The folder part is computed once per pair of folders: os.path.relpath per link was the
    whole cost of linking 10,000 incidents.
    """
    from_folder, _, _ = from_file.rpartition("/")
    to_folder, _, name = to_file.rpartition("/")
    return _folder_link(from_folder or ".", to_folder or ".") + name


@functools.lru_cache(maxsize=4096)
def _folder_link(from_folder: str, to_folder: str) -> str:
    """``incidents/2024`` -> ``incidents/2025``: ``../2025/`` (``""`` for the same folder)."""
    if from_folder == to_folder:
        return ""
    return os.path.relpath(to_folder, from_folder).replace(os.sep, "/") + "/"
