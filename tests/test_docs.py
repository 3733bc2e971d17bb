"""What the README and the examples tell a new user works as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from postmortem.config import load_config, tomllib

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DISTRIBUTION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.M | re.S)


def test_the_distribution_has_a_name_of_its_own_and_the_command_stays() -> None:
    # "postmortem" on the package index is an unrelated project.
    assert DISTRIBUTION["name"] == "postmortem-as-code"
    assert list(DISTRIBUTION["scripts"]) == ["postmortem"]


def test_the_workflow_and_the_pre_commit_example_install_that_distribution() -> None:
    workflow = (ROOT / "examples" / "weekly-review.yml").read_text(encoding="utf-8")
    installs = re.findall(r"pip install \"([^\"=]+)==", workflow)
    assert installs == [DISTRIBUTION["name"]]
    manifest = {h["id"]: h for h in yaml.safe_load(
        (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    remote, local = (yaml.safe_load(b)["repos"][0] for b in blocks("yaml") if "repos:" in b)
    assert [h["id"] for h in remote["hooks"]] == list(manifest)
    assert local["repo"] == "local"
    hooks = local["hooks"]
    assert [h["id"] for h in hooks] == list(manifest)
    for hook in hooks:
        assert hook["additional_dependencies"] == [f"{DISTRIBUTION['name']}==0.1.*"]
        # The local hooks run as the repository's own do: same command and files.
        # (pre-commit's defaults where neither says).
        for key, default in (("entry", None), ("files", ""), ("always_run", False),
                             ("pass_filenames", True)):
            assert hook.get(key, default) == manifest[hook["id"]].get(key, default), \
                (hook["id"], key)


def test_the_render_check_hook_runs_on_every_commit() -> None:
    # pre-commit passes no deleted files: a commit that only deletes an incident matches no
    # `files:` pattern, and its orphaned report and stale index went in unnoticed.
    manifest = {h["id"]: h for h in yaml.safe_load(
        (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert manifest["postmortem-render-check"]["always_run"] is True
    pattern = re.compile(manifest["postmortem-check"]["files"])
    assert pattern.search("incidents/2025-10-01-a.yaml")
    assert pattern.search("incidents/2025/2025-10-01-a.yaml")
    for hidden in ("incidents/.archive/old.yaml", "incidents/.#2025-10-01-a.yaml"):
        assert not pattern.search(hidden)  # check and render never read these


@pytest.mark.parametrize("index", range(2))
def test_each_configuration_example_is_valid_in_its_file(tmp_path: Path, index: int) -> None:
    examples = blocks("toml")
    assert len(examples) == 2
    text = examples[index]
    name = "pyproject.toml" if text.startswith("[tool.postmortem]") else "postmortem.toml"
    assert name == ("pyproject.toml", "postmortem.toml")[index]
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    config = load_config(tmp_path)
    assert config.source == tmp_path / name
