"""Each server instance's latest license sync is the event that occurred last, whatever order the
events were recorded in, and the API and the Licensing page both show that one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from seatledger.api.license_sync import iter_server_syncs as api_server_syncs
from seatledger.licensing import ServerSync, SyncEvent, iter_server_syncs
from seatledger.web.licensing_view import servers
from tests.factories import EnterpriseBuilder

JAN, FEB, MAR = dt.datetime(2026, 1, 10), dt.datetime(2026, 2, 10), dt.datetime(2026, 3, 10)


def test_the_latest_sync_is_the_one_that_occurred_last_not_the_one_recorded_last(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        led = b.ledger
        late = led.add_server(b.id, "srv-a", "a.acme.test", version="3.12")
        tied = led.add_server(b.id, "srv-b", "b.acme.test")
        led.add_server(b.id, "srv-c", "c.acme.test")  # never synced
        led.add_sync_event(late, kind="upload", occurred_at=MAR)
        # An older export uploaded afterwards: recorded last (the greater id), occurred earlier.
        led.add_sync_event(late, kind="connect", status="failure", error="expired", occurred_at=JAN)
        led.add_sync_event(tied, kind="upload", occurred_at=FEB)
        led.add_sync_event(
            tied, kind="connect", status="failure", error="timeout", occurred_at=FEB
        )  # a tie: the later id
    with engine.connect() as conn:
        assert list(iter_server_syncs(conn, b.id)) == [
            ServerSync("srv-a", "a.acme.test", "3.12", SyncEvent("upload", MAR, "success", None)),
            ServerSync("srv-b", "b.acme.test", None, SyncEvent("connect", FEB, "failure", "timeout")),
            ServerSync("srv-c", "c.acme.test", None, None),
        ]
        api = [
            (s.server_id, s.last_sync and (s.last_sync.date, s.last_sync.status)) for s in api_server_syncs(conn, b.id)
        ]
        assert api == [("srv-a", (MAR, "success")), ("srv-b", (FEB, "failure")), ("srv-c", None)]
        web = [(s.server_id, s.last_event, s.last_event_at, s.last_status) for s in servers(conn, b.id)]
        assert web == [
            ("srv-a", "Server usage uploaded", MAR, "success"),
            ("srv-b", "GitHub Connect server usage synced", FEB, "failure"),
            ("srv-c", "GitHub Connect server usage never synced", None, None),
        ]
