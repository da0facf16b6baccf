"""Fixtures of the command-line tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine

from seatledger.db import create_engine, migrate
from seatledger.demo import build_demo

# The small demo's "now" for the CLI tests that read it at a past date.
DEMO_ANCHOR = dt.datetime(2026, 11, 1)


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Engine]]:
    """A data directory holding the small demo (built once per test module) and its engine."""
    data = tmp_path_factory.mktemp("cli-demo")
    engine = create_engine(f"sqlite:///{data / 'seatledger.db'}")
    migrate(engine)
    build_demo(engine, size="small", seed=1, anchor=DEMO_ANCHOR)
    yield data, engine
    engine.dispose()
