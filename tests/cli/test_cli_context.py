"""What every command shares: opening only a ledger that exists (unless the command makes one),
``--as-of`` read as a date's last second or an instant, and the ledger's only enterprise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from seatledger.cli.context import enterprise_or_only, open_ledger, parse_as_of
from seatledger.config import Settings
from seatledger.db.migrate import HEADS, recorded_revisions
from seatledger.errors import ConfigError, InvalidInput
from tests.factories import EnterpriseBuilder


def test_a_ledger_that_is_not_there_is_refused_unless_the_command_makes_one(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "typo")
    with pytest.raises(
        ConfigError, match=f"no ledger at {tmp_path / 'typo' / 'seatledger.db'}: check SEATLEDGER_DATA_DIR"
    ):
        open_ledger(settings)
    assert not (tmp_path / "typo").exists()
    tmp_path.joinpath("made").mkdir()
    _, engine = open_ledger(Settings(data_dir=tmp_path / "made"), create=True)
    try:
        assert recorded_revisions(engine) == HEADS
    finally:
        engine.dispose()
    _, engine = open_ledger(Settings(data_dir=tmp_path / "made"))  # now it is there
    engine.dispose()


def test_as_of_is_a_dates_last_second_or_an_instant_in_utc() -> None:
    assert parse_as_of(None) is None
    assert parse_as_of("2026-03-01") == dt.datetime(2026, 3, 1, 23, 59, 59)
    assert parse_as_of("2026-03-01T10:00:00+01:00") == dt.datetime(2026, 3, 1, 9, 0)
    assert parse_as_of("2026-03-01T09:00:00Z") == dt.datetime(2026, 3, 1, 9, 0)
    with pytest.raises(InvalidInput, match="--since must be an ISO date or timestamp, not 'yesterday'"):
        parse_as_of("yesterday", "--since")


def test_the_only_enterprise_needs_no_flag_and_several_must_be_named(engine: Engine) -> None:
    with engine.begin() as conn:
        with pytest.raises(InvalidInput, match="holds no enterprise yet"):
            enterprise_or_only(conn, None)
        EnterpriseBuilder(conn, "acme")
        assert enterprise_or_only(conn, None) == "acme"
        EnterpriseBuilder(conn, "other")
        assert enterprise_or_only(conn, "other") == "other"
        with pytest.raises(InvalidInput, match=r"give --enterprise: the ledger holds 2 enterprises \(acme, other\)"):
            enterprise_or_only(conn, None)
