"""Write N synthetic incidents (~4.7 KB, --small ~0.5 KB), clean under `check --strict`."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

# Failure classes shared across incidents, so that "similar incidents" exist in the corpus:
# category -> (root-cause title, what happened, fix title, fix commands, prevention).
CATEGORIES: dict[str, tuple[str, str, str, str, str]] = {
    "stale-cache-after-deploy": (
        "Stale {component} cache after deploy",
        "The {component} cache was rebuilt before the new code was loaded, so "
        "`{service}` kept serving the old routing table.",
        "Rebuild the {component} cache",
        "php artisan optimize:clear\nphp artisan route:cache\nsystemctl reload php8.3-fpm",
        "Rebuild caches as the last step of every deploy",
    ),
    "file-ownership": (
        "Files owned by root after a manual deploy",
        "Files under `/var/www/{service}` were written as `root:root`; the worker running as "
        "`www-data` could not update its cache and silently served old code.",
        "Normalize file ownership",
        "chown -R www-data:www-data /var/www/{service}\nfind /var/www/{service} -type d "
        "-exec chmod 755 {{}} +",
        "Deploy only through the pipeline user",
    ),
    "connection-pool-exhaustion": (
        "{component} connection pool exhausted",
        "A slow query held connections for {n} s; the pool of {pool} connections ran dry and "
        "`{service}` answered with 503.",
        "Raise the pool size and kill the slow queries",
        "psql -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE state = 'active' AND now() - query_start > interval '30 seconds'\"\n"
        "kubectl -n prod rollout restart deploy/{service}",
        "Alert on pool saturation above 80 %",
    ),
    "certificate-expiry": (
        "TLS certificate for {service} expired",
        "The certificate renewal job failed silently {n} days earlier; clients rejected the "
        "handshake once the certificate expired.",
        "Renew and deploy the certificate",
        "certbot renew --cert-name {service}.example.com\nsystemctl reload nginx",
        "Monitor certificate expiry 21 days ahead",
    ),
    "disk-full": (
        "Disk full on {component} host",
        "Log rotation was disabled by a config change; `/var/log` filled the root volume and "
        "`{service}` could not write its queue files.",
        "Free disk space and restore log rotation",
        "journalctl --vacuum-size=500M\nlogrotate -f /etc/logrotate.d/{service}\ndf -h /",
        "Alert at 80 % disk usage on every host",
    ),
    "config-drift": (
        "Configuration drift between staging and production",
        "A feature flag for {component} was set by hand in production only; the deploy "
        "reverted it and `{service}` lost its fallback.",
        "Restore the flag through configuration management",
        "ansible-playbook site.yml --limit prod-{service} --tags config\n"
        "curl -fsS https://{service}.example.com/health",
        "Manage every flag in the repository",
    ),
    "dependency-timeout": (
        "Upstream {component} timed out",
        "The upstream API answered in {n} s instead of 200 ms; `{service}` had no timeout and "
        "its workers piled up.",
        "Add a timeout and a circuit breaker",
        "kubectl -n prod set env deploy/{service} UPSTREAM_TIMEOUT_MS=2000\n"
        "kubectl -n prod rollout status deploy/{service}",
        "Timeouts and circuit breakers on every outbound call",
    ),
    "migration-lock": (
        "Schema migration locked a hot table",
        "An `ALTER TABLE` on `{component}` took an exclusive lock for {n} s during peak "
        "traffic; writes from `{service}` queued and timed out.",
        "Cancel the migration and rerun it online",
        "psql -c 'SELECT pg_cancel_backend(pid) FROM pg_locks WHERE granted = false'\n"
        "gh-ost --table={component} --alter='ADD COLUMN note text' --execute",
        "Review migrations for locking before merge",
    ),
    "rate-limit-misconfig": (
        "Rate limiter rejected legitimate traffic",
        "A new rate-limit middleware on `{service}` counted retries of the {component} "
        "webhook as new calls and returned 429 to every third request.",
        "Exempt the webhook and raise the limit",
        "php artisan config:cache\nsystemctl reload php8.3-fpm\n"
        "curl -s -o /dev/null -w '%{{http_code}}' https://{service}.example.com/api/ping",
        "Load-test rate limits with recorded traffic",
    ),
    "memory-leak": (
        "Memory leak in {component} worker",
        "Each request kept a reference to its payload; workers of `{service}` grew by "
        "{n} MB an hour until the OOM killer restarted them mid-request.",
        "Restart workers and ship the leak fix",
        "kubectl -n prod rollout restart deploy/{service}\n"
        "kubectl -n prod top pods -l app={service}",
        "Memory budget alerts per worker",
    ),
}
CATEGORY_NAMES = sorted(CATEGORIES)
SERVICES = ["api-gateway", "booking", "checkout", "billing", "search", "notifications",
            "auth", "calendar-sync", "voice-agent", "reporting", "webhooks", "scheduler"]
COMPONENTS = ["route", "config", "redis", "postgres", "opcache", "session", "queue",
              "elasticsearch", "cal-com", "retell", "stripe", "s3"]
PEOPLE = ["alice", "bob", "carol", "dmitri", "eva", "farid", "greta", "hiro", "ines", "jonas",
          "kemal", "lena", "mira", "noah", "olga", "pavel"]
TEAMS = ["platform-team", "backend-team", "sre", "payments-team", "data-team"]
SEVERITY_NOTES = {"critical": "Production Down", "high": "Degraded service",
                  "medium": "Partial outage", "low": "Minor impact"}
DUE_DAYS = {"critical": 15, "high": 30, "medium": 60, "low": 90}
RELATIONS = ["same root cause", "follow-up of", "similar symptoms", "same service"]
EVENTS = [  # in the order they happen in an incident
    ("Deploy of `{service}` {version} started", "ok", "Code deployed"),
    ("Cache cleared and PHP-FPM reloaded", "warning", "Cache not rebuilt"),
    ("First 5xx errors on `{service}`", "failed", "Error rate {pct} %"),
    ("Retries from the upstream failed → 500", "failed", "3 retries"),
    ("Alert `{service}-error-rate` fired", "info", "Pager to on-call"),
    ("Customer support reports failing bookings", "warning", "{n} tickets"),
    ("On-call engineer acknowledged", "info", "Investigation started"),
    ("Rollback of {version} prepared", "info", "Not needed"),
    ("Root cause identified in {component}", "ok", "Root cause found"),
    ("Mitigation applied", "ok", "Fix applied"),
    ("Error rate back to baseline", "ok", "Issue resolved"),
    ("Status page updated", "info", "Customers informed"),
]
LESSONS_WELL = ["Alerting fired within {n} minutes of the first error",
                "The runbook for `{service}` had the right commands",
                "Rollback was prepared before it was needed",
                "Communication in the incident channel was clear and timely"]
LESSONS_WRONG = ["The deploy script did not rebuild caches in the right order",
                 "Nobody watched the dashboards during the deploy",
                 "The health check did not exercise the failing route",
                 "Logs of `{service}` were too noisy to spot the error quickly"]
LESSONS_LUCKY = ["The incident happened outside peak hours",
                 "A test call found the problem before most customers did",
                 "The upstream retried, so no data was lost"]
STEP_TEXTS = ["Add a smoke test for `{service}` to the deploy pipeline",
              "Document the cache rebuild order in the runbook",
              "Review alert thresholds for {component}",
              "Run a game day for this failure mode",
              "Verify the fix on staging with recorded traffic",
              "Share the postmortem in the engineering weekly"]


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ,()/'._%-]*$")
_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}


def _s(text: str) -> str:
    """A scalar: plain when that reads back as the same text, else quoted."""
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith(" "):
        return text
    return _q(text)


def _block(text: str, indent: int) -> str:
    pad = " " * indent
    return "|\n" + "\n".join(pad + line if line else "" for line in text.split("\n"))


def hm(minute: int) -> str:
    """Minutes after midnight as HH:MM."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _fill(rng: random.Random, template: str, ctx: dict[str, str]) -> str:
    return template.format(n=rng.randint(2, 90), pct=rng.randint(5, 60), pool=rng.choice(
        [20, 50, 100]), **ctx)


