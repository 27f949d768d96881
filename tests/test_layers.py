"""The package's layers, read off the real import graph (function-level and TYPE_CHECKING
imports included): nothing imports upward, and no module is in a cycle.

The order, lowest first. A module may import its own layer and the layers below it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "bri_data"

LAYERS: tuple[tuple[str, ...], ...] = (
    ("bri_data.errors", "bri_data.findings"),
    ("bri_data.contract",),
    ("bri_data.files",),
    ("bri_data.validation",),
    ("bri_data.dataset",),
    ("bri_data.exports",),
    ("bri_data.build",),
    ("bri_data.cli", "bri_data.__main__"),
)


def _modules() -> dict[str, Path]:
    out = {}
    for f in PKG.rglob("*.py"):
        parts = list(f.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = f
    return out


def _layer(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return i
    raise AssertionError(f"{module} belongs to no layer; add it to LAYERS")


def _targets(mod: str, tree: ast.AST) -> list[str]:
    """Every module name MOD's code imports: statements anywhere (functions and
    TYPE_CHECKING blocks included) and `importlib.import_module("…")` calls."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{mod}: relative import; write bri_data.… in full"
            names += [f"{node.module}.{a.name}" for a in node.names] + [node.module or ""]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append(node.args[0].value)
    return names


def _edges() -> dict[str, set[str]]:
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in mods.items():
        for name in _targets(mod, ast.parse(path.read_text(encoding="utf-8"))):
            while name and name not in mods:
                name = name.rpartition(".")[0]
            if name and name not in (mod, "bri_data"):
                edges[mod].add(name)
    return edges


def test_every_module_has_a_layer() -> None:
    for mod in _modules():
        if mod != "bri_data":
            _layer(mod)


@pytest.mark.parametrize("mod", sorted(m for m in _modules() if m != "bri_data"))
def test_no_upward_import(mod: str) -> None:
    up = sorted(t for t in _edges()[mod] if _layer(t) > _layer(mod))
    assert not up, f"{mod} (layer {_layer(mod)}) imports upward: {up}"


def test_no_module_imports_the_public_api() -> None:
    """`from bri_data import load` inside the package would hide an edge to whatever the
    lazy __init__ maps the name to; modules import the module that defines a name."""
    offenders = []
    for mod, path in _modules().items():
        if mod in ("bri_data",):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "bri_data":
                offenders += [f"{mod}: from bri_data import {a.name}" for a in node.names if f"bri_data.{a.name}" not in _modules()]
    assert offenders == []


def test_the_graph_sees_import_module_calls() -> None:
    source = "import importlib\ndef f():\n    return importlib.import_module('bri_data.cli')\n"
    assert "bri_data.cli" in _targets("example", ast.parse(source))


def test_no_cycle() -> None:
    edges = _edges()
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path[path.index(t):], t]))
            if t not in state:
                visit(t, [*path, t])
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m, [m])


def test_the_graph_includes_function_level_imports() -> None:
    """cli.py imports the validator inside a command function; the graph must see it."""
    assert "bri_data.validation.run" in _edges()["bri_data.cli"]
