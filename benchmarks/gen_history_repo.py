"""Build a git repository whose history moves action items about (the `actions` benchmark)."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# The incident text (header, timeline, causes, lessons, ...) comes from the render
# benchmark's generator; this script owns only the action items and how they change.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_incidents import DUE_DAYS, PEOPLE, STEP_TEXTS, TEAMS, _s, incident, plan

AUTHORS = [(p.capitalize(), f"{p}@example.com") for p in PEOPLE]
PRIORITIES = ["critical", "high", "medium", "low"]
COMPONENTS = ["the cache", "the deploy script", "the alerting", "the runbook", "the pool"]


@dataclass
class Item:
    number: int
    title: str
    owner: str
    priority: str
    status: str
    due: dt.date
    type: str
    note: str | None = None


@dataclass
class Incident:
    ident: str
    day: dt.date
    severity: str
    head: str  # the text before `action_items:`
    tail: str  # the text after the action items
    items: list[Item] = field(default_factory=list)
    next_number: int = 1
    path: str = ""
    broken: bool = False  # this version has a YAML syntax error (fixed by its next change)
    renamed_from: str | None = None  # set by the commit that renames the file

    def text(self) -> str:
        lines = [self.head.rstrip("\n"), "action_items:" if self.items else "action_items: []"]
        for item in self.items:
            lines += [f"  - id: AI-{item.number}", f"    title: {_s(item.title)}",
                      f"    owner: {item.owner}", f"    priority: {item.priority}",
                      f"    status: {item.status}", f"    due: {item.due.isoformat()}",
                      f"    type: {item.type}"]
            if item.note:
                lines.append(f"    note: {_s(item.note)}")
        if self.broken:
            lines.append("\tbroken: indented with a tab")
        return "\n".join(lines) + "\n" + self.tail


def split(text: str) -> tuple[str, str, str]:
    """(head, severity, tail) of a generated incident, without its action items."""
    head, rest = text.split("action_items:\n", 1)
    tail = rest[rest.index("next_steps:"):]
    severity = next(line.split(": ", 1)[1] for line in head.splitlines()
                    if line.startswith("severity: "))
    return head, severity, tail


class Builder:
    """Writes a `git fast-import` stream: one blob per changed file, inline."""

    def __init__(self, rng: random.Random, out: list[bytes]) -> None:
        self.rng = rng
        self.out = out
        self.mark = 0
        self.main: int | None = None
        self.commits = 0
        self.versions = 0

    def commit(self, ref: str, when: int, message: str, changes: list[tuple[str, str | None]],
               parent: int | None, merge: int | None = None) -> int:
        self.mark += 1
        name, email = self.rng.choice(AUTHORS)
        msg = message.encode()
        parts = [f"commit {ref}\nmark :{self.mark}\n"
                 f"author {name} <{email}> {when} +0000\n"
                 f"committer {name} <{email}> {when} +0000\n"
                 f"data {len(msg)}\n".encode(), msg, b"\n"]
        if parent is not None:
            parts.append(f"from :{parent}\n".encode())
        if merge is not None:
            parts.append(f"merge :{merge}\n".encode())
        for path, text in changes:
            if text is None:
                parts.append(f"D {path}\n".encode())
            else:
                data = text.encode()
                parts.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode())
                parts.append(data)
                parts.append(b"\n")
                self.versions += 1
        parts.append(b"\n")
        self.out.extend(parts)
        self.commits += 1
        return self.mark


def change(rng: random.Random, inc: Incident, today: dt.date) -> str:
    """Change one incident the way follow-up work does; returns what changed."""
    open_items = [i for i in inc.items if i.status not in ("done", "wontfix")]
    roll = rng.random()
    if inc.broken:
        inc.broken = False
        return "fix YAML"
    if roll < 0.0005:
        inc.broken = True
        return "edit (broken YAML)"
    if not open_items or roll < 0.06:
        inc.items.append(new_item(rng, inc, today))
        return "add action item"
    item = rng.choice(open_items)
    if roll < 0.60:  # progress, often on several items in one edit
        done = []
        for item in rng.sample(open_items, rng.randint(1, len(open_items))):
            item.status = {"todo": rng.choice(["in_progress", "done", "done"]),
                           "blocked": "in_progress",
                           "in_progress": "done"}[item.status]
            done.append(f"AI-{item.number}: {item.status}")
        return ", ".join(done)
    if roll < 0.72:  # slip, now and then pulled in
        days = rng.randint(7, 30) if rng.random() < 0.9 else -rng.randint(1, 5)
        item.due += dt.timedelta(days=days)
        return f"AI-{item.number}: due {item.due}"
    if roll < 0.78:
        item.owner = rng.choice(PEOPLE + TEAMS)
        return f"AI-{item.number}: owner {item.owner}"
    if roll < 0.81:
        item.status = "blocked"
        return f"AI-{item.number}: blocked"
    if roll < 0.83:
        item.status, item.note = "wontfix", "Superseded by the platform migration"
        return f"AI-{item.number}: wontfix"
    if roll < 0.85:
        inc.items.remove(item)  # deleted without being closed: `actions` reports it dropped
        return f"AI-{item.number}: removed"
    if roll < 0.89:
        item.priority = rng.choice(PRIORITIES)
        return f"AI-{item.number}: priority"
    # An edit elsewhere in the file: the items stay as they are.
    inc.head = inc.head.replace("summary: |\n", f"summary: |\n  Update {today}: reviewed "
                                f"{rng.choice(COMPONENTS)} with {rng.choice(PEOPLE)}.\n", 1)
    return "edit summary"


def new_item(rng: random.Random, inc: Incident, today: dt.date) -> Item:
    number = inc.next_number
    inc.next_number += 1
    limit = DUE_DAYS.get(inc.severity, 60)
    text = rng.choice(STEP_TEXTS).format(service="the service", component="the cache")
    return Item(number, text, rng.choice(PEOPLE + TEAMS), rng.choice(PRIORITIES),
                rng.choices(["todo", "in_progress"], [4, 1])[0],
                today + dt.timedelta(days=rng.randint(3, limit)),
                rng.choice(["prevent", "mitigate", "detect", "process"]))


def generate(outdir: Path, commits: int, files: int, seed: int, *,
             nested: bool = False) -> dict[str, int]:
    rng = random.Random(seed)

    def path_of(inc: Incident) -> str:
        folder = f"incidents/{inc.day:%Y/%m}" if nested else "incidents"
        return f"{folder}/{inc.ident}.yaml"

    if outdir.exists() and any(outdir.iterdir()):
        raise SystemExit(f"{outdir} exists and is not empty")
    outdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(outdir)], check=True)
    plans = sorted(plan(rng, files), key=lambda p: (p.day, p.id))
    texts = [incident(rng, i, plans) for i in range(files)]
    # A quarter of the incidents are imported at once (a team adopting the tool), the rest
    # arrive one per commit in date order among the follow-up commits.
    initial = files // 4
    arriving = files - initial
    out: list[bytes] = []
    b = Builder(rng, out)
    incidents: list[Incident] = []

    def make(index: int, today: dt.date) -> Incident:
        head, severity, tail = split(texts[index])
        inc = Incident(plans[index].id, plans[index].day, severity, head, tail)
        inc.path = path_of(inc)
        for _ in range(rng.randint(1, 3)):
            inc.items.append(new_item(rng, inc, today))
        return inc

    # Commits run from the import to the last incident's day, so incidents arrive on time.
    start = dt.datetime.combine(plans[initial].day, dt.time(9), tzinfo=dt.timezone.utc)
    span = dt.datetime.combine(plans[-1].day, dt.time(17), tzinfo=dt.timezone.utc) - start
    when = start
    first_day = when.date()
    for index in range(initial):
        incidents.append(make(index, first_day))
    config = ('[tool.postmortem]\nincidents_dir = "incidents"\ntimezone = "Europe/Berlin"\n')
    b.main = b.commit("refs/heads/main", int(when.timestamp()), "Import existing incidents",
                      [("pyproject.toml", config)] + [(i.path, i.text()) for i in incidents],
                      None)
    follow_ups = commits - 1
    arrive_every = follow_ups / max(arriving, 1)
    next_arrival = 0.0
    arrived = 0
    for number in range(1, follow_ups + 1):
        when = max(when + dt.timedelta(minutes=1), start + span * number / follow_ups
                   + dt.timedelta(minutes=rng.randint(0, 90)))
        when = when.replace(microsecond=0)
        today = when.date()
        changes: list[Incident] = []
        message: list[str] = []
        if arrived < arriving and number >= next_arrival:
            inc = make(initial + arrived, today)
            arrived += 1
            next_arrival += arrive_every
            incidents.append(inc)
            changes.append(inc)
            message.append(f"Add {inc.ident}")
        # Follow-up work goes to incidents with open items, mostly recent ones; the rest
        # of the open items are forgotten (and go overdue), as in real life.
        for _ in range(rng.choices([1, 2, 3], [3, 4, 2])[0]):
            pool = incidents[-200:] if rng.random() < 0.9 else incidents
            for _ in range(3):  # closed-out incidents get less attention
                inc = rng.choice(pool)
                if any(i.status not in ("done", "wontfix") for i in inc.items):
                    break
            if inc in changes:
                continue
            if rng.random() < 0.002:  # renamed: the id is corrected and the file follows
                old = inc.path
                inc.head = inc.head.replace(f"id: {inc.ident}\n", f"id: {inc.ident}-x\n", 1)
                inc.ident += "-x"
                inc.path = path_of(inc)
                changes.append(inc)
                message.append(f"Rename {old} to {inc.path}")
                inc.renamed_from = old
                continue
            message.append(f"{inc.ident}: {change(rng, inc, today)}")
            changes.append(inc)
        file_changes: list[tuple[str, str | None]] = []
        for inc in changes:
            if inc.renamed_from is not None:
                file_changes.append((inc.renamed_from, None))
                inc.renamed_from = None
            file_changes.append((inc.path, inc.text()))
        text = "\n".join(message)
        stamp = int(when.timestamp())
        if number % 50 == 0:  # a --no-ff merge of a short topic branch
            side = b.commit("refs/heads/topic", stamp - 60, text, file_changes, b.main)
            b.main = b.commit("refs/heads/main", stamp, "Merge branch 'topic'",
                              file_changes, b.main, merge=side)
        else:
            b.main = b.commit("refs/heads/main", stamp, text, file_changes, b.main)
    stream = b"".join(out)
    subprocess.run(["git", "fast-import", "--quiet"], input=stream, cwd=outdir, check=True)
    if follow_ups >= 50:  # there was a merge
        subprocess.run(["git", "branch", "-q", "-D", "topic"], cwd=outdir, check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=outdir, check=True)
    return {"commits": b.commits, "file_versions": b.versions, "incidents": files}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("outdir", type=Path, help="repository to create (must not exist)")
    parser.add_argument("--commits", type=int, default=10_000,
                        help="commits on the main branch's first-parent line")
    parser.add_argument("--files", type=int, default=10_000, help="incident files")
    parser.add_argument("--seed", type=int, default=1, help="random seed (deterministic)")
    parser.add_argument("--nested", action="store_true",
                        help="files in incidents/YYYY/MM/ (git diffs small folders: its log "
                             "is ~8x quicker, and parsing is most of the work)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    stats = generate(args.outdir, args.commits, args.files, args.seed, nested=args.nested)
    print(f"{stats['commits']:,} commits ({args.commits:,} on the first-parent line), "
          f"{stats['file_versions']:,} file versions, {stats['incidents']:,} incidents in "
          f"{args.outdir} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