ZONE = ZoneInfo("Europe/Berlin")
ITEM_STATES = ["todo", "in_progress", "blocked", "done", "wontfix"]
CLOSED = ["done", "wontfix"]


@dataclass
class Plan:
    """What the other incidents need to know of one before any text is written."""

    id: str
    day: dt.date
    category: str
    secondary: str | None  # a second root cause's failure class (half of the incidents)
    service: str
    severity: str
    status: str
    minutes: tuple[int, int, int, int]  # started, detected, mitigated, resolved
    tags: list[str]
    # Whether its action items may still be open: only when no later incident shares one of
    # its failure classes (else `check` reports the class coming back while they are open).
    open_items: bool = True
    # Earlier incidents it overlaps with a tag or class in common: it refers to them (else
    # `check` asks whether they are one incident).
    overlaps: list[str] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        """The tags and failure classes by which overlapping incidents are compared."""
        return {*self.tags, *(f"class:{c}" for c in self.classes)}

    @property
    def classes(self) -> list[str]:
        return [self.category] + ([self.secondary] if self.secondary else [])

    def instant(self, minute: int) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(minute // 60, minute % 60), tzinfo=ZONE
                                   ).astimezone(dt.timezone.utc)

    @property
    def span(self) -> tuple[dt.datetime, dt.datetime | None]:
        """From the start to the end (resolved, else mitigated; None while investigating)."""
        started, _, mitigated, resolved = self.minutes
        end = {"resolved": resolved, "closed": resolved, "mitigated": mitigated}.get(self.status)
        return self.instant(started), None if end is None else self.instant(end)


