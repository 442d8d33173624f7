"""The layout's promises, checked: imports go one way, no cycles, no module too long to read."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LONGEST = 500  # lines a module may have (the migrations, generated, aside)


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted([*ROOT.glob("scheduler/**/*.py"), *ROOT.glob("web/**/*.py")]):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports_at_load(path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules a module imports when it is loaded (top-level statements)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {n for n in names if n in known}
    return found


def test_no_module_imports_itself_back_through_others() -> None:
    known = modules()
    graph = {name: imports_at_load(path, known) - {name} for name, path in known.items()}
    cycles = []
    for start in graph:  # a path from a module back to itself
        seen, todo = set(), [(start, (start,))]
        while todo:
            node, trail = todo.pop()
            for nxt in graph[node]:
                if nxt == start:
                    cycles.append(" -> ".join((*trail, start)))
                elif nxt not in seen:
                    seen.add(nxt)
                    todo.append((nxt, (*trail, nxt)))
    assert cycles == []


def test_the_engine_imports_nothing_of_the_web() -> None:
    for name, path in modules().items():
        if not name.startswith("scheduler"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):  # imports inside functions too
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not any(n.split(".")[0] in ("flask", "web") for n in names), name


@pytest.mark.parametrize("name", sorted(modules()))
def test_every_module_is_short_enough_to_read(name: str) -> None:
    lines = len(modules()[name].read_text().splitlines())
    assert lines <= LONGEST, f"{name} has {lines} lines; split it along a seam"
