"""The tests mirror the source: every module of src/seatledger that does work has its own test
file, ``tests/<package>/test_<module>.py`` (a package's ``__init__`` is ``test_<package>.py``).

A file in a package may also be named ``test_<package>_<module>.py``: the test folders are not
packages, so pytest imports test files by their bare name, and ``tests/api/test_people.py`` would
clash with ``tests/licensing/test_people.py``. The package prefix keeps them apart.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "seatledger"

# Modules that do no work of their own, so need no test file. Each must stay free of functions
# and classes (checked below); migrations are not listed, they are tested by tests/db/.
NEEDS_NO_TEST = {
    # A version string and the `python -m seatledger` entry: tested through the CLI tests.
    "__init__.py",
    "__main__.py",
    # Packages that only re-export their modules' public names.
    "alerts/__init__.py",
    "db/__init__.py",
    "digests/__init__.py",
    "exports/__init__.py",
    "ingest/__init__.py",
    "licensing/__init__.py",
    # Table definitions: held by the migrations' tests (tests/test_project.py, tests/db/).
    "db/schema_base.py",
    "db/tables.py",
    "db/tables_alerts.py",
    "db/tables_api.py",
    "db/tables_billing.py",
    "db/tables_digests.py",
    "db/tables_exports.py",
    "db/tables_intervals.py",
    "db/tables_reclaims.py",
    "db/tables_sources.py",
    "db/tables_web.py",
}
# db/schema_base.py's one function builds a Column; it defines tables, it does no work.
_DEFINITIONS_ALLOWED = {"db/schema_base.py"}

# Modules that do work and are still tested only from other files (issue 22, item 4). This list
# may only shrink: adding a module's mirror fails the test until the module leaves the list.
NOT_YET_MIRRORED: set[str] = set()


def _modules() -> list[str]:
    return sorted(
        p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py") if "migrations" not in p.relative_to(SRC).parts
    )


def _defines_something(module: str) -> bool:
    tree = ast.parse((SRC / module).read_text())
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body)


def _mirrors(module: str) -> list[Path]:
    """The test files that mirror ``module``."""
    parts = module.split("/")
    package, name = parts[:-1], parts[-1].removesuffix(".py")
    if name == "__init__":
        name = package[-1] if package else "seatledger"
    names = [f"test_{name}.py"] + ([f"test_{package[-1]}_{name}.py"] if package and package[-1] != name else [])
    return [ROOT / "tests" / Path(*package) / n for n in names]


def _mirrored(module: str) -> bool:
    return any(p.exists() for p in _mirrors(module))


def test_every_module_that_does_work_has_its_own_test_file() -> None:
    missing = [
        f"{m} (expected {_mirrors(m)[0].relative_to(ROOT)})"
        for m in _modules()
        if m not in NEEDS_NO_TEST and m not in NOT_YET_MIRRORED and not _mirrored(m)
    ]
    assert not missing, "modules without their own test file:\n" + "\n".join(missing)


def test_a_module_said_to_need_no_test_does_no_work() -> None:
    working = [m for m in sorted(NEEDS_NO_TEST - _DEFINITIONS_ALLOWED) if _defines_something(m)]
    assert not working, f"these define functions or classes, so need a test file: {working}"


def test_the_lists_name_only_modules_that_exist_and_the_not_yet_list_only_shrinks() -> None:
    modules = set(_modules())
    assert (NEEDS_NO_TEST | NOT_YET_MIRRORED) <= modules, sorted((NEEDS_NO_TEST | NOT_YET_MIRRORED) - modules)
    now_mirrored = sorted(m for m in NOT_YET_MIRRORED if _mirrored(m))
    assert not now_mirrored, f"mirrored now, take them off NOT_YET_MIRRORED: {now_mirrored}"


def test_the_mirror_rule_finds_the_files_it_names() -> None:
    # The rule itself, on modules known to be mirrored each way.
    assert _mirrors("licensing/scope.py")[0] == ROOT / "tests/licensing/test_scope.py"
    assert _mirrored("licensing/scope.py") and _mirrored("api/pagination.py")  # test_api_pagination.py
    assert _mirrors("metrics/__init__.py")[0] == ROOT / "tests/metrics/test_metrics.py"
    assert _mirrors("validation.py") == [ROOT / "tests/test_validation.py"]
