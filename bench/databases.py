"""Where a benchmark's ledger lives: a SQLite file or a PostgreSQL database per size."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("SEATLEDGER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WORK_DIR = Path(os.environ.get("SEATLEDGER_BENCH_DIR", "/tmp/seatledger-bench"))
# Appended to every database name and data dir, so one engineer's build leaves the shared ledgers alone.
SUFFIX = os.environ.get("SEATLEDGER_BENCH_SUFFIX", "")


@dataclass(frozen=True)
class BenchDatabase:
    kind: str  # sqlite | postgresql
    size: str
    url: str
    data_dir: Path

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "seatledger.db"

    @property
    def pg_dsn(self) -> str:
        """libpq form of the URL, for psql."""
        return self.url.replace("postgresql+psycopg://", "postgresql://")

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["SEATLEDGER_DATA_DIR"] = str(self.data_dir)
        if self.kind == "postgresql":
            env["SEATLEDGER_DATABASE_URL"] = self.url
        else:
            env.pop("SEATLEDGER_DATABASE_URL", None)
        return env

    def exists(self) -> bool:
        if self.kind == "sqlite":
            return self.sqlite_path.exists()
        admin = sa.create_engine(PG_ADMIN_URL)
        with admin.connect() as conn:
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.url.rsplit("/", 1)[1]}
            ).first()
        admin.dispose()
        return found is not None

    def drop(self) -> None:
        if self.kind == "sqlite":
            shutil.rmtree(self.data_dir, ignore_errors=True)
            return
        name = self.url.rsplit("/", 1)[1]
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def create(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.kind == "postgresql":
            name = self.url.rsplit("/", 1)[1]
            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()


def bench_database(kind: str, size: str, suffix: str = "") -> BenchDatabase:
    suffix = suffix + SUFFIX
    data_dir = WORK_DIR / f"{kind}-{size}{suffix}"
    if kind == "sqlite":
        return BenchDatabase(kind, size, f"sqlite:///{data_dir / 'seatledger.db'}", data_dir)
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return BenchDatabase(kind, size, f"{base}/seatledger_bench_{size}{suffix}", data_dir)
