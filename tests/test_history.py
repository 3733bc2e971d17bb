"""Action-item history read from real git repositories with fixed commit dates and authors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from postmortem.config import Config, load_config
from postmortem.errors import PostmortemError
from postmortem.format.load import load
from postmortem.format.times import zone
from postmortem.history.blobs import read_blob
from postmortem.history.items import History, ItemHistory, end_of_day
from postmortem.history.reader import read_history

BERLIN = zone("Europe/Berlin")
INC = "2025-10-01-cache"


def overdue_on(item: ItemHistory, day: dt.date, tz: dt.tzinfo) -> bool:
    """Overdue at the end of ``day``, as `actions --as-of` answers it."""
    state = item.state_at(end_of_day(day, tz))
    return state is not None and state.overdue_on(day)


def item(ident: str = "AI-1", *, title: str = "Fix it", owner: str = "ops",
         priority: str = "high", status: str = "todo", due: str = "2025-10-10") -> str:
    return (f"{{id: {ident}, title: {title}, owner: {owner}, priority: {priority}, "
            f"status: {status}, due: {due}}}")


def incident(ident: str = INC, *items: str, extra: str = "") -> str:
    text = (f"id: {ident}\ntitle: Cache stale\ndate: 2025-10-01\nstatus: resolved\n"
            f'severity: high\nstarted: "10:00"\nresolved: "11:00"\n{extra}')
    if items:
        text += "action_items:\n" + "".join(f"  - {i}\n" for i in items)
    return text


@pytest.fixture
def commit(repo: Path, git: Callable[..., str]) -> Callable[..., str]:
    """Commit everything in the working tree at ``when`` (ISO) by ``author``; the sha."""

    def run(when: str, message: str = "change", author: str = "Alice") -> str:
        env = {**os.environ, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when,
               "GIT_AUTHOR_NAME": author, "GIT_COMMITTER_NAME": author}
        subprocess.run(["git", "add", "-A"], cwd=repo, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", message], cwd=repo,
                       check=True, env=env)
        return git("rev-parse", "HEAD").strip()

    return run


@pytest.fixture
def write(repo: Path) -> Callable[[str, str], Path]:
    def run(name: str, text: str) -> Path:
        path = repo / "incidents" / name
        path.write_text(text, encoding="utf-8")
        return path

    return run


@pytest.fixture
def berlin(repo: Path) -> Path:
    (repo / "postmortem.toml").write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    return repo


def events(history: History, ref: str) -> list[tuple[Any, ...]]:
    """(kind, local date and time, from, to, author) of an item's events."""
    incident_id, _, ident = ref.partition("#")
    return [(e.kind, e.date.strftime("%Y-%m-%d %H:%M"), _plain(e.old), _plain(e.new),
             e.commit.author) for e in history.items[(incident_id, ident)].events]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def everything(history: History) -> dict[str, Any]:
    """All of a history as plain data, to compare a cached read with a fresh one."""
    return {f"{k[0]}#{k[1]}": (
        [(e.kind, e.commit.sha, e.date.isoformat(), _plain(e.old), _plain(e.new))
         for e in v.events],
        [(s.commit.sha, s.present, s.title, s.owner, s.priority, s.status, _plain(s.due))
         for s in v.states], v.path, v.opened_known) for k, v in history.items.items()}


