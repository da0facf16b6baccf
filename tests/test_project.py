"""The project's own promises: migrations and the CLI's error contract."""

from __future__ import annotations

import subprocess
import sys

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