def _clocks_change(day: dt.date) -> bool:
    night = dt.datetime.combine(day, dt.time(0), tzinfo=ZONE)
    return night.utcoffset() != night.replace(hour=4).utcoffset()


def plan(rng: random.Random, count: int) -> list[Plan]:
    """The incidents to write, in the order of their running numbers (which make ids unique)."""
    start = dt.date(2019, 1, 1)
    out = []
    for number in range(count):
        day = start + dt.timedelta(days=rng.randint(0, 6 * 365))
        category = rng.choice(CATEGORY_NAMES)
        service = rng.choice(SERVICES)
        severity = rng.choices(["critical", "high", "medium", "low"], [2, 4, 3, 1])[0]
        status = rng.choices(["closed", "resolved", "mitigated", "investigating"],
                             [5, 4, 1, 1])[0]
        # Milestones in order on the incident's day; where the clocks change that day,
        # after 04:00 (a local time skipped or repeated would be out of order).
        started = rng.randint(0, 17 * 60)
        if _clocks_change(day):
            started = max(started, 4 * 60)
        detected = started + rng.randint(1, 30)
        mitigated = detected + rng.randint(5, 90)
        resolved = mitigated + rng.randint(5, 120)
        secondary = rng.choice([c for c in CATEGORY_NAMES if c != category]) \
            if rng.random() < 0.5 else None
        tags = sorted({service, category.split("-")[0],
                       rng.choice(["deploy", "database", "network", "customer-facing"])})
        out.append(Plan(f"{day.isoformat()}-{service}-{category}-{number:05d}", day, category,
                        secondary, service, severity, status,
                        (started, detected, mitigated, resolved), tags))
    _settle(out)
    return out


def _settle(plans: list[Plan]) -> None:
    """Make the corpus one a team keeps clean under `check --strict`: action items of an
    incident are closed by the time its failure class comes back, and incidents that
    overlap in time with a tag or class in common refer to each other."""
    latest: dict[str, tuple[dt.datetime, str]] = {}
    for p in plans:
        for c in p.classes:
            latest[c] = max(latest.get(c, (p.span[0], p.id)), (p.span[0], p.id))
    by_day: dict[dt.date, list[Plan]] = {}
    for p in plans:
        p.open_items = all(latest[c] == (p.span[0], p.id) for c in p.classes)
        by_day.setdefault(p.day, []).append(p)  # incidents end on the day they start
    for same_day in by_day.values():
        same_day.sort(key=lambda p: (p.span[0], p.id))
        for later_index, later in enumerate(same_day):
            started, ended = later.span
            for earlier in same_day[:later_index]:
                end = earlier.span[1]
                if ended is not None and end is not None and end >= started \
                        and earlier.keys & later.keys:
                    later.overlaps.append(earlier.id)


