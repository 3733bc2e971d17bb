"""`import`: documents in, one incident file each out (never overwriting), with a summary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from postmortem.config import Config
from postmortem.errors import PostmortemError, UsageError
from postmortem.files import files_under
from postmortem.files import kind as kind_of_file
from postmortem.format.ids import existing_ids
from postmortem.format.load import load
from postmortem.importer.convert import Converted, ImportFailure, as_text, convert, decode
from postmortem.importer.draft import Note
from postmortem.rules.problems import Problem, sort_key

if TYPE_CHECKING:
    from postmortem.privacy.scan import Scanner
    from postmortem.rules.checked import Checked

SUFFIXES = (".md", ".markdown", ".txt")  # lower case: compared with names in lower case


@dataclass
class Imported:
    """What became of one document."""

    source: str  # the document, as the user named it (or a folder that could not be read)
    folder: bool = False
    target: str | None = None  # the incident file, relative to the repository root
    text: str | None = None  # its YAML
    notes: list[Note] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # check's warnings on the file
    error: str | None = None  # why nothing was written
    written: bool = False
    checked: Checked | None = field(default=None, repr=False)  # the file as check sees it


def documents(paths: Iterable[str]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files as given; folders searched (sub-folders too) for .md, .markdown and .txt (in
    any case: wiki exports write `.MD`). Also the folders that could not be read, with why."""
    out: list[Path] = []
    failed: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        try:
            if path.is_dir():
                found, unreadable = files_under(path, SUFFIXES, any_case=True)
                out.extend(p for p in found if p.is_file())
                failed.extend(unreadable)
            elif path.is_file():
                out.append(path)
            elif path.exists():
                raise UsageError(f"'{raw}' is {kind_of_file(path.stat().st_mode)}, not a document",
                                 hint="name Markdown files, or folders holding them")
            else:
                raise UsageError(f"'{raw}' does not exist",
                                 hint="name Markdown files, or folders holding them")
        except OSError as exc:  # e.g. a name longer than the OS allows
            raise UsageError(f"'{raw}' cannot be read: {exc.strerror}") from None
    return out, failed


def import_documents(config: Config, paths: Iterable[str], *, output_dir: Path | None = None,
                     dry_run: bool = False) -> list[Imported]:
    """Import each document into ``output_dir`` (default: the incidents folder).

    A document that fails (unreadable, no date, an id that exists) is reported and the
    others go on. Nothing is overwritten: an existing incident id is an error for that
    document. With ``dry_run`` nothing is written; the results hold the YAML.
    """
    folder = output_dir or config.incidents_dir
    files, unreadable = documents(paths)
    taken = existing_ids(folder)
    if folder != config.incidents_dir:
        taken = {**existing_ids(config.incidents_dir), **taken}
    planned: dict[str, Path] = {}
    # The garbage collector stays on: each document's tokens are garbage once it is read
    # (markdown-it's parser states hold cycles), and only the YAML texts stay alive.
    skipped = [Imported(path.as_posix(), folder=True, error=f"cannot read this folder "
                        f"({reason}); the documents in it are not imported")
               for path, reason in unreadable]
    scanner = _scanner(config)
    results = [_one(config, path, folder, taken, planned, scanner) for path in files]
    _across(config, results, list(taken.values()))
    for result in results:
        if not dry_run and result.error is None and result.checked is not None:
            try:
                _write(result.checked.path, result.text or "")
                result.written = True
            except PostmortemError as exc:
                result.error = str(exc)
    return skipped + results


def _scanner(config: Config) -> Scanner | None:
    """The scan of `check` for secrets and personal data, where the settings run it."""
    from postmortem.rules.privacy import scanner_of, wanted

    return scanner_of(config) if wanted(config) else None


def _one(config: Config, path: Path, folder: Path, taken: dict[str, Path],
         planned: dict[str, Path], scanner: Scanner | None) -> Imported:
    shown = path.as_posix()
    result = Imported(shown)
    try:
        data = _read(path, config)
        text, notes = decode(data)
        result.notes.extend(notes)
        converted = convert(text, path.name, config, source=path.name)
        result.notes.extend(converted.notes)
        target = folder / f"{converted.id}.yaml"
        result.target = config.rel(target)
        result.text = converted.text
        if converted.id in taken or converted.id in planned:
            where = config.rel(taken.get(converted.id) or planned[converted.id])
            raise ImportFailure(f"incident '{converted.id}' already exists: {where}; "
                                "import never overwrites a file (remove or rename that one, "
                                "or import into another --output-dir)")
        result.checked = _check(config, converted, target, scanner)
        result.problems = result.checked.problems
        planned[converted.id] = target
    except PostmortemError as exc:
        result.error = str(exc)
    return result


