"""Only the repository's own regular files are read: links out, pipes, devices and loops are
named for what they are, and nothing of a file that is not an incident file is shown."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MINIMAL_INCIDENT, POSTMORTEM, run_unprivileged

from postmortem.cli import main

Write = Callable[..., Path]
SECRET = "root: hunter2-secret\nother: line-of-a-secret-file\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output + result.stderr, result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A YAML file outside the repository that must never be shown."""
    path = tmp_path / "outside" / "shadow.yaml"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


@pytest.fixture
def unix_socket(repo: Path) -> Iterator[Path]:
    path = repo / "incidents" / "s.yaml"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        yield path


LINK_OUT = ("incidents/x.yaml:1:1: error: is a symbolic link to a file outside the repository; "
            "files outside it are never read: copy the file in instead of linking to it [Y016]")


def test_a_link_out_of_the_repository_is_not_read(repo: Path, outside: Path) -> None:
    (repo / "incidents" / "x.yaml").symlink_to(outside)
    for args in (["check"], ["check", "incidents/x.yaml"], ["check", "--format", "json"],
                 ["render"]):
        code, out, err = run(*args)
        assert code == 1
        assert "hunter2" not in out + err and "line-of-a-secret" not in out + err
    assert run("check")[1] == LINK_OUT + "\n"
    assert run("render")[2].startswith(LINK_OUT + "\n")


def test_a_link_into_the_git_folder_is_not_read(repo: Path) -> None:
    # CI checkouts keep a token in .git/config (actions/checkout: http.extraheader).
    config = repo / ".git" / "config"
    config.write_text(config.read_text(encoding="utf-8") + "[http]\n\textraheader = "
                      "AUTHORIZATION: basic c2VjcmV0LXRva2Vu\n", encoding="utf-8")
    (repo / "incidents" / "x.yaml").symlink_to("../.git/config")
    code, out, err = run("check")
    assert (code, out) == (1, "incidents/x.yaml:1:1: error: is a symbolic link into the "
                              "repository's git folder; git's own files are never read: remove "
                              "the link [Y016]\n")
    code, out, err = run("render")
    assert code == 1
    assert "c2VjcmV0" not in out + err and "extraheader" not in out + err


def test_a_link_inside_the_repository_is_read(repo: Path) -> None:
    (repo / "drafts").mkdir()
    (repo / "drafts" / "a.yaml").write_text(MINIMAL_INCIDENT.format(id="a"), encoding="utf-8")
    (repo / "incidents" / "a.yaml").symlink_to(repo / "drafts" / "a.yaml")
    assert run("check") == (0, "", "1 file checked, no problems\n")


@pytest.mark.parametrize(("make", "what"), [
    (lambda p: os.mkfifo(p), "is a named pipe (FIFO); only regular files are read: remove it "
                             "or give it another name [Y016]"),
    (lambda p: p.symlink_to(p.name), "is a symbolic link that leads back to itself (a loop); "
                                     "remove it, or point it at an incident file [Y016]"),
    (lambda p: p.symlink_to("gone.yaml"), "is a symbolic link to a file that does not exist; "
                                          "remove it, or point it at an incident file [Y016]"),
    (lambda p: p.symlink_to("/dev/null"), "is a symbolic link to a file outside the repository; "
                                          "files outside it are never read: copy the file in "
                                          "instead of linking to it [Y016]"),
], ids=["fifo", "loop", "dangling", "device"])
def test_what_is_not_a_file_is_named(repo: Path, make: Callable[[Path], None],
                                     what: str) -> None:
    make(repo / "incidents" / "x.yaml")
    expected = f"incidents/x.yaml:1:1: error: {what}\n"
    assert run("check") == (1, expected, "1 file checked: 1 error, 0 warnings\n")
    assert run("check", "incidents/x.yaml") == (1, expected, "1 file checked: 1 error, 0 "
                                                             "warnings\n")
    code, _, err = run("render")
    assert (code, err.splitlines()[0]) == (1, expected.rstrip())