def test_opened_slipped_twice_closed_late_and_the_others(
        berlin: Path, write: Callable[..., Path], commit: Callable[..., str]) -> None:
    name = f"{INC}.yaml"
    ai2 = item("AI-2", owner="dev", due="2025-10-20")
    ai3 = item("AI-3", priority="low", due="2025-10-15")
    write(name, incident(INC, item(), ai2, ai3))
    commit("2025-10-02T10:00:00+02:00", author="Alice")
    write(name, incident(INC, item(due="2025-10-17"), ai2, ai3))
    commit("2025-10-09T09:00:00+02:00", author="Bob")
    write(name, incident(INC, item(due="2025-10-24", owner="sre"), ai2, ai3))
    commit("2025-10-16T09:00:00+02:00", author="Bob")
    write(name, incident(INC, item(due="2025-10-24", owner="sre"),
                         item("AI-2", owner="dev", due="2025-10-20", status="done"), ai3))
    commit("2025-10-18T17:00:00+02:00", author="Carol")
    write(name, incident(INC, item(due="2025-10-24", owner="sre"),
                         item("AI-2", owner="dev", due="2025-10-20", status="done")))
    commit("2025-10-20T08:00:00+02:00", author="Carol")
    write(name, incident(INC, item(due="2025-10-24", owner="sre", status="done"),
                         item("AI-2", owner="dev", due="2025-10-20", status="done")))
    commit("2025-10-27T12:00:00+01:00", author="Alice")

    history = read_history(load_config(berlin))

    assert events(history, f"{INC}#AI-1") == [
        ("opened", "2025-10-02 10:00", None, "todo", "Alice"),
        ("due", "2025-10-09 09:00", "2025-10-10", "2025-10-17", "Bob"),
        ("due", "2025-10-16 09:00", "2025-10-17", "2025-10-24", "Bob"),
        ("owner", "2025-10-16 09:00", "ops", "sre", "Bob"),
        ("status", "2025-10-27 12:00", "todo", "done", "Alice"),
    ]
    first = history.items[(INC, "AI-1")]
    assert (first.slips, first.days_slipped) == (2, 14)
    assert (first.opened, first.closed, first.closed_late) == (
        dt.date(2025, 10, 2), dt.date(2025, 10, 27), True)
    on_time = history.items[(INC, "AI-2")]
    assert (on_time.closed, on_time.closed_late, on_time.slips) == (dt.date(2025, 10, 18),
                                                                    False, 0)
    assert events(history, f"{INC}#AI-3") == [
        ("opened", "2025-10-02 10:00", None, "todo", "Alice"),
        ("dropped", "2025-10-20 08:00", "todo", None, "Carol"),
    ]
    dropped = history.items[(INC, "AI-3")]
    assert (dropped.latest.present, dropped.closed, dropped.path) == (
        False, None, f"incidents/{name}")
    assert history.warnings == []
    assert all(e.date.tzinfo is BERLIN for i in history.items.values() for e in i.events)


@pytest.mark.parametrize(("day", "overdue"), [(9, False), (10, False), (11, True)])
def test_overdue_around_the_due_day(repo: Path, write: Callable[..., Path],
                                    commit: Callable[..., str], day: int, overdue: bool) -> None:
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-10")))
    commit("2025-10-02T10:00:00+00:00")
    history = read_history(load_config(repo))
    ai = history.items[(INC, "AI-1")]
    assert overdue_on(ai, dt.date(2025, 10, day), dt.timezone.utc) is overdue
    assert overdue_on(ai, dt.date(2025, 10, 1), dt.timezone.utc) is False  # not opened yet


@pytest.mark.parametrize(("timezone", "late"), [("Europe/Berlin", True), ("UTC", False)])
def test_closing_dates_are_counted_in_the_configured_zone(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str], timezone: str,
        late: bool) -> None:
    (repo / "postmortem.toml").write_text(f'timezone = "{timezone}"\n', encoding="utf-8")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-10")))
    commit("2025-10-02T10:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-10", status="done")))
    commit("2025-10-10T22:30:00+00:00")  # 00:30 on the 11th in Berlin
    config = load_config(repo)
    ai = read_history(config).items[(INC, "AI-1")]
    assert ai.closed_late is late
    tz = zone(timezone)
    assert tz is not None
    assert overdue_on(ai, dt.date(2025, 10, 10), tz) is False
    assert overdue_on(ai, dt.date(2025, 10, 11), tz) is False  # closed by the end of the 11th


