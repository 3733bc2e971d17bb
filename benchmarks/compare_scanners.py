"""Our scan for private data beside well-kept detection libraries (detect-secrets, scrubadub,
presidio-analyzer), measured on the same inputs: recall on the test fixtures by kind, findings
on ordinary text and on the benchmark corpus, time, start-up, install size, and what each
reports (line, column) and offers (masking, personal data).

The candidates are not dependencies of postmortem: install them beside it in a scratch venv.
With ``--plugin-tests`` it also runs every tool on the cases of detect-secrets' own plugin
tests (a checkout's ``tests/plugins``): formats it covers that our fixtures do not name.
"""

from __future__ import annotations

import argparse
import ast
import collections
import contextlib
import logging
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
import bench_core  # noqa: E402  (sibling scripts and test data, not package modules)
import bench_privacy  # noqa: E402
import privacy_fixtures  # noqa: E402
import privacy_negatives  # noqa: E402

INSTALL = (f"python -m venv /tmp/cmp-venv && /tmp/cmp-venv/bin/pip install -e {ROOT} "
           "detect-secrets scrubadub presidio-analyzer")


@dataclass(frozen=True)
class Hit:
    """One finding of a tool, as the tool reports it."""

    label: str
    value: str
    line: int | None
    col: int | None


Scan = Callable[[Path, bytes], list[Hit]]


@dataclass
class Tool:
    name: str
    dist: str  # the distribution on the package index
    module: str  # what a user imports
    session: Callable[[], contextlib.AbstractContextManager[Scan]]
    positions: str  # what a finding says of where it is
    masks: str
    personal: str
    ignored: frozenset[str] = field(default_factory=frozenset)  # labels outside our scope


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


@contextlib.contextmanager
def _ours() -> Iterator[Scan]:
    from postmortem.config import Privacy
    from postmortem.privacy.scan import scanner

    scan = scanner(Privacy()).scan
    yield lambda path, data: [Hit(f.kind, f.value, f.line, f.col) for f in scan(data)]


@contextlib.contextmanager
def _detect_secrets() -> Iterator[Scan]:
    from detect_secrets.core import scan
    from detect_secrets.settings import default_settings

    with default_settings():  # every plugin and filter, as `detect-secrets scan` runs them
        yield lambda path, data: [Hit(s.type, s.secret_value or "", s.line_number, None)
                                  for s in scan.scan_file(str(path))]


@contextlib.contextmanager
def _scrubadub() -> Iterator[Scan]:
    import scrubadub

    scrubber = scrubadub.Scrubber()  # its default detectors (locale en_US)

    def scan(path: Path, data: bytes) -> list[Hit]:
        text = data.decode("utf-8")
        return [Hit(f.type, f.text, *_line_col(text, f.beg)) for f in scrubber.iter_filth(text)]

    yield scan


# What our scan installs beyond postmortem's other dependencies.
OUR_LIBRARIES = ("google-re2", "phonenumberslite", "python-stdnum")
PRESIDIO_ENTITIES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "IP_ADDRESS", "IBAN_CODE", "CREDIT_CARD"]


@contextlib.contextmanager
def _presidio() -> Iterator[Scan]:
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    # Its default NLP engine downloads a 400 MB spaCy model on first use; the entities we
    # compare are found by its pattern recognizers, which need only a tokenizer.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # no network: bundled list
    with tempfile.TemporaryDirectory() as model:
        spacy.blank("en").to_disk(model)
        engine = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy",
            "models": [{"lang_code": "en", "model_name": model}]}).create_engine()
        analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])

        def scan(path: Path, data: bytes) -> list[Hit]:
            text = data.decode("utf-8")
            return [Hit(r.entity_type, text[r.start:r.end], *_line_col(text, r.start))
                    for r in analyzer.analyze(text, language="en", entities=PRESIDIO_ENTITIES)]

        yield scan


