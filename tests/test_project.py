"""The project's own promises: migrations and the CLI's error contract."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from seatledger.db.tables import metadata


def test_migrations_create_every_table_of_the_schema(engine: sa.Engine) -> None:
    names = set(sa.inspect(engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= names


def test_unreachable_database_url_prints_one_line_and_exits_2(tmp_path) -> None:
    env = {"SEATLEDGER_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "seatledger", "migrate"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the database")


def test_the_heads_a_migrated_ledger_is_recognised_by_are_alembics_own(engine: sa.Engine) -> None:
    from alembic.script import ScriptDirectory

    from seatledger.db.migrate import HEADS, alembic_config, recorded_revisions

    assert frozenset(ScriptDirectory.from_config(alembic_config(engine)).get_heads()) == HEADS
    assert recorded_revisions(engine) == HEADS  # the fixture's ledger, migrated by Alembic


# `# type: ignore[code]  # why`: mypy --strict (./test) refuses an unused one; this the bare ones.
REASONED_IGNORE = re.compile(r"# type: ignore\[[a-z-]+(, [a-z-]+)*\]  # \S")


def test_every_type_ignore_in_src_names_its_error_code_and_says_why() -> None:
    assert REASONED_IGNORE.search("x = f()  # type: ignore[arg-type]  # checked above")
    assert not REASONED_IGNORE.search("x = f()  # type: ignore[arg-type]")
    assert not REASONED_IGNORE.search("x = f()  # type: ignore  # no code")
    src = Path(__file__).resolve().parents[1] / "src"
    bare = [
        f"{path.relative_to(src)}:{n}"
        for path in sorted(src.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "type: ignore" in line and not REASONED_IGNORE.search(line)
    ]
    assert bare == []