def test_a_renamed_file_keeps_its_items_history(repo: Path, write: Callable[..., Path],
                                                commit: Callable[..., str],
                                                git: Callable[..., str]) -> None:
    write("2025-10-01-cahce.yaml", incident("2025-10-01-cahce", item()))
    commit("2025-10-02T10:00:00+00:00")
    git("mv", "incidents/2025-10-01-cahce.yaml", f"incidents/{INC}.yaml")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-12")))
    commit("2025-10-03T10:00:00+00:00", author="Bob")

    history = read_history(load_config(repo))

    assert list(history.items) == [(INC, "AI-1")]
    assert events(history, f"{INC}#AI-1") == [
        ("opened", "2025-10-02 10:00", None, "todo", "Alice"),
        ("due", "2025-10-03 10:00", "2025-10-10", "2025-10-12", "Bob"),
    ]
    assert history.items[(INC, "AI-1")].path == f"incidents/{INC}.yaml"


def test_a_deleted_and_re_added_file(repo: Path, write: Callable[..., Path],
                                     commit: Callable[..., str]) -> None:
    path = write(f"{INC}.yaml", incident(INC, item(), item("AI-2", status="done")))
    commit("2025-10-02T10:00:00+00:00")
    path.unlink()
    commit("2025-10-03T10:00:00+00:00", author="Bob")
    write(f"{INC}.yaml", incident(INC, item(status="in_progress"), item("AI-2", status="done")))
    commit("2025-10-04T10:00:00+00:00", author="Carol")

    history = read_history(load_config(repo))

    assert events(history, f"{INC}#AI-1") == [
        ("opened", "2025-10-02 10:00", None, "todo", "Alice"),
        ("dropped", "2025-10-03 10:00", "todo", None, "Bob"),
        ("restored", "2025-10-04 10:00", None, "in_progress", "Carol"),
        ("status", "2025-10-04 10:00", "todo", "in_progress", "Carol"),
    ]
    # A done item leaving with its file is not "dropped"; it stays closed when it returns.
    assert [e[0] for e in events(history, f"{INC}#AI-2")] == ["opened", "restored"]
    assert history.items[(INC, "AI-2")].closed == dt.date(2025, 10, 2)
    assert [s.present for s in history.items[(INC, "AI-1")].states] == [True, False, True]