TOOLS = {
    "postmortem": Tool(
        "postmortem", "postmortem-as-code", "postmortem.privacy.scan", _ours,
        "line, column, offsets", "yes: messages, `redact`, external render",
        "e-mail, phone, IP, IBAN, card"),
    "detect-secrets": Tool(
        "detect-secrets", "detect-secrets", "detect_secrets.core.scan", _detect_secrets,
        "line only", "no (keeps a hash in its baseline)", "public IPv4 only"),
    "scrubadub": Tool(
        "scrubadub", "scrubadub", "scrubadub", _scrubadub,
        "offsets", "yes: `clean()` writes {{EMAIL}}", "e-mail, phone, card, SSN, Twitter",
        frozenset({"url"})),
    "presidio": Tool(
        "presidio", "presidio-analyzer", "presidio_analyzer", _presidio,
        "offsets", "with presidio-anonymizer", "e-mail, phone, IP, IBAN, card, and more"),
}


# ---- facts of the installed distributions ---------------------------------------------------

def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(name: str) -> dict[str, object]:
    """The installed distribution ``name`` and those it requires (extras left out)."""
    from importlib import metadata

    seen: dict[str, object] = {}
    todo = [name]
    while todo:
        wanted = _canonical(todo.pop())
        if wanted in seen:
            continue
        try:
            dist = metadata.distribution(wanted)
        except metadata.PackageNotFoundError:
            continue  # a requirement whose marker does not hold here
        seen[wanted] = dist
        for requirement in dist.requires or []:
            if not re.search(r"extra\s*==", requirement):
                todo.append(re.match(r"[A-Za-z0-9._\-]+", requirement).group(0))
    return seen


def size_mb(dists: dict[str, object]) -> float:
    total = 0
    for dist in dists.values():
        for file in dist.files or []:  # type: ignore[attr-defined]
            path = Path(dist.locate_file(file))  # type: ignore[attr-defined]
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def licence(dist: object) -> str:
    meta = dist.metadata  # type: ignore[attr-defined]
    expression = meta.get("License-Expression")
    if expression:
        return str(expression)
    classifiers = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or []
                   if c.startswith("License ::")]
    return ", ".join(classifiers) or str(meta.get("License"))


def start_up(tool: str, repeat: int = 3) -> float:
    """Median seconds for a fresh interpreter to import, set up and scan one short text."""
    times = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, __file__, "--start-up", tool],
                             capture_output=True, text=True, check=True).stdout
        times.append(float(out.split()[-1]))
    return statistics.median(times)


def _start_up_child(tool: str) -> None:
    start = time.perf_counter()
    with TOOLS[tool].session() as scan, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "incident.yaml"
        path.write_bytes(b"title: x\n")
        scan(path, b"title: x\n")
        print(f"{time.perf_counter() - start:.3f}")


# ---- the inputs ------------------------------------------------------------------------------

def _notes(lines: list[str]) -> bytes:
    """Lines of ordinary text in an incident's notes, as the fixtures are pasted."""
    block = "\n".join("  " + line for text in lines for line in text.split("\n"))
    return b"title: Ordinary text\nnotes: |\n" + block.encode() + b"\n"


def overlaps(hit: Hit, value: str) -> bool:
    """The hit names the value or a part of it (tools cut values differently: a private
    key's first line, a password without its quotes, a YAML block as a whole)."""
    shortest = min(3, len(value))  # detect-secrets reports a GitHub token as "ghp"
    return len(hit.value) >= shortest and (hit.value in value or value in hit.value)