def incident(rng: random.Random, index: int, plans: list[Plan]) -> str:
    """The text of incident ``index`` of ``plans`` (each of which it may refer to)."""
    p = plans[index]
    ident, day, category, service = p.id, p.day, p.category, p.service
    severity, status = p.severity, p.status
    started, detected, mitigated, resolved = p.minutes
    component = rng.choice(COMPONENTS)
    ctx = {"service": service, "component": component,
           "version": f"v{rng.randint(1, 9)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}"}
    cause_title, cause_text, fix_title, fix_cmds, prevention = (
        _fill(rng, part, ctx) for part in CATEGORIES[category])
    language = rng.choices(["en", "de"], [4, 1])[0]

    lines = [
        "# yaml-language-server: $schema=https://postmortem.dev/schema/incident-1.json",
        f"id: {ident}",
        f"title: {_s(cause_title + ' took down ' + service)}",
        f"date: {day.isoformat()}",
        "timezone: Europe/Berlin",
        f"language: {language}",
        f"status: {status}",
        f"severity: {severity}",
        f"severity_note: {_s(SEVERITY_NOTES[severity])}",
        f'started: "{hm(started)}"',
        f'detected: "{hm(detected)}"',
    ]
    if status != "investigating":
        lines.append(f'mitigated: "{hm(mitigated)}"')
    if status in ("resolved", "closed"):
        lines.append(f'resolved: "{hm(resolved)}"')
    lines.append(f"root_cause_summary: {_s(cause_title)}")
    authors = rng.sample(PEOPLE, rng.randint(1, 3))
    lines.append(f"authors: [{', '.join(authors)}]")
    lines.append(f"tags: [{', '.join(p.tags)}]")
    summary = (f"{cause_text} Between {hm(started)} and {hm(resolved)} users of `{service}` "
               f"saw errors on about {rng.randint(2, 70)} % of requests. The on-call "
               f"engineer found the cause in {component} and applied a fix.")
    lines.append("summary: " + _block(_wrap(summary), 2))

    # Timeline: sorted minutes between start and resolution.
    lines.append("timeline:")
    count = rng.randint(4, 7)
    span = max(resolved - started, count)
    points = sorted(started + rng.randint(0, span) for _ in range(count))
    # Events keep their natural order (deploy, errors, alert, ..., resolved).
    events = [EVENTS[i] for i in sorted(rng.sample(range(len(EVENTS)), count))]
    for at, (event, outcome, note) in zip(points, events, strict=True):
        lines.append(f'  - at: "{hm(at)}"')
        lines.append(f"    event: {_s(_fill(rng, event, ctx))}")
        lines.append(f"    outcome: {outcome}")
        lines.append(f"    note: {_s(_fill(rng, note, ctx))}")

    lines.append("root_causes:")
    lines.append(f"  - title: {_s(cause_title)}")
    lines.append("    level: primary")
    lines.append(f"    category: {category}")
    evidence = "\n".join(f"{hm(started + i)} → {w}" for i, w in enumerate(
        ["deploy finished", f"{component} cache rebuilt", "first request failed",
         "retries exhausted"]))
    lines.append("    description: " + _block(
        _wrap(cause_text) + "\n\nError chain:\n\n```\n" + evidence + "\n```", 6))
    if p.secondary is not None:
        other = p.secondary
        lines.append(f"  - title: {_s(_fill(rng, CATEGORIES[other][0], ctx))}")
        lines.append("    level: secondary")
        lines.append(f"    category: {other}")
        lines.append("    description: " + _block(_wrap(_fill(rng, CATEGORIES[other][1], ctx)), 6))

    lines += [
        "impact:",
        "  user:",
        "    figures:",
        f'      - Failed requests: "{rng.randint(10, 90000):,}"',
        f'      - Affected customers: "{rng.randint(1, 5000):,}"',
        f"      - {_s('Test calls failed until the fix was applied')}",
    ]
    if rng.random() < 0.5:
        lines += [
            "  business:",
            "    figures:",
            f'      - Lost bookings: "{rng.randint(0, 400)}"',
            f'      - Revenue at risk: "EUR {rng.randint(0, 90000):,}"',
            "    notes: " + _s("No SLA credits are due; two enterprise customers were informed."),
        ]
    lines += [
        "  technical:",
        "    figures:",
        f'      - Error rate peak: "{rng.randint(5, 100)} %"',
        f'      - p99 latency: "{rng.randint(300, 30000)} ms"',
        f"      - {_s('No data loss; all requests were retried or failed cleanly')}",
    ]

    lines.append("fixes:")
    lines.append(f"  - title: {_s(fix_title)}")
    lines.append("    status: Applied")
    lines.append(f'    at: "{hm(mitigated)}"')
    lines.append("    description: " + _block(_wrap(
        f"Applied on all {rng.randint(2, 12)} hosts of `{service}` by the on-call engineer "
        "after the root cause was confirmed."), 6))
    lines.append("    commands: " + _block(fix_cmds, 6))
    lines.append(f"    result: {_s('Errors stopped within a minute of the reload')}")
    if rng.random() < 0.5:
        lines.append("    verification:")
        lines.append(f"      description: {_s('Replay of the failing request in production')}")
        lines.append("      commands: " + _block(
            f"curl -fsS -X POST https://{service}.example.com/api/health/deep\n"
            f"tail -n 200 /var/log/{service}/app.log | grep -c ERROR", 8))
        lines.append(f"      result: {_s('HTTP 200, 0 errors in the last 200 log lines')}")

    phases = ("before", "after") if rng.random() < 0.3 else ()
    if phases:
        lines.append("verification:")
    for phase in phases:
        lines.append(f"  - title: {_s(f'Health of {service} {phase} the fix')}")
        lines.append(f"    phase: {phase}")
        lines.append(f"    commands: {_s(f'systemctl status {service} --no-pager')}")
        state = "failed (Result: exit-code)" if phase == "before" else "active (running)"
        lines.append("    output: " + _block(
            f"● {service}.service - {service} worker\n   Active: {state}\n"
            f"   Memory: {rng.randint(80, 900)}M", 6))

    lines += [
        "prevention:",
        f"  - title: {_s(prevention)}",
        f"    status: {rng.choice(['done', 'in_progress', 'planned', 'recommended'])}",
        "    body: " + _block(_wrap(
            f"Owned by {rng.choice(TEAMS)}. Applies to `{service}` first, then to every "
            "service deployed the same way."), 6),
        "lessons:",
        "  went_well:",
        *(f"    - {_s(_fill(rng, t, ctx))}" for t in rng.sample(LESSONS_WELL, rng.randint(1, 2))),
        "  went_wrong:",
        *(f"    - {_s(_fill(rng, t, ctx))}" for t in rng.sample(LESSONS_WRONG, rng.randint(1, 2))),
        "  lucky:",
        *(f"    - {_s(_fill(rng, t, ctx))}" for t in rng.sample(LESSONS_LUCKY, 1)),
    ]

    lines.append("action_items:")
    limit = DUE_DAYS[severity]
    for number in range(1, rng.randint(2, 3) + 1):
        item_status = rng.choices(ITEM_STATES, [4, 2, 1, 4, 1])[0] if p.open_items \
            else rng.choices(CLOSED, [9, 1])[0]
        lines.append(f"  - id: AI-{number}")
        lines.append(f"    title: {_s(_fill(rng, rng.choice(STEP_TEXTS), ctx))}")
        lines.append(f"    owner: {rng.choice(PEOPLE + TEAMS)}")
        lines.append(f"    priority: {rng.choice(['critical', 'high', 'medium', 'low'])}")
        lines.append(f"    status: {item_status}")
        lines.append(f"    due: {(day + dt.timedelta(days=rng.randint(1, limit))).isoformat()}")
        lines.append(f"    type: {rng.choice(['prevent', 'mitigate', 'detect', 'process'])}")
        if rng.random() < 0.6:
            lines.append(f"    link: https://tracker.example.com/OPS-{rng.randint(100, 9999)}")
        if item_status == "wontfix":
            lines.append(f"    note: {_s('Superseded by the platform migration')}")

    lines.append("next_steps:")
    for horizon in ("immediate", "short_term")[: rng.randint(1, 2)]:
        lines.append(f"  - horizon: {horizon}")
        lines.append("    items:")
        for text in rng.sample(STEP_TEXTS, 2):
            text = _fill(rng, text, ctx)
            if rng.random() < 0.5:
                lines.append(f"      - text: {_s(text)}")
                lines.append("        done: true")
            else:
                lines.append(f"      - {_s(text)}")

    lines.append("related:")
    refs: set[int] = set()
    while len(refs) < min(3, len(plans) - 1):
        ref = rng.randrange(len(plans))
        if ref != index:
            refs.add(ref)
    for ref in sorted(refs):
        lines.append(f"  - incident: {plans[ref].id}")
        relation = "same root cause" if plans[ref].category == category \
            else rng.choice(RELATIONS[1:])
        lines.append(f"    relation: {relation}")
    for other in p.overlaps:
        if other not in {plans[ref].id for ref in refs}:
            lines.append(f"  - incident: {other}")
            lines.append("    relation: at the same time")
    lines.append(f"  - title: {_s(f'Runbook {service}')}")
    lines.append(f"    url: https://wiki.example.com/runbooks/{service}")
    lines.append(f'report_created: "{(day + dt.timedelta(days=1)).isoformat()} 09:00"')
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int = 88) -> str:
    out, line = [], ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(line)
    return "\n".join(out)


