"""What makes reports say what they say besides their incidents: the output format's
version, the settings, templates and labels."""

from __future__ import annotations

import hashlib
import json

from postmortem.config import Config

REPORT_TEMPLATE = "report.md.j2"
# The version of what reports and the index say for the same input. Bump it with every
# change to their output (tests/test_format_version.py notices a change without a bump):
# committed reports then show as stale. Refactoring that keeps the output keeps it.
FORMAT_VERSION = 11


def fingerprint(config: Config) -> str:
    """What changes what a report says besides its incident: the output format, settings,
    templates and labels. A change invalidates every cached summary and every report's
    inputs digest."""
    from postmortem.reports.labels import CATALOGUES, EMOJI
    from postmortem.templating import templates_digest

    labels = json.dumps([CATALOGUES, EMOJI], sort_keys=True, ensure_ascii=False)
    parts = [str(FORMAT_VERSION), hashlib.sha256(labels.encode()).hexdigest(),
             config.language, config.timezone, str(config.emoji), str(config.max_file_size),
             json.dumps(config.due_days, sort_keys=True),
             json.dumps([[t.name, t.pattern.pattern, t.url] for t in config.trackers]),
             json.dumps([config.check_owners, config.teams], sort_keys=True),
             config.rel(config.incidents_dir),
             config.rel(config.reports_dir), templates_digest(config, (REPORT_TEMPLATE,))]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
