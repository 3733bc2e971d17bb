"""Reports go stale when their output format changes, and only then.

A report's marker digests FORMAT_VERSION (with the settings, templates and labels), not the
package's code: a refactoring or a comment leaves committed reports fresh. So every change
of what `render` writes for the same input must bump FORMAT_VERSION; this test notices a
change of the snapshots that was not recorded with a bump.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from postmortem.reports.fingerprint import FORMAT_VERSION
from postmortem.reports.generated import with_marker

TESTS = Path(__file__).parent
# The snapshots of what `render` writes: reports (both emoji settings), linked reports, the
# index, and reports using every field (both languages); they hold bodies, so a generated
# file's first line (its marker) is added.
SNAPSHOTS = ("test_snapshots", "test_links", "test_index", "test_fields", "test_followups")
MARKER = with_marker("incidents/x.yaml", "0123456789abcdef", "body\n", "incidents/x.md")
# FORMAT_VERSION -> digest of the snapshots of that format. When a change to the output is
# intended: bump FORMAT_VERSION, regenerate the snapshots and the bundled reports, and add
# the new pair here (the test prints the digest).
RECORDED = {
    1: "f84926ce4094595b",  # snapshots only, before the marker was part of the digest
    2: "cc1c8120928e2e42",
    3: "925d9e0d86f3effa",
    4: "ef760e3d2d3e708b",
    5: "0b45881f94d21060",  # the marker names the file's own path; one-line fields escaped
    6: "c07bf6d93b200b0c",  # a report says how many follow-ups there are beyond those it lists
    7: "9f56afdb102eb549",  # multi-line expected/observed, impact, alert ... keep their lists
    8: "9556a5b5498bfe66",  # titles and owners of follow-ups escaped as one-line text
    9: "4fb70dbdf8e1333c",  # `<` in code as written; sign-off lines; seconds kept
    10: "c6b156decfddf881",  # lessons in the file's order; results before the fix apart
    11: "6e33496e319c53c4",  # the index says unknown, not ongoing, for an ended incident
}


def snapshot_digest() -> str:
    h = hashlib.sha256(MARKER.encode())
    for folder in SNAPSHOTS:
        for path in sorted((TESTS / folder).glob("*.md")):
            h.update(f"{folder}/{path.name}\0".encode() + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def test_output_changes_come_with_a_format_version() -> None:
    digest = snapshot_digest()
    assert FORMAT_VERSION in RECORDED, (
        f"FORMAT_VERSION {FORMAT_VERSION} is not recorded: add {FORMAT_VERSION}: "
        f"\"{digest}\" to RECORDED")
    assert RECORDED[FORMAT_VERSION] == digest, (
        f"the rendered output changed (snapshots digest {digest}) but FORMAT_VERSION is still "
        f"{FORMAT_VERSION}: bump it in postmortem/reports/fingerprint.py, so that committed "
        f"reports show as stale, and record the new digest here")


def test_every_format_version_had_its_own_output() -> None:
    assert len(set(RECORDED.values())) == len(RECORDED)