def small_incident(rng: random.Random, p: Plan) -> str:
    """Only the required fields (``resolved`` where the status needs it) and 1-3 action
    items, each with an owner (a closed incident's need one), those open with a due date."""
    started, _, _, resolved = p.minutes
    ctx = {"service": p.service, "component": rng.choice(COMPONENTS), "version": ""}
    title = _fill(rng, CATEGORIES[p.category][0], ctx)
    lines = [
        f"id: {p.id}",
        f"title: {_s(title if p.service in title else f'{title} on {p.service}')}",
        f"date: {p.day.isoformat()}",
        f"status: {p.status}",
        f"severity: {p.severity}",
        f'started: "{hm(started)}"',
    ]
    if p.status in ("resolved", "closed"):
        lines.append(f'resolved: "{hm(resolved)}"')
    lines.append("action_items:")
    for number in range(1, rng.randint(1, 3) + 1):
        # No wontfix: a wontfix item without a note (not a required field) is a warning.
        item_status = rng.choices(ITEM_STATES[:-1], [4, 2, 1, 4])[0]
        lines.append(f"  - id: AI-{number}")
        lines.append(f"    title: {_s(_fill(rng, rng.choice(STEP_TEXTS), ctx))}")
        lines.append(f"    priority: {rng.choice(['critical', 'high', 'medium', 'low'])}")
        lines.append(f"    status: {item_status}")
        lines.append(f"    owner: {rng.choice(PEOPLE + TEAMS)}")
        if item_status not in CLOSED:
            due = p.day + dt.timedelta(days=rng.randint(1, DUE_DAYS[p.severity]))
            lines.append(f"    due: {due.isoformat()}")
    return "\n".join(lines) + "\n"