def test_an_item_whose_id_changes_is_dropped_and_opened(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item("AI-1")))
    commit("2025-10-02T10:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item("AI-9")))
    commit("2025-10-03T10:00:00+00:00")

    history = read_history(load_config(repo))

    assert [e[0] for e in events(history, f"{INC}#AI-1")] == ["opened", "dropped"]
    assert events(history, f"{INC}#AI-9") == [
        ("opened", "2025-10-03 10:00", None, "todo", "Alice")]


def test_a_merge_counts_as_one_change_on_the_first_parent_line(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str],
        git: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    commit("2025-10-02T10:00:00+00:00")
    git("checkout", "-q", "-b", "topic")
    write(f"{INC}.yaml", incident(INC, item(status="done")))
    topic = commit("2025-10-05T10:00:00+00:00", author="Bob")
    git("checkout", "-q", "main")
    (repo / "notes.txt").write_text("unrelated\n", encoding="utf-8")
    commit("2025-10-06T10:00:00+00:00")
    env = {**os.environ, "GIT_AUTHOR_DATE": "2025-10-07T10:00:00+00:00",
           "GIT_COMMITTER_DATE": "2025-10-07T10:00:00+00:00", "GIT_AUTHOR_NAME": "Carol"}
    subprocess.run(["git", "merge", "-q", "--no-ff", "-m", "Merge topic", "topic"], cwd=repo,
                   check=True, env=env)
    merge = git("rev-parse", "HEAD").strip()

    history = read_history(load_config(repo))

    ai = history.items[(INC, "AI-1")]
    assert events(history, f"{INC}#AI-1")[1] == ("status", "2025-10-07 10:00", "todo", "done",
                                                  "Carol")
    assert ai.events[1].commit.sha == merge
    assert topic not in {s.commit.sha for s in ai.states}


def test_a_shallow_clone_says_where_history_starts(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str], tmp_path: Path,
        git: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    commit("2025-10-02T10:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-12"), item("AI-2")))
    commit("2025-10-03T10:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-12", status="done"), item("AI-2"),
                                  item("AI-3")))
    commit("2025-10-04T10:00:00+00:00", author="Bob")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{repo}", str(clone)],
                   check=True)

    history = read_history(load_config(clone))

    assert len(history.warnings) == 1
    assert "shallow clone" in history.warnings[0]
    assert "starts on 2025-10-03" in history.warnings[0]
    for ident in ("AI-1", "AI-2"):  # already there where the clone's history starts
        ai = history.items[(INC, ident)]
        assert (ai.opened_known, ai.opened) == (False, None)
        assert "opened" not in [e.kind for e in ai.events]
    assert history.items[(INC, "AI-1")].slips == 0  # the slip happened before the boundary
    assert history.items[(INC, "AI-1")].closed == dt.date(2025, 10, 4)
    assert history.items[(INC, "AI-3")].opened == dt.date(2025, 10, 4)
    assert everything(read_history(load_config(clone))) == everything(history)  # cached

    subprocess.run(["git", "fetch", "-q", "--unshallow"], cwd=clone, check=True)
    full = read_history(load_config(clone))  # the cache of the shallow state is not used
    assert full.warnings == []
    assert full.items[(INC, "AI-1")].opened == dt.date(2025, 10, 2)
    assert full.items[(INC, "AI-1")].slips == 1


def test_a_version_that_does_not_parse_is_skipped_with_a_warning(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    commit("2025-10-02T10:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-11")) + "\tbroken: tab\n")
    broken = commit("2025-10-03T10:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-12")))
    commit("2025-10-04T10:00:00+00:00")

    history = read_history(load_config(repo))

    assert len(history.warnings) == 1
    warning = history.warnings[0]
    assert warning.startswith(f"incidents/{INC}.yaml in commit {broken[:10]} (2025-10-03) "
                              "cannot be read: ")
    assert "tab" in warning and warning.endswith("the history skips that version")
    assert events(history, f"{INC}#AI-1")[1:] == [
        ("due", "2025-10-04 10:00", "2025-10-10", "2025-10-12", "Alice")]


