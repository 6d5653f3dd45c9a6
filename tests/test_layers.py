"""The layers as folders: imports point down the layers only, and no module reaches another's private names.

    factbase  <  imports, curation  <  analysis  <  charts  <  exports  <  app, cli

A module may import from its own package and from any lower layer; two packages of one layer do not
import each other. See docs/architecture.md for what each layer holds.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import ROOT

# The layer of each package, lowest first; a module belongs to the longest package that prefixes it.
LAYERS = {
    "dashboard.factbase": 0,
    "dashboard.imports": 1,
    "dashboard.curation": 1,
    "dashboard.analysis": 2,
    "charts": 3,
    "dashboard.exports": 4,
    "dashboard.app": 5,
    "dashboard.cli": 5,
    "dashboard": 5,  # the package's own __init__: the public API, re-exported from the fact base
}
SOURCES = [ROOT / "dashboard", ROOT / "charts", ROOT / "scripts"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_of(module: str) -> str | None:
    """The layer package a module belongs to (None for scripts and anything outside the layers)."""
    found = [p for p in LAYERS if module == p or module.startswith(p + ".")]
    return max(found, key=len) if found else None


def is_module(name: str) -> bool:
    return (ROOT / Path(*name.split("."))).with_suffix(".py").exists()


def imports_of(tree: ast.Module, module: str, is_package: bool) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of every import in the tree, relative ones made absolute."""
    here = module.split(".")
    package = here if is_package else here[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            found.append((node.lineno, base, [alias.name for alias in node.names]))
    return found


def violations(shown: str, module: str, text: str, is_package: bool = False) -> list[str]:
    """Every import of one module's source that points up the layers, crosses to a sibling package,
    or takes a private name."""
    problems = []
    tree = ast.parse(text, filename=shown)
    own = package_of(module)
    if True:
        for line, imported, names in imports_of(tree, module, is_package):
            where = f"{shown}:{line}"
            # `from package import module` names a module: judge each one, not the package.
            targets = [
                f"{imported}.{n}" for n in names if package_of(f"{imported}.{n}") and is_module(f"{imported}.{n}")
            ] or [imported]
            for target in targets:
                theirs = package_of(target)
                if theirs is None or own is None or theirs == own:
                    continue
                if theirs == "dashboard" and target != "dashboard":
                    continue  # a module of a package without a layer of its own (none today)
                if LAYERS[theirs] > LAYERS[own]:
                    problems.append(f"{where}: {module} ({own}) imports {target} from a higher layer ({theirs})")
                elif LAYERS[theirs] == LAYERS[own] and own != "dashboard":
                    problems.append(f"{where}: {module} ({own}) imports {target} from a sibling layer ({theirs})")
            if imported != module and package_of(imported):
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                if private:
                    problems.append(f"{where}: {module} takes private names {', '.join(private)} of {imported}")
    return problems + private_attributes(tree, shown, module)


def private_attributes(tree: ast.Module, shown: str, module: str) -> list[str]:
    """`other_module._name` where other_module was imported as a module of ours."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and package_of(node.module):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if is_module(candidate):
                    aliases[alias.asname or alias.name] = candidate
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if package_of(alias.name) and alias.asname:
                    aliases[alias.asname] = alias.name
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{shown}:{node.lineno}: {module} reaches {aliases[node.value.id]}.{node.attr}")
    return found


def sources() -> list[Path]:
    return sorted(p for folder in SOURCES for p in folder.rglob("*.py"))


def test_every_module_belongs_to_a_layer():
    outside = [
        str(p.relative_to(ROOT))
        for p in sources()
        if p.is_relative_to(ROOT / "dashboard")
        and package_of(module_name(p)) in (None, "dashboard")
        and module_name(p) != "dashboard"
    ]
    assert not outside, f"modules outside every layer folder: {outside}"


def test_imports_point_down_the_layers_and_take_no_private_names():
    found = [
        problem
        for path in sources()
        for problem in violations(
            str(path.relative_to(ROOT)), module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py"
        )
    ]
    assert found == []


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from dashboard.app.ui.state import load\n", "imports dashboard.app.ui.state from a higher layer"),
        ("from dashboard.analysis import conflicts\n", "imports dashboard.analysis.conflicts from a higher layer"),
        ("from ..curation.extract import Candidate\n", "from a sibling layer"),
        ("from dashboard.factbase.values import _QUALIFIER_WORDS\n", "takes private names _QUALIFIER_WORDS"),
        ("from dashboard.factbase import cache\nx = cache._MEMORY\n", "reaches dashboard.factbase.cache._MEMORY"),
    ],
)
def test_the_checker_sees_each_kind_of_violation(source, expected):
    # Judged as if it were a module of the imports layer.
    found = violations("dashboard/imports/planted.py", "dashboard.imports.planted", source)
    assert any(expected in problem for problem in found), found
