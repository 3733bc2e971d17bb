"""The package's shape: no import cycles (imports inside functions included), git in one module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "postmortem"
GIT_MODULE = "postmortem.history.git"


def modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return out


def imported(name: str, tree: ast.Module, known: set[str]) -> dict[str, int]:
    """Package modules that ``name`` imports anywhere in its code -> line of the first one."""
    found: dict[str, int] = {}
    package = name if (PACKAGE / Path(*name.split(".")[1:]) / "__init__.py").exists() \
        else name.rpartition(".")[0]
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            # `from a import b` imports module a.b when there is one, else a name of a.
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        for target in targets:
            if target in known and target != name:
                found.setdefault(target, node.lineno)
    return found


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


def test_the_import_graph_has_no_cycles() -> None:
    trees = modules()
    known = set(trees)
    graph = {name: imported(name, tree, known) for name, tree in trees.items()}
    assert sum(len(edges) for edges in graph.values()) > 100  # the graph was really built
    found = cycles(graph)
    assert found == [], "\n".join(
        " -> ".join(f"{m} (line {graph[m].get(c[(i + 1) % len(c)], '?')})"
                    for i, m in enumerate(c)) for c in found)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1}, "d": {"a": 1}}) == [
        ["a", "b", "c"]]


def test_imports_inside_functions_count() -> None:
    tree = ast.parse("def f():\n    from postmortem.reports import render\n")
    assert imported("postmortem.x", tree, {"postmortem.reports.render"}) == {
        "postmortem.reports.render": 2}


def _talks_to_git(tree: ast.Module) -> list[int]:
    """Lines that import GitPython or start processes (git runs as one)."""
    lines = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        if any(n.split(".")[0] in ("git", "subprocess") for n in names):
            lines.append(node.lineno)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "os" and node.attr in ("system", "popen", "execvp",
                                                            "spawnlp", "posix_spawnp"):
            lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("name", sorted(n for n in modules() if n != GIT_MODULE))
def test_only_the_git_module_talks_to_git(name: str) -> None:
    assert _talks_to_git(modules()[name]) == [], f"{name} imports GitPython or runs a process"


def test_the_git_module_is_found_by_the_check() -> None:
    assert _talks_to_git(modules()[GIT_MODULE]), "the check recognises GitPython imports"
