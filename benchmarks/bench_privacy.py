"""The scan for private data alone: speed on each engine, findings on clean text (false
positives), and recall on the test fixtures, each pasted into a generated incident."""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
import bench_core  # noqa: E402  (sibling scripts and test data, not package modules)
import privacy_fixtures  # noqa: E402
import privacy_negatives  # noqa: E402


@dataclass(frozen=True)
class Pasted:
    """A fixture of tests/privacy_fixtures.py pasted into a generated incident."""

    kind: str
    category: str
    text: str  # the fixture's snippet
    value: str  # what a scanner should report, as the snippet has it
    pasted: bytes  # the incident with the snippet in a `notes` block at its end
    doc_end: int  # where the incident ends and the block begins
    offset: int  # where the value is in ``pasted``

    @property
    def pasted_value(self) -> str:
        """The value as it stands in ``pasted`` (a multi-line value is indented there)."""
        return self.value.replace("\n", "\n  ")

    @property
    def line(self) -> int:
        return self.pasted.count(b"\n", 0, self.offset) + 1

    @property
    def col(self) -> int:
        """1-based, in characters."""
        line_start = self.pasted.rfind(b"\n", 0, self.offset) + 1
        return len(self.pasted[line_start:self.offset].decode("utf-8")) + 1


def pasted_fixtures(texts: list[bytes]) -> list[Pasted]:
    """Each fixture pasted into an incident of ``texts`` picked by a fixed seed, as a user
    pastes a log or a payload into the notes."""
    pick = random.Random(3)
    out = []
    for kind, category, text, value in privacy_fixtures.ALL_POSITIVES:
        doc = pick.choice(texts)
        block = "\n".join("  " + line for line in text.split("\n"))
        pasted = doc + b"notes: |\n  Context line.\n" + block.encode() + b"\n"
        want = pasted.index(value.replace("\n", "\n  ").encode(), len(doc))
        out.append(Pasted(kind, category, text, value, pasted, len(doc), want))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", type=Path, default=None,
                        help="bench_core's corpus folder (default: the one it reuses)")
    parser.add_argument("--re-files", type=int, default=1000,
                        help="files scanned with Python's `re` (slow)")
    args = parser.parse_args(argv)
    root = (args.corpus or Path(tempfile.gettempdir()) /
            f"postmortem-bench-{args.count}-{args.seed}").resolve()
    paths = bench_core.corpus(root, args.count, args.seed)

    t0 = time.perf_counter()
    from postmortem.config import Privacy, load_config
    from postmortem.privacy.scan import ENGINE, scanner
    print(f"import: {time.perf_counter() - t0:.3f} s (engine {ENGINE})")

    texts = [p.read_bytes() for p in paths]
    size = sum(map(len, texts)) / 1e6
    # The generated corpus, and the same with 15 lines of dense, ordinary incident text
    # (ids, hashes, logs, commands, German prose) added to each file as a block.
    rng = random.Random(4)
    lines = privacy_negatives.generate(20_000, seed=21)
    mixed = [t + b"notes: |\n" + "\n".join("  " + rng.choice(lines) for _ in range(15)).encode()
             + b"\n" for t in texts]
    settings = Privacy()
    for name, corpus in (("generated", texts), ("generated + hard negatives", mixed)):
        for engine, limit in (("re2", None), ("re", args.re_files)):
            if engine == "re2" and ENGINE != "re2":
                continue
            chosen = corpus[:limit]
            mb = sum(map(len, chosen)) / 1e6
            scan = scanner(settings, engine).scan
            start = time.perf_counter()
            found = collections.Counter(f.kind for t in chosen for f in scan(t))
            took = time.perf_counter() - start
            print(f"{name}, {engine}: {len(chosen):,} files, {mb:.1f} MB, {took:.2f} s, "
                  f"{mb / took:.0f} MB/s, findings: {dict(found) or 0}")
    print(f"(corpus: {len(paths):,} files, {size:.1f} MB)")

    bundled = sorted((ROOT / "incidents").glob("*.yaml"))
    own = load_config(ROOT).privacy
    for label, chosen_settings in (("defaults", settings), ("the repository's [privacy]", own)):
        found = [(p.name, f.line, f.kind) for p in bundled
                 for f in scanner(chosen_settings).scan(p.read_bytes())]
        print(f"bundled incidents, {label}: {found or 'no findings'}")

    per: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    context_ok = extra = 0
    for fixture in pasted_fixtures(texts):
        kind, value = fixture.kind, fixture.value
        per[kind][1] += 1
        per[kind][0] += any(f.value == value and f.kind == kind
                            for f in scanner(settings).scan(fixture.text.encode()))
        found_in = scanner(settings).scan(fixture.pasted)
        context_ok += any(f.start == fixture.offset and f.kind == kind for f in found_in)
        extra += sum(f.start < fixture.doc_end for f in found_in)
    hits = sum(h for h, _ in per.values())
    total = sum(n for _, n in per.values())
    print(f"recall on the fixtures: {hits}/{total}; " + ", ".join(
        f"{k} {h}/{n}" for k, (h, n) in sorted(per.items())))
    print(f"pasted into generated incidents: {context_ok}/{total} at the exact offset, "
          f"{extra} findings elsewhere in those files")
    return 0 if hits == total and context_ok == total and extra == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