@dataclass
class Figures:
    found: collections.Counter[str] = field(default_factory=collections.Counter)
    exact: collections.Counter[str] = field(default_factory=collections.Counter)
    right_line: collections.Counter[str] = field(default_factory=collections.Counter)
    negatives: collections.Counter[str] = field(default_factory=collections.Counter)
    negative_files: collections.Counter[str] = field(default_factory=collections.Counter)
    hard_lines: set[int] = field(default_factory=set)
    hard: collections.Counter[str] = field(default_factory=collections.Counter)
    corpus: collections.Counter[str] = field(default_factory=collections.Counter)
    other: collections.Counter[str] = field(default_factory=collections.Counter)
    corpus_files: int = 0
    corpus_mb: float = 0.0
    wall: float = 0.0
    cpu: float = 0.0
    plugin_cases: dict[str, list[int]] = field(default_factory=dict)


def measure(tool: Tool, scan: Scan, folder: Path, pasted: list[bench_privacy.Pasted],
            corpus: list[Path], plugin_cases: list[tuple[str, str, bool]]) -> Figures:
    fig = Figures()
    def run(path: Path, data: bytes) -> list[Hit]:
        return [h for h in scan(path, data) if h.label not in tool.ignored]

    sample = folder / "incident.yaml"
    for fixture in pasted:
        sample.write_bytes(fixture.pasted)
        value = fixture.pasted_value
        hits = [h for h in run(sample, fixture.pasted) if overlaps(h, value)]
        fig.found[fixture.kind] += bool(hits)
        fig.right_line[fixture.kind] += any(h.line == fixture.line for h in hits)
        fig.exact[fixture.kind] += any(h.value == value and h.line == fixture.line
                                       and h.col == fixture.col for h in hits)

    for which, texts in (("ordinary", privacy_fixtures.NEGATIVES),
                         ("placeholders", privacy_fixtures.ALLOWED_BY_DEFAULT)):
        for text in texts:
            data = _notes([text])
            sample.write_bytes(data)
            hits = run(sample, data)
            fig.negatives.update(h.label for h in hits)
            fig.negative_files[which] += bool(hits)

    lines = privacy_negatives.generate(3000, seed=11)  # as tests/test_privacy.py has them
    data = _notes(lines)
    sample.write_bytes(data)
    for h in run(sample, data):
        fig.hard[h.label] += 1
        if h.line is not None:
            fig.hard_lines.add(h.line)

    for path in corpus:
        data = path.read_bytes()
        fig.corpus_mb += len(data) / 1e6
        wall, cpu = time.perf_counter(), time.process_time()
        hits = scan(path, data)
        fig.wall += time.perf_counter() - wall
        fig.cpu += time.process_time() - cpu
        fig.corpus.update(h.label for h in hits if h.label not in tool.ignored)
        fig.other.update(h.label for h in hits if h.label in tool.ignored)
    fig.corpus_files = len(corpus)

    case_file = folder / "case.txt"
    for plugin, payload, should_flag in plugin_cases:
        case_file.write_text(payload + "\n", "utf-8")
        flagged = bool(run(case_file, (payload + "\n").encode()))
        counts = fig.plugin_cases.setdefault(plugin, [0, 0, 0, 0])
        # positives, positives flagged, negatives, negatives flagged
        counts[0 if should_flag else 2] += 1
        counts[1 if should_flag else 3] += flagged
    return fig


def plugin_test_cases(folder: Path) -> list[tuple[str, str, bool]]:
    """(plugin, payload, should_flag) of detect-secrets' tests/plugins/*_test.py: the
    `payload, should_flag` parametrisations, and the private keys' file contents."""
    cases = []
    for path in sorted(folder.glob("*_test.py")):
        plugin = path.stem.removesuffix("_test")
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", "") ==
                    "parametrize" and len(node.args) >= 2
                    and isinstance(node.args[0], ast.Constant)):
                continue
            names = node.args[0].value.replace(" ", "")
            if names not in ("payload,should_flag", "line,should_flag", "file_content"):
                continue
            for element in getattr(node.args[1], "elts", []):
                try:
                    value = ast.literal_eval(element)
                except ValueError:
                    continue  # built at run time
                if names == "file_content":
                    value = (value, True)
                if isinstance(value, tuple) and isinstance(value[0], str):
                    cases.append((plugin, value[0], bool(value[1])))
    return cases