CONFIG = '[tool.postmortem]\nincidents_dir = "incidents"\ntimezone = "Europe/Berlin"\n'
# A team that keeps short records says so: a resolved incident needs only its action items
# (the default also asks for impact and root causes).
SMALL_CONFIG = CONFIG + ('\n[tool.postmortem.check]\nrequired_sections = {resolved = '
                         '["action_items"], closed = ["action_items"]}\n')


def generate(outdir: Path, count: int, seed: int, small: bool = False) -> list[Path]:
    """Write the incident repository (``small``: the small incidents); returns the incident
    files in id order."""
    rng = random.Random(seed)
    folder = outdir / "incidents"
    folder.mkdir(parents=True, exist_ok=True)
    (outdir / "pyproject.toml").write_text(SMALL_CONFIG if small else CONFIG, encoding="utf-8")
    if not (outdir / ".git").exists():
        subprocess.run(["git", "init", "-q", str(outdir)], check=True)
    plans = plan(rng, count)
    paths = []
    for index, p in enumerate(plans):
        path = folder / f"{p.id}.yaml"
        text = small_incident(rng, p) if small else incident(rng, index, plans)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return sorted(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("outdir", type=Path, help="repository to create (incidents/ inside)")
    parser.add_argument("--count", type=int, default=1000, help="number of incidents")
    parser.add_argument("--seed", type=int, default=1, help="random seed (output is "
                                                            "deterministic for a seed)")
    parser.add_argument("--small", action="store_true",
                        help="small incidents: only the required fields and 1-3 action items")
    args = parser.parse_args(argv)
    paths = generate(args.outdir, args.count, args.seed, args.small)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} incidents, {size / 1e6:.1f} MB ({size / max(len(paths), 1):,.0f} "
          f"bytes on average) in {args.outdir / 'incidents'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