def test_a_socket_is_named(repo: Path, unix_socket: Path) -> None:
    assert run("check")[1] == ("incidents/s.yaml:1:1: error: is a socket; only regular files "
                               "are read: remove it or give it another name [Y016]\n")


def test_a_device_is_named(repo: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("creating a device node needs root")
    os.mknod(repo / "incidents" / "x.yaml", 0o600 | 0o020000, os.makedev(1, 3))  # /dev/null
    assert run("check")[1] == ("incidents/x.yaml:1:1: error: is a character device; only "
                               "regular files are read: remove it or give it another name [Y016]\n")


def test_a_pipe_at_a_report_path_does_not_block_render(repo: Path, write_incident: Write) -> None:
    write_incident("2024-01-01-a")
    os.mkfifo(repo / "incidents" / "2024-01-01-a.md")
    os.mkfifo(repo / "incidents" / "notes.md")  # a candidate orphan, never opened either
    done = subprocess.run([POSTMORTEM, "render"], cwd=repo, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "incidents/2024-01-01-a.md:1:1: error: not overwritten: it is a named pipe (FIFO), not "
        "a file postmortem generated; move it away (or set output_dir) so that the report of "
        "incidents/2024-01-01-a.yaml can be written [R001]\n")


def test_a_link_at_a_report_path_is_neither_followed_nor_replaced(
        repo: Path, write_incident: Write, outside: Path) -> None:
    write_incident("2024-01-01-a")
    report = repo / "incidents" / "2024-01-01-a.md"
    report.symlink_to(outside)
    code, _, err = run("render")
    assert code == 1
    assert "2024-01-01-a.md:1:1: error: not overwritten: it is a symbolic link, not a file " \
           "postmortem generated" in err
    assert report.is_symlink()
    assert outside.read_text(encoding="utf-8") == SECRET


def test_named_paths_stay_inside_the_repository(repo: Path, outside: Path) -> None:
    assert run("check", str(outside)) == (
        2, "", f"postmortem: error: '{outside}' is outside the repository ({repo}); only the "
               "repository's incident files are checked\n")
    (repo / ".git" / "x.yaml").write_text(SECRET, encoding="utf-8")
    assert run("check", ".git/x.yaml") == (
        2, "", "postmortem: error: '.git/x.yaml' is in its git folder; only the repository's "
               "incident files are checked\n")
    (repo / "incidents" / "elsewhere").symlink_to(outside.parent)
    assert run("check", "incidents/elsewhere") == (
        2, "", "postmortem: error: 'incidents/elsewhere' is a symbolic link to a folder outside "
               "the repository; only its incident files are checked\n")
    assert run("check") == (0, "", "0 files checked, no problems\n")  # links are not walked


def test_named_files_must_be_incident_files(repo: Path) -> None:
    (repo / "notes.txt").write_text(SECRET, encoding="utf-8")
    os.mkfifo(repo / "pipe")
    assert run("check", "notes.txt") == (
        2, "", "postmortem: error: 'notes.txt' is a file, not an incident file: incident files "
               "are named <id>.yaml\n")
    assert run("check", "pipe") == (
        2, "", "postmortem: error: 'pipe' is a named pipe (FIFO), not an incident file: "
               "incident files are named <id>.yaml\n")


def test_an_unreadable_folder_is_reported(repo: Path, write_incident: Write) -> None:
    write_incident("2024-01-01-a")
    write_incident("sub/2024-01-01-b")
    (repo / "incidents" / "sub").chmod(0)
    try:
        done = run_unprivileged(repo, [POSTMORTEM, "check"])
    finally:
        (repo / "incidents" / "sub").chmod(0o755)
    assert (done.returncode, done.stdout, done.stderr) == (
        1, "incidents/sub:1:1: error: cannot read this folder (Permission denied); the incident "
           "files in it are not checked [Y001]\n", "1 file checked: 1 error, 0 warnings\n")
