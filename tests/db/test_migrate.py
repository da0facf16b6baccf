"""Running the migrations: a ledger behind the newest schema is brought up to every head, a new
database records no revision, and a ledger already at the heads is recognised without Alembic.
(That ``HEADS`` names Alembic's own heads is checked in tests/test_project.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from seatledger.db import create_engine, migrate
from seatledger.db.migrate import HEADS, recorded_revisions
from seatledger.db.tables import metadata


def test_a_ledger_behind_the_newest_schema_is_still_migrated(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        assert recorded_revisions(engine) == frozenset()  # a new database
        migrate(engine, "0001")
        assert recorded_revisions(engine) == {"0001"}
        migrate(engine)
        assert recorded_revisions(engine) == HEADS
        assert {t.name for t in metadata.sorted_tables} <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_ledger_at_the_newest_schema_is_recognised_without_loading_alembic(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    script = (
        "import sys\n"
        "from seatledger.db import create_engine, migrate\n"
        f"engine = create_engine({db_url!r})\n"
        "migrate(engine)\n"
        "print('alembic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
