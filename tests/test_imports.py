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


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for p in sorted((SRC / PACKAGE).rglob("*.py"))
        if "migrations" not in p.relative_to(SRC).parts
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
    """Every import (at any depth of the file) and every `alias._name` attribute use."""
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
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
            ):
                uses.append(Use(importer, node.lineno, aliases[node.value.id], node.attr))
    return uses


def _resolve(target: str, modules: dict[str, Path]) -> str | None:
    while target and target not in modules:
        target = target.rpartition(".")[0]
    return target or None


def _graph() -> dict[str, set[str]]:
    modules = _modules()
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
    cycles = _cycles(_graph())
    assert cycles == [], "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_no_module_takes_another_modules_leading_underscore_names():
    modules = _modules()
    reaches = []
    for use in _uses(modules):
        owner = _resolve(use.target, modules)
        private_module = any(_is_private(part) for part in use.target.split(".")[1:])
        if owner == use.importer:
            continue
        if private_module or (use.name is not None and _is_private(use.name)):
            reaches.append(f"{use.importer}:{use.line} takes {use.target}.{use.name or ''}")
    assert reaches == [], "\n".join(reaches)


def test_the_walker_sees_a_cycle_and_a_function_level_import(tmp_path):
    """The checks above would pass on an empty graph; hold the walker itself to a known one."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    tree_uses = [u for u in _uses(_modules()) if u.importer == "seatledger.cli"]
    assert tree_uses, "the walker found no import in seatledger.cli"