def test_a_yaml_error_outside_the_action_items_does_not_hide_them(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    commit("2025-10-02T10:00:00+00:00")
    timeline = 'timeline:\n  - at: "10:00"\n     event: bad indentation\n'
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-11"), extra=timeline))
    commit("2025-10-03T10:00:00+00:00")
    data = (repo / "incidents" / f"{INC}.yaml").read_bytes()
    # the whole file is not valid YAML
    assert load(data, "x.yaml", load_config(repo), validate=False).data is None

    history = read_history(load_config(repo))

    assert history.warnings == []
    assert history.items[(INC, "AI-1")].latest.due == dt.date(2025, 10, 11)


@pytest.mark.parametrize("text", [
    incident(INC, item(), item("AI-2", status="done")),
    incident(INC),
    incident(INC, item()) + "next_steps:\n  - horizon: immediate\n",
    "# comment\n" + incident(INC, item()) + "# trailing comment\n",
    incident(INC, item()).replace("action_items:\n  - ", "action_items:\n- "),
    f"id: '{INC}'  # quoted\naction_items: [{item()},\n  {item('AI-2')}]\ntitle: x\n",
    f"id: {INC}\r\ntitle: x\r\naction_items:\r\n  - {item()}\r\n",
    f"id: {INC}\naction_items:\n  - id: AI-1\n    title: |\n      two\n      lines\n",
    f"id: {INC}\naction_items:\n  - id: AI-1\n    title: \"runs\non\"\n",  # col-0 text
    f"---\nid: {INC}\naction_items:\n  - {item()}\n",
    f"id: {INC}\naction_items: &items\n  - {item()}\nother: *items\n",
    f"id: {INC}\nother: &x AI-1\naction_items:\n  - {{id: *x}}\n",
    f"id: {INC}\naction_items:\n  - {item()}\naction_items: []\n",
    "- just\n- a list\n",
    "",
])
def test_reading_only_the_items_agrees_with_parsing_the_whole_file(text: str) -> None:
    from postmortem.history.blobs import blob_info

    data = text.encode()
    config = Config(root=Path.cwd())
    full = blob_info(load(data, "x.yaml", config, validate=False))
    quick = read_blob(data, "x.yaml", config)
    assert quick == full


def test_not_a_git_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "plain"
    (folder / "incidents").mkdir(parents=True)
    (folder / "postmortem.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    with pytest.raises(PostmortemError) as caught:
        read_history(load_config(folder))
    assert "is not in a git repository" in str(caught.value)
    assert caught.value.hint is not None and "git init" in caught.value.hint
    assert caught.value.exit_code == 2  # it cannot start, as without incidents


def test_no_commits_yet_is_an_empty_history(repo: Path, write: Callable[..., Path]) -> None:
    assert read_history(load_config(repo)).items == {}
    write(f"{INC}.yaml", incident(INC, item()))
    history = read_history(load_config(repo))
    assert history.items == {}
    assert history.warnings == [f"uncommitted changes to incidents/{INC}.yaml: the history "
                                "shows the committed state only; commit them to include them"]


def test_uncommitted_changes_are_named_in_one_warning(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    write("README.md", "# Incidents\n")
    commit("2025-10-02T10:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item(status="done")))
    write("2025-10-05-new.yaml", incident("2025-10-05-new", item()))
    write("README.md", "# Incidents, edited\n")  # not an incident file

    history = read_history(load_config(repo))

    assert history.warnings == [
        "uncommitted changes to incidents/2025-10-01-cache.yaml, incidents/2025-10-05-new.yaml"
        ": the history shows the committed state only; commit them to include them"]
    assert list(history.items) == [(INC, "AI-1")]
    assert history.items[(INC, "AI-1")].latest.status == "todo"


def _cache_files(repo: Path) -> dict[str, bytes]:
    folder = repo / ".git" / "postmortem"
    return {p.suffix: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_cache_is_extended_by_new_commits(repo: Path, write: Callable[..., Path],
                                               commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    commit("2025-10-02T10:00:00+00:00")
    config = load_config(repo)
    read_history(config)
    base = _cache_files(repo)
    assert list(base) == [".bin"]
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-12")))
    commit("2025-10-03T10:00:00+00:00")

    cached = read_history(config)

    files = _cache_files(repo)
    assert files[".bin"] == base[".bin"]  # the new commit went to the journal
    assert ".journal" in files
    assert everything(cached) == everything(read_history(config, use_cache=False))
    assert cached.items[(INC, "AI-1")].slips == 1
    assert everything(read_history(config)) == everything(cached)  # base + journal


@pytest.mark.parametrize("rewrite", ["amend", "reset", "rebase"])
def test_a_rewritten_history_gives_fresh_results(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str],
        git: Callable[..., str], rewrite: str) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    commit("2025-10-02T10:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-12")))
    commit("2025-10-03T10:00:00+00:00")
    config = load_config(repo)
    assert read_history(config).items[(INC, "AI-1")].latest.due == dt.date(2025, 10, 12)

    if rewrite == "amend":
        write(f"{INC}.yaml", incident(INC, item(due="2025-10-20")))
        subprocess.run(["git", "commit", "-q", "-a", "--amend", "--no-edit"], cwd=repo,
                       check=True)
        expected = dt.date(2025, 10, 20)
    elif rewrite == "reset":
        git("reset", "-q", "--hard", "HEAD~1")
        write(f"{INC}.yaml", incident(INC, item(status="wontfix")))
        commit("2025-10-05T10:00:00+00:00")
        expected = dt.date(2025, 10, 10)
    else:  # the cached tip is rewritten under a newer commit
        write("2025-10-05-other.yaml", incident("2025-10-05-other", item()))
        commit("2025-10-05T10:00:00+00:00")
        env = {**os.environ, "GIT_SEQUENCE_EDITOR": "sed -i 1s/^pick/edit/"}
        subprocess.run(["git", "rebase", "-q", "-i", "HEAD~2"], cwd=repo, check=True, env=env)
        write(f"{INC}.yaml", incident(INC, item(due="2025-10-15")))
        git("commit", "-q", "-a", "--amend", "--no-edit")
        subprocess.run(["git", "rebase", "--continue"], cwd=repo, check=True,
                       capture_output=True, env={**os.environ, "GIT_EDITOR": "true"})
        expected = dt.date(2025, 10, 15)

    cached = read_history(config)

    assert everything(cached) == everything(read_history(config, use_cache=False))
    assert cached.items[(INC, "AI-1")].latest.due == expected
    assert [e.new for e in cached.items[(INC, "AI-1")].events if e.kind == "due"] == (
        [] if rewrite == "reset" else [expected])


def test_a_corrupt_cache_is_ignored(repo: Path, write: Callable[..., Path],
                                    commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    commit("2025-10-02T10:00:00+00:00")
    config = load_config(repo)
    fresh = everything(read_history(config))
    for path in (repo / ".git" / "postmortem").iterdir():
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])  # torn
    assert everything(read_history(config)) == fresh
    for path in (repo / ".git" / "postmortem").iterdir():
        path.write_bytes(b"postmortem-history\n" + b"\0" * 40)  # right magic, wrong checksum
    assert everything(read_history(config)) == fresh


def test_two_files_with_one_incident_id(repo: Path, write: Callable[..., Path],
                                        commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    write("2025-10-01-copy.yaml", incident(INC, item(owner="dev")))
    commit("2025-10-02T10:00:00+00:00")

    history = read_history(load_config(repo))

    assert sorted(history.items) == [(INC, "AI-1"), ("2025-10-01-copy", "AI-1")]
    assert history.items[(INC, "AI-1")].latest.owner == "ops"
    assert history.warnings == [
        f"incidents/2025-10-01-copy.yaml and incidents/{INC}.yaml both have incident id "
        f"'{INC}'; the action items of incidents/2025-10-01-copy.yaml are listed under "
        "'2025-10-01-copy'"]


def test_a_file_given_the_id_of_a_deleted_one_keeps_its_items(
        repo: Path, write: Callable[..., Path], commit: Callable[..., str],
        git: Callable[..., str]) -> None:
    """The duplicate report is deleted, the other renamed to its id: the live file's items
    are listed, not left out for the deleted file that had the id first."""
    write("2025-10-01-a.yaml", incident("2025-10-01-a", item("AI-1")))
    write("2025-10-01-b.yaml", incident("2025-10-01-b", item("AI-7", due="2025-10-12")))
    commit("2025-10-01T10:00:00+00:00")
    git("rm", "--quiet", "incidents/2025-10-01-a.yaml")
    commit("2025-10-02T10:00:00+00:00")
    git("mv", "incidents/2025-10-01-b.yaml", "incidents/2025-10-01-a.yaml")
    write("2025-10-01-a.yaml", incident("2025-10-01-a", item("AI-7", due="2025-10-12")))
    commit("2025-10-03T10:00:00+00:00")

    history = read_history(load_config(repo))

    assert sorted(history.items) == [("2025-10-01-a", "AI-7")]
    assert history.items[("2025-10-01-a", "AI-7")].latest.is_open
    assert history.warnings == [
        "incidents/2025-10-01-a.yaml (deleted) and incidents/2025-10-01-a.yaml both have "
        "incident id '2025-10-01-a'; the action items of incidents/2025-10-01-a.yaml "
        "(deleted) are left out"]


def test_hidden_files_are_no_incidents(repo: Path, write: Callable[..., Path],
                                       commit: Callable[..., str]) -> None:
    """As `check` finds incidents: an editor's lock file or a hidden drafts folder is none
    (the lock file took the incident id from the real file)."""
    write(f"{INC}.yaml", incident(INC, item()))
    write(f".#{INC}.yaml", incident(INC, item(owner="dev")))
    (repo / "incidents" / ".drafts").mkdir()
    write(".drafts/2025-10-02-draft.yaml", incident("2025-10-02-draft", item()))
    commit("2025-10-02T10:00:00+00:00")
    write(".drafts/2025-10-02-draft.yaml", incident("2025-10-02-draft", item(due="2025-11-01")))
    write(f".#{INC}.yaml", incident(INC, item(owner="sre")))

    history = read_history(load_config(repo))

    assert list(history.items) == [(INC, "AI-1")]
    assert history.items[(INC, "AI-1")].latest.owner == "ops"
    assert history.warnings == []  # the hidden files' uncommitted edits are not named


# --- git oddities -----------------------------------------------------------------------------

def test_a_commit_dated_before_the_one_it_follows(repo: Path, write: Callable[..., Path],
                                                  commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    opened = commit("2025-10-10T10:00:00+00:00", "open")
    write(f"{INC}.yaml", incident(INC, item(status="done")))
    closed = commit("2025-10-05T09:00:00+00:00", "close, on a clock that was behind")
    history = read_history(load_config(repo))
    assert events(history, f"{INC}#AI-1") == [
        ("opened", "2025-10-10 10:00", None, "todo", "Alice"),
        ("status", "2025-10-10 10:00", "todo", "done", "Alice")]  # not before it opened
    ai = history.items[(INC, "AI-1")]
    assert (ai.opened, ai.closed) == (dt.date(2025, 10, 10), dt.date(2025, 10, 10))
    assert ai.state_at(end_of_day(dt.date(2025, 10, 7), dt.timezone.utc)) is None
    assert history.warnings == [
        f"commit {closed[:10]} is dated 2025-10-05 09:00, before the commit it follows "
        "(2025-10-10 10:00): their changes are counted from the date of the commit before "
        "them, in the order of history"]
    assert opened != closed


def _submodule(repo: Path, git: Callable[..., str], commit: Callable[..., str]) -> None:
    """The incidents live in a repository of their own, added to `repo` as submodule `ops`."""
    inner = repo.parent / "ops-incidents"
    (inner / "incidents").mkdir(parents=True)
    subprocess.run(["git", "init", "--quiet", "--initial-branch=main", str(inner)], check=True)
    (inner / "incidents" / f"{INC}.yaml").write_text(incident(INC, item()), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=inner, check=True)
    subprocess.run(["git", "commit", "--quiet", "-m", "incident"], cwd=inner, check=True)
    git("-c", "protocol.file.allow=always", "submodule", "--quiet", "add", str(inner), "ops")
    (repo / "postmortem.toml").write_text('incidents_dir = "ops/incidents"\n', encoding="utf-8")
    commit("2025-10-02T10:00:00+00:00")


def test_incidents_in_a_submodule_are_not_read_as_an_empty_history(
        repo: Path, git: Callable[..., str], commit: Callable[..., str]) -> None:
    from click.testing import CliRunner

    from postmortem.cli import main

    _submodule(repo, git, commit)
    said = ("postmortem: error: the incidents folder 'ops/incidents' is in the submodule 'ops', "
            "whose commits this repository does not hold: its action-item history cannot be "
            "read from here\n  hint: run postmortem inside 'ops' (with a configuration of its "
            "own there)\n")
    for args in (["actions"], ["review", "--week", "2025-W40"]):
        result = CliRunner().invoke(main, args)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", said)
    git("submodule", "--quiet", "deinit", "--force", "ops")  # not checked out: the same
    (repo / "ops" / "incidents").mkdir()
    result = CliRunner().invoke(main, ["actions"])
    assert (result.exit_code, result.stderr) == (1, said)


def test_a_commit_dated_past_the_year_9999(repo: Path, write: Callable[..., Path],
                                           commit: Callable[..., str]) -> None:
    write(f"{INC}.yaml", incident(INC, item()))
    late = commit("@999999999999 +0000")  # git takes it: the year 33658
    history = read_history(load_config(repo))
    assert events(history, f"{INC}#AI-1") == [("opened", "9999-12-30 23:59", None, "todo",
                                               "Alice")]
    assert history.warnings == [f"commit {late[:10]} is dated outside the years 1 to 9999; it "
                                "counts as dated 9999-12-30 23:59"]


def test_a_reopened_item_is_closed_when_it_is_closed_again(
        repo: Path, write: Callable[[str, str], Path],
        commit: Callable[..., str]) -> None:
    from postmortem.history.actions import report_on
    from postmortem.history.review import build_review

    write(f"{INC}.yaml", incident(INC, item(due="2025-10-05")))
    commit("2025-10-01T12:00:00+00:00")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-05", status="done")))
    commit("2025-10-03T12:00:00+00:00", "close")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-05")))
    commit("2025-10-08T12:00:00+00:00", "reopen")
    write(f"{INC}.yaml", incident(INC, item(due="2025-10-05", status="done")))
    commit("2025-10-15T12:00:00+00:00", "close again")
    config = load_config()
    history = read_history(config)
    utc = dt.timezone.utc
    it = history.items[(INC, "AI-1")]
    reopened = report_on(it, dt.date(2025, 10, 10), utc)
    assert reopened is not None and reopened.status == "todo"
    assert reopened.item.closed is None and reopened.item.closed_late is None
    assert reopened.overdue and reopened.days_overdue == 5
    assert it.closed == dt.date(2025, 10, 15) and it.closed_late is True

    def closed(day: dt.date) -> list[tuple[dt.date, bool | None]]:
        review = build_review(history, config, day, links_from=repo)
        assert review.totals.closed == len(review.closed)
        return [(c.date, c.late) for c in review.closed]

    assert closed(dt.date(2025, 10, 5)) == [(dt.date(2025, 10, 3), False)]
    assert closed(dt.date(2025, 10, 12)) == []
    assert closed(dt.date(2025, 10, 19)) == [(dt.date(2025, 10, 15), True)]


def test_a_due_date_that_goes_by_way_of_unknown_or_none_slips_all_the_same(
        repo: Path, write: Callable[[str, str], Path],
        commit: Callable[..., str]) -> None:
    from postmortem.history.review import build_review

    for n, due in enumerate(("2025-10-05", "unknown", "2025-11-30", "null", "2025-11-20",
                             "2025-12-04")):
        write(f"{INC}.yaml", incident(INC, item(due=due)))
        commit(f"2025-10-{n + 1:02d}T12:00:00+00:00", f"due {due}")
    it = read_history(load_config()).items[(INC, "AI-1")]
    # 10-05 -> 11-30 (past unknown), 11-20 -> 12-04; 11-30 -> 11-20 (past none) is no slip.
    assert [(e.old, e.new) for e in it.slip_events] == [
        (dt.date(2025, 10, 5), dt.date(2025, 11, 30)), (dt.date(2025, 11, 20),
                                                          dt.date(2025, 12, 4))]
    assert (it.slips, it.days_slipped) == (2, 56 + 14)
    review = build_review(read_history(load_config()), load_config(), dt.date(2025, 10, 5),
                          links_from=repo)
    assert [(s.item.id, s.slips) for s in review.slipped] == [("AI-1", 1)]
