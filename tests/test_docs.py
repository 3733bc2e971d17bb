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
    (config,) = (yaml.safe_load(b) for b in blocks("yaml") if "repos:" in b)
    hooks = config["repos"][0]["hooks"]
    assert {h["id"] for h in hooks} == {h["id"] for h in yaml.safe_load(
        (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    for hook in hooks:
        assert hook["additional_dependencies"] == [f"{DISTRIBUTION['name']}==0.1.*"]
        assert hook["entry"].split()[0] == "postmortem"


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
