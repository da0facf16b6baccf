"""The server usage JSON: documented snake_case keys, read back exactly, written streamed."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import Scope
from seatledger.reports import ServerScope, open_report, write_report

from reports_ledger import AS_OF, SmallLedger


def _export(engine: Engine, server_id: str, as_of: dt.datetime | None = AS_OF) -> bytes:
    out = io.BytesIO()
    with engine.connect() as conn:
        write_report("server-usage", conn, ServerScope(server_id), out, as_of=as_of)
    return out.getvalue()


def test_server_usage_is_the_documented_json_with_users_by_server_user_id(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    data = json.loads(_export(engine, small_ledger.server_id))
    assert list(data) == [
        "format_version",
        "features",
        "host_name",
        "http_only",
        "license",
        "public_key",
        "server_id",
        "version",
        "enterprise",
        "exported_at",
        "users",
    ]
    assert data["format_version"] == 1
    assert data["server_id"] == small_ledger.server_id
    assert data["host_name"] == "ghes.acme.test"
    assert data["version"] == "3.14.2"
    assert data["enterprise"] == "acme"
    assert data["http_only"] is False
    assert data["exported_at"] == "2024-05-01T12:00:00Z"
    # The account created after as_of is not in an export made as of then.
    assert [u["login"] for u in data["users"]] == ["admin", "scim-admin", "bob"]
    assert data["users"][2] == {
        "user_id": 3,
        "login": "bob",
        "primary_email": "bob@acme.test",
        "emails": ["bob@acme.test", "b@acme.test"],
        "suspended": False,
        "dormant": False,
        "site_admin": False,
        "is_scim_setup_user": False,
        "code_security_user": True,
        "secret_protection_user": False,
    }
    assert data["users"][1]["is_scim_setup_user"] is True
    assert data["users"][1]["emails"] == []


def test_a_later_export_includes_later_accounts_and_non_ascii_logins(engine: Engine, small_ledger: SmallLedger) -> None:
    raw = _export(engine, small_ledger.server_id, as_of=AS_OF + dt.timedelta(days=30))
    assert "später".encode("utf-8") in raw  # UTF-8, not \u escapes
    assert [u["user_id"] for u in json.loads(raw)["users"]] == [1, 2, 3, 9]


def test_an_instance_without_accounts_exports_an_empty_user_list(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        led.add_server(led.add_enterprise("solo"), "empty-1", "empty.test", created_at=AS_OF)
    assert json.loads(_export(engine, "empty-1"))["users"] == []


def test_unknown_server_id_is_not_found_and_server_usage_takes_no_other_scope(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    with engine.connect() as conn:
        with pytest.raises(NotFound, match="no server instance with Server ID 'nope'"):
            open_report("server-usage", conn, ServerScope("nope"))
        with pytest.raises(InvalidInput, match="per server, not per enterprise"):
            open_report("server-usage", conn, Scope.enterprise("acme"))


def test_a_large_instance_is_written_in_several_chunks_that_join_to_valid_json(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        sid = led.add_server(led.add_enterprise("big"), "big-1", "big.test", created_at=AS_OF)
        from seatledger.db import tables as t

        led.bulk_insert(
            t.server_accounts,
            (
                {
                    "server_instance_id": sid,
                    "user_id": i,
                    "login": f"user{i}",
                    "primary_email": f"u{i}@big.test",
                    "other_emails": "",
                    "created_at": AS_OF - dt.timedelta(days=1),
                }
                for i in range(3000)
            ),
        )
    with engine.connect() as conn:
        chunks = list(open_report("server-usage", conn, ServerScope("big-1"), as_of=AS_OF))
    assert len(chunks) > 1
    users = json.loads(b"".join(chunks))["users"]
    assert [u["user_id"] for u in users] == list(range(3000))