# ---- the report ----------------------------------------------------------------------------

SECRET_GROUPS = {
    "provider formats": None,  # every kind of providers.toml
    "private-key": ("private-key",),
    "jwt": ("jwt",),
    "password-in-url": ("password-in-url",),
    "assigned-secret": ("assigned-secret", "aws-secret-key"),
    "high-entropy": ("high-entropy",),
}


def groups(pasted: list[bench_privacy.Pasted]) -> dict[str, list[str]]:
    """Rows of the recall table: the secrets' kinds grouped, then each personal kind."""
    named = {k for kinds in SECRET_GROUPS.values() if kinds for k in kinds}
    kinds = sorted({p.kind for p in pasted if p.category == "secret"} - named)
    rows = {name: list(ks) if ks else kinds for name, ks in SECRET_GROUPS.items()}
    for p in pasted:
        if p.category == "personal":
            rows.setdefault(p.kind, [p.kind])
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |",
             "|---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(tools: list[Tool], figs: dict[str, Figures], pasted: list[bench_privacy.Pasted],
           facts: dict[str, dict[str, str]]) -> str:
    names = [t.name for t in tools]
    total = collections.Counter(p.kind for p in pasted)
    rows: list[list[str]] = []

    def add(label: str, cell: Callable[[Tool, Figures], str]) -> None:
        rows.append([label] + [cell(t, figs[t.name]) for t in tools])

    for key in ("version", "licence", "install", "start-up"):
        add(key, lambda t, f, key=key: facts[t.name][key])
    for row, kinds in groups(pasted).items():
        n = sum(total[k] for k in kinds)
        add(f"found: {row} ({n})", lambda t, f, kinds=kinds: str(sum(f.found[k] for k in kinds)))
    n = len(pasted)
    add(f"found, all ({n})", lambda t, f: str(sum(f.found.values())))
    add(f"  at the right line ({n})", lambda t, f: str(sum(f.right_line.values())))
    add(f"  exact value, line and column ({n})", lambda t, f: str(sum(f.exact.values())))
    add(f"ordinary snippets with a finding (of {len(privacy_fixtures.NEGATIVES)})",
        lambda t, f: str(f.negative_files["ordinary"]))
    add("placeholders, documentation values with a finding "
        f"(of {len(privacy_fixtures.ALLOWED_BY_DEFAULT)})",
        lambda t, f: str(f.negative_files["placeholders"]))
    add("findings in 3,000 hard-negative lines",
        lambda t, f: f"{sum(f.hard.values())}" + (f" ({len(f.hard_lines)} lines)"
                                                  if f.hard_lines else ""))
    files = max(f.corpus_files for f in figs.values())
    add(f"findings in the corpus ({files:,} files)", lambda t, f: (
        f"{sum(f.corpus.values()):,}" if f.corpus_files == files
        else f"{sum(f.corpus.values()):,} in {f.corpus_files:,} files"))
    add("  outside our scope (not counted)",
        lambda t, f: ", ".join(f"{k} {v:,}" for k, v in f.other.items()) or "-")
    add("corpus: wall / CPU seconds", lambda t, f: f"{f.wall:.2f} / {f.cpu:.2f}"
        + (f" ({f.corpus_files:,} files)" if f.corpus_files != files else ""))
    add("corpus: MB/s (CPU)", lambda t, f: f"{f.corpus_mb / f.cpu:.2f}" if f.cpu else "-")
    add("position of a finding", lambda t, f: t.positions)
    add("masks or replaces values", lambda t, f: t.masks)
    add("personal data", lambda t, f: t.personal)
    out = [table(["", *names], rows)]
    if any(f.plugin_cases for f in figs.values()):
        plugins = sorted({p for f in figs.values() for p in f.plugin_cases})
        prow = []
        for plugin in plugins:
            counts = {name: figs[name].plugin_cases.get(plugin) for name in names}
            first = next(c for c in counts.values() if c)
            prow.append([f"{plugin} ({first[0]} / {first[2]})"] + [
                f"{c[1]} / {c[3]}" if c else "-" for c in counts.values()])
        out.append("detect-secrets' plugin tests: flagged of (positives / negatives)\n\n"
                   + table(["plugin (cases)", *names], prow))
    return "\n\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=None,
                        help="bench_core's corpus folder (default: the one it reuses)")
    parser.add_argument("--files", type=int, default=None,
                        help="scan only the first N files of the corpus")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"comma-separated, of: {', '.join(TOOLS)}")
    parser.add_argument("--plugin-tests", type=Path, default=None,
                        help="a detect-secrets checkout's tests/plugins folder")
    parser.add_argument("--details", action="store_true",
                        help="print every finding on the negatives and the kinds missed")
    parser.add_argument("--start-up", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.start_up:
        _start_up_child(args.start_up)
        return 0

    from importlib import metadata

    tools, missing = [], []
    for name in args.tools.split(","):
        tool = TOOLS[name]
        try:
            metadata.distribution(tool.dist)
        except metadata.PackageNotFoundError:
            missing.append(tool.dist)
        else:
            tools.append(tool)
    if missing:
        print(f"not installed: {', '.join(missing)}; install them beside postmortem in a "
              f"scratch venv, not in the project's:\n  {INSTALL}\nand run this script with "
              "that venv's python. Going on without them.", file=sys.stderr)
    if not tools:
        return 2

    root = (args.corpus or Path(tempfile.gettempdir()) /
            f"postmortem-bench-{args.count}-{args.seed}").resolve()
    paths = bench_core.corpus(root, args.count, args.seed)
    # the fixtures go into the same incidents as in bench_privacy.py
    pasted = bench_privacy.pasted_fixtures([p.read_bytes() for p in paths])
    paths = paths[:args.files]
    cases = plugin_test_cases(args.plugin_tests) if args.plugin_tests else []

    ours = {k: v for name in OUR_LIBRARIES for k, v in closure(name).items()}
    facts: dict[str, dict[str, str]] = {}
    figs: dict[str, Figures] = {}
    for tool in tools:
        dist = metadata.distribution(tool.dist)
        dists = ours if tool.name == "postmortem" else closure(tool.dist)
        facts[tool.name] = {
            "version": dist.version if tool.name != "postmortem" else ", ".join(
                f"{name} {metadata.version(name)}" for name in OUR_LIBRARIES),
            "licence": licence(dist) if tool.name != "postmortem" else "MIT (re2: BSD, "
                       "phonenumbers: Apache-2.0, stdnum: LGPL)",
            "install": f"{size_mb(dists):.0f} MB, {len(dists)} distributions",
            "start-up": f"{start_up(tool.name):.2f} s",
        }
        print(f"{tool.name}: {facts[tool.name]}", file=sys.stderr)
        with tool.session() as scan, tempfile.TemporaryDirectory() as folder:
            figs[tool.name] = measure(tool, scan, Path(folder), pasted, paths, cases)
        fig = figs[tool.name]
        print(f"{tool.name}: corpus {fig.wall:.1f} s wall, {fig.cpu:.1f} s CPU; found "
              f"{sum(fig.found.values())}/{len(pasted)}", file=sys.stderr)
        if args.details:
            missed = sorted(k for k, n in collections.Counter(p.kind for p in pasted).items()
                            if fig.found[k] < n)
            print(f"  missed kinds: {missed}\n  on negatives: {dict(fig.negatives)}\n"
                  f"  on hard negatives: {dict(fig.hard)}\n  on the corpus: "
                  f"{dict(fig.corpus)}", file=sys.stderr)
    print(report(tools, figs, pasted, facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
