"""Running the Alembic migrations programmatically (on start, and in the tests).

Every command migrates the ledger before it runs. A ledger already at the newest schema is
recognised from its ``alembic_version`` rows alone, without importing Alembic and loading its
scripts: that was about a fifth of a second of every command's start (a report, an ingest).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Every head of migrations/versions: what ``alembic_version`` holds at the newest schema.
# tests/test_project.py checks it against Alembic's own list, so a new migration that is not
# named here fails the tests instead of being skipped.
HEADS = frozenset({"0015_email_windows"})


def alembic_config(engine: Engine) -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def recorded_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the ledger's ``alembic_version`` records (none for a new database)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return frozenset()
        return frozenset(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def migrate(engine: Engine, revision: str = "heads") -> None:
    """Bring the ledger schema up to ``revision`` (default: every head, so revisions added
    independently on top of the same parent all apply)."""
    if revision == "heads" and recorded_revisions(engine) == HEADS:
        return
    from alembic import command

    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