def _read(path: Path, config: Config) -> bytes:
    limit = config.max_file_size
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise ImportFailure(f"cannot read '{path}': {exc.strerror}") from None
    if len(data) > limit:
        raise ImportFailure(f"'{path}' is over {limit:,} bytes (max_file_size); split it or "
                            "raise the limit")
    return data


def _check(config: Config, converted: Converted, target: Path,
           scanner: Scanner | None) -> Checked:
    """What `check` says about the new file by itself. A secret (or personal data the
    settings make an error) is the document's: the file is not written; any other error
    is a bug of the importer, since its output must pass `check`."""
    from postmortem.rules.collection import check_file
    from postmortem.rules.privacy import GROUP

    rel = config.rel(target)
    data = converted.text.encode("utf-8")
    loaded = load(data, rel, config, path=target)
    if loaded.data != as_text(converted.data):
        raise AssertionError(f"{rel}: the YAML written does not read back as the data")
    found = check_file(data, loaded, config, scanner)
    errors = [p for p in found.problems if p.severity == "error"]
    private = [p for p in errors if p.code.startswith(GROUP)]
    if private:
        raise ImportFailure(
            "check rejects what the document holds: " + "; ".join(p.format() for p in private)
            + "; nothing was written: remove it from the document (allow what is no secret "
            "in [privacy]) and import it again")
    if errors:
        raise AssertionError(f"{rel}: the imported file does not pass check: "
                             + "; ".join(p.format() for p in errors))
    return found


def _across(config: Config, results: list[Imported], existing: list[Path]) -> None:
    """The rules across files (references, ids) and across incidents (incidents that
    overlap, failure classes that come back) on the new files at once, with the incidents
    there are and the others of the same run, as `check` runs them on a whole collection.
    What they find depends on those incidents, not on the importer: an error (a reference
    to no incident, a rule the settings make one) is the document's failure, and its file
    is not written."""
    from postmortem.reports.fingerprint import fingerprint
    from postmortem.reports.summary import SummaryCache
    from postmortem.rules.across import check_across
    from postmortem.rules.collection import cross_check, summary_of

    new = [r.checked for r in results if r.error is None and r.checked is not None]
    if not new:
        return
    cross_check(new, [*existing, *(f.path for f in new)], config)
    summaries = {f.summary.id: f.summary for f in new if f.summary is not None}
    cache = SummaryCache(config, fingerprint(config)) if existing else None
    for path in existing:
        summary = summary_of(path, config, cache)
        if summary is not None:
            summaries.setdefault(summary.id, summary)
    check_across(new, summaries, config)
    for result in results:
        errors = [p for p in result.problems if p.severity == "error"]
        if errors and result.error is None:
            result.error = ("the file would not pass check: " + "; ".join(
                p.format() for p in errors) + "; nothing was written")


def _write(target: Path, text: str) -> None:
    from postmortem.atomic import create_exclusive

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        create_exclusive(target, text)
    except FileExistsError:
        raise ImportFailure(f"'{target}' appeared while importing; not overwritten") from None
    except OSError as exc:
        raise ImportFailure(f"cannot write '{target}': {exc.strerror}") from None


def summary(result: Imported) -> list[str]:
    """The lines the command prints about one document."""
    if result.error is not None and result.target is None:
        return [f"{result.source}: error: {result.error}"]
    verb = "->" if result.written else "would be" if result.error is None else "x"
    lines = [f"{result.source} {verb} {result.target}"]
    if result.error is not None:
        lines.append(f"  error: {result.error}")
    order = ("repaired", "mapped", "free", "kept", "guessed", "unknown", "placeholder",
             "waiting")
    for kind in order:
        for note in (n for n in result.notes if n.kind == kind):
            lines.append(f"  {kind}: {note.text}")
    # As `check` says it (where in the new file, the rule's code), in its order.
    lines.extend(f"  check: {problem.format()}"
                 for problem in sorted(result.problems, key=sort_key))
    return lines
