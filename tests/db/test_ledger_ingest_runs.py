"""What importers have read: a key is claimed once, its resume point is kept, and a prefix
deletes only the keys that start with it (``_`` and ``%`` are plain characters)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from tests.factories import T0


def test_a_key_is_claimed_once(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        assert not led.has_ingest_run("webhook", "delivery-1")
        assert led.claim_ingest_run("webhook", "delivery-1", at=T0)
        assert not led.claim_ingest_run("webhook", "delivery-1", at=T0)
        assert led.has_ingest_run("webhook", "delivery-1")
        assert not led.has_ingest_run("git", "delivery-1")


def test_the_resume_point_is_the_last_saved_and_a_prefix_deletes_only_its_keys(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        assert led.ingest_checkpoint("git", "octo/a_1") is None
        led.save_ingest_run("git", "octo/a_1", "sha-1", at=T0)
        led.save_ingest_run("git", "octo/a_1", "sha-2", at=T0)
        led.save_ingest_run("git", "octo/ab", "sha-3", at=T0)
        led.save_ingest_run("github_api", "octo/a_2", "page-2", at=T0)
        assert led.ingest_checkpoint("git", "octo/a_1") == "sha-2"
        assert led.delete_ingest_runs("git", "octo/a_") == 1
        assert led.ingest_checkpoint("git", "octo/a_1") is None
        assert (led.ingest_checkpoint("git", "octo/ab"), led.ingest_checkpoint("github_api", "octo/a_2")) == (
            "sha-3",
            "page-2",
        )
