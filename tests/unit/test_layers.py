"""The package's layering: declared in pyproject.toml ([tool.importlinter]) and kept."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[2]


def test_no_module_imports_a_layer_above_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlinter.cli import lint_imports

    # Arrange: import-linter reads pyproject.toml from the working folder
    monkeypatch.chdir(REPO)
    # Act
    exit_code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    # Assert
    assert exit_code == 0, "an upward import: run lint-imports to see which"


def _cycle_from(graph: grimp.ImportGraph, modules: set[str]) -> list[str] | None:
    """One import cycle among ``modules``, if any (depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module) & modules):
            if state.get(imported) == 1:
                return path[path.index(imported) :] + [imported]
            if imported not in state and (cycle := visit(imported)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(modules):
        if module not in state and (cycle := visit(module)):
            return cycle
    return None


def test_no_import_circle_outside_the_batch_package() -> None:
    # Arrange (extractor.batch's run <-> spark circle is being taken apart on its own branch)
    graph = grimp.build_graph("extractor")
    modules = {m for m in graph.modules if not m.startswith("extractor.batch")}
    # Act / Assert
    assert _cycle_from(graph, modules) is None
