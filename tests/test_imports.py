"""The import graph of src/seatledger holds its shape: no cycle between modules (imports inside
functions included) and no module taking another module's leading-underscore names."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "seatledger"


@dataclass(frozen=True)
class Use:
    """One module's use of a name (None for the whole module) of another seatledger module."""

    importer: str
    line: int
    target: str
    name: str | None


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(root: Path = SRC) -> dict[str, Path]:
    return {
        _module_name(p, root): p
        for p in sorted((root / PACKAGE).rglob("*.py"))
        if "migrations" not in p.relative_to(root).parts
    }


def _absolute(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _uses(modules: dict[str, Path]) -> list[Use]:
    """Every import (at any depth of the file, ``importlib.import_module`` of a literal name
    too) and every `alias._name` attribute use."""
    uses: list[Use] = []
    for importer, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        aliases: dict[str, str] = {}  # local name -> seatledger module it is bound to
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        uses.append(Use(importer, node.lineno, alias.name, None))
                        if alias.asname:
                            aliases[alias.asname] = alias.name
            elif (  # importlib.import_module("seatledger.x") is an import too
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).split(".")[0] == PACKAGE
            ):
                uses.append(Use(importer, node.lineno, str(node.args[0].value), None))
            elif isinstance(node, ast.ImportFrom):
                source = _absolute(importer, path.name == "__init__.py", node)
                if source.split(".")[0] != PACKAGE:
                    continue
                for alias in node.names:
                    submodule = f"{source}.{alias.name}"
                    if submodule in modules:
                        uses.append(Use(importer, node.lineno, submodule, None))
                        aliases[alias.asname or alias.name] = submodule
                    else:
                        uses.append(Use(importer, node.lineno, source, alias.name))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
                uses.append(Use(importer, node.lineno, aliases[node.value.id], node.attr))
    return uses


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for use in _uses(modules):
        target = _resolve(use.target, modules)
        if target and target != use.importer:
            graph[use.importer].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
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
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_import_cycle_between_modules_of_src():
    cycles = _cycles(_graph(_modules()))
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def _private_reaches(modules: dict[str, Path]) -> list[str]:
    reaches = []
    for use in _uses(modules):
        owner = _resolve(use.target, modules)
        private_module = any(_is_private(part) for part in use.target.split(".")[1:])
        if owner == use.importer:
            continue
        if private_module or (use.name is not None and _is_private(use.name)):
            reaches.append(f"{use.importer}:{use.line} takes {use.target}.{use.name or ''}")
    return reaches


def test_no_module_takes_another_modules_leading_underscore_names():
    reaches = _private_reaches(_modules())
    assert reaches == [], "\n".join(reaches)


def test_the_walker_sees_imports_inside_functions_and_private_reaches(tmp_path):
    """The checks above would pass on a walker that sees nothing; hold it to a known package."""
    package = tmp_path / PACKAGE
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from seatledger import b\n    return b\n")
    (package / "b.py").write_text("from . import a\n_hidden = 1\n")
    (package / "sub" / "c.py").write_text("from ..b import _hidden\nimport seatledger.a as alias\nalias._f\n")
    (package / "sub" / "_inner.py").write_text("from seatledger import e\n")
    (package / "e.py").write_text(
        "import importlib\ndef g():\n    return importlib.import_module('seatledger.sub.d')\n"
    )
    (package / "sub" / "d.py").write_text("from seatledger.sub import _inner\n")
    modules = _modules(tmp_path)
    assert _cycles(_graph(modules)) == [
        ["seatledger.a", "seatledger.b"],
        ["seatledger.e", "seatledger.sub._inner", "seatledger.sub.d"],
    ]
    assert [r.split(":")[0] + " " + r.split(" takes ")[1] for r in _private_reaches(modules)] == [
        "seatledger.sub.c seatledger.b._hidden",
        "seatledger.sub.c seatledger.a._f",
        "seatledger.sub.d seatledger.sub._inner.",
    ]
