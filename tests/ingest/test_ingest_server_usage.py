"""A server's exported license usage (``ingest/server_usage.py``): the instance, its accounts and an
upload event; a re-import changes nothing, a bad or oversized file is refused whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ingest_files import acme_with_ada, snapshot
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import ImportRejected
from seatledger.ingest.server_usage import ingest_server_usage

SERVER_ID = "5d8a1e4c-3c0a-4f39-9a7e-1f2d3c4b5a69"


def _export(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "format_version": 1,
        "features": [],
        "host_name": "ghes.acme.test",
        "http_only": False,
        "license": "3f1a9c",
        "public_key": None,
        "server_id": SERVER_ID,
        "version": "3.17.2",
        "enterprise": "acme",
        "exported_at": "2026-06-30T12:00:00Z",
        "users": [
            {
                "user_id": 1,
                "login": "ada",
                "primary_email": "Ada@Acme.test",
                "emails": ["ada@acme.test", "ada@home.test"],
                "suspended": False,
                "dormant": False,
                "site_admin": True,
                "is_scim_setup_user": False,
                "code_security_user": True,
                "secret_protection_user": False,
            },
            {
                "user_id": 2,
                "login": "bob",
                "primary_email": "bob@acme.test",
                "emails": ["bob@acme.test"],
                "suspended": False,
                "dormant": True,
                "site_admin": False,
                "is_scim_setup_user": False,
                "code_security_user": False,
                "secret_protection_user": False,
            },
            {
                "user_id": 3,
                "login": "scim-admin",
                "primary_email": None,
                "emails": [],
                "suspended": False,
                "dormant": False,
                "site_admin": False,
                "is_scim_setup_user": True,
                "code_security_user": False,
                "secret_protection_user": False,
            },
        ],
    }
    doc.update(changes)
    return doc


def _bytes(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _accounts(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        return {r.login: r for r in conn.execute(sa.select(t.server_accounts))}


def test_a_server_export_creates_the_instance_its_accounts_and_an_upload_event(engine: Engine) -> None:
    acme_with_ada(engine)
    with engine.begin() as conn:
        report = ingest_server_usage(conn, _bytes(_export()), "acme")
    assert report.created["server"] == 1 and report.created["server account"] == 3
    with engine.connect() as conn:
        server = conn.execute(sa.select(t.server_instances)).one()
        event = conn.execute(sa.select(t.license_sync_events)).one()
        ada_cloud = conn.execute(sa.select(t.users.c.id).where(t.users.c.login == "ada-cloud")).scalar_one()
    assert (server.server_id, server.hostname, server.version, server.license_hash) == (
        SERVER_ID,
        "ghes.acme.test",
        "3.17.2",
        "3f1a9c",
    )
    assert (event.server_instance_id, event.kind, event.status) == (server.id, "upload", "success")
    accounts = _accounts(engine)
    assert accounts["ada"].primary_email == "ada@acme.test"
    assert accounts["ada"].other_emails == "ada@home.test"
    assert accounts["ada"].code_security_user and accounts["bob"].dormant
    assert accounts["scim-admin"].is_scim_setup_user and accounts["scim-admin"].primary_email is None
    assert accounts["ada"].matched_user_id == ada_cloud, "re-matched by verified email after the import"
    assert accounts["bob"].matched_user_id is None


def test_importing_the_same_export_twice_leaves_the_accounts_unchanged(engine: Engine) -> None:
    acme_with_ada(engine)
    with engine.begin() as conn:
        ingest_server_usage(conn, _bytes(_export()), "acme")
    before = snapshot(engine)
    with engine.begin() as conn:
        again = ingest_server_usage(conn, _bytes(_export()), "acme")
    after = snapshot(engine)
    assert again.unchanged["server account"] == 3 and not again.created and not again.updated
    assert after["server_accounts"] == before["server_accounts"]
    assert after["server_instances"] == before["server_instances"]
    assert len(after["license_sync_events"]) == 2, "each upload is recorded as a sync event"


def test_an_account_missing_from_a_newer_export_is_removed_from_the_instance(engine: Engine) -> None:
    acme_with_ada(engine)
    with engine.begin() as conn:
        ingest_server_usage(conn, _bytes(_export()), "acme")
    newer = _export()
    newer["users"] = [u for u in newer["users"] if u["login"] != "bob"]
    newer["users"][0]["suspended"] = True
    with engine.begin() as conn:
        report = ingest_server_usage(conn, _bytes(newer), "acme")
    accounts = _accounts(engine)
    assert set(accounts) == {"ada", "scim-admin"}
    assert accounts["ada"].suspended
    assert report.updated["server account"] == 1 and report.updated["server account removed"] == 1


def _broken(kind: str) -> bytes:
    if kind == "not json":
        return b'{"format_version": 1, "users": ['
    if kind == "wrong version":
        return _bytes(_export(format_version=2))
    if kind == "missing key":
        doc = _export()
        del doc["server_id"]
        return _bytes(doc)
    if kind == "user without login":
        doc = _export()
        del doc["users"][1]["login"]
        return _bytes(doc)
    if kind == "flag not a boolean":
        doc = _export()
        doc["users"][2]["suspended"] = "no"
        return _bytes(doc)
    if kind == "another enterprise":
        return _bytes(_export(enterprise="globex"))
    if kind in BROKEN_PAST_LIMITS:
        return BROKEN_PAST_LIMITS[kind][0]()
    raise AssertionError(kind)


def _with_user(**changes: Any) -> bytes:
    doc = _export()
    doc["users"][0].update(changes)
    return _bytes(doc)


# Past a limit of seatledger.validation: (the file, what the refusal names).
BROKEN_PAST_LIMITS = {
    "user_id of 2**63": (lambda: _with_user(user_id=2**63), "user_id"),
    "user_id past 32 bits": (lambda: _with_user(user_id=2**31), "user_id"),
    "deep JSON": (lambda: b'{"users": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nests deeper"),
    "a duplicate users key": (lambda: _bytes(_export())[:-1] + b', "users": []}', "'users' twice"),
    "a login with a NUL byte": (lambda: _with_user(login="ann\x00"), "NUL"),
    "a host name of 100,000 characters": (lambda: _bytes(_export(host_name="h" * 100_000)), "host_name"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN_PAST_LIMITS))
def test_a_server_export_past_a_limit_is_rejected_with_the_reason(engine: Engine, kind: str) -> None:
    acme_with_ada(engine)
    before = snapshot(engine)
    with pytest.raises(ImportRejected) as info:
        with engine.begin() as conn:
            ingest_server_usage(conn, _broken(kind), "acme")
    assert BROKEN_PAST_LIMITS[kind][1] in info.value.message
    assert snapshot(engine) == before


@pytest.mark.parametrize(
    "kind",
    ["not json", "wrong version", "missing key", "user without login", "flag not a boolean", "another enterprise"],
)
def test_a_bad_server_export_is_rejected_whole_and_the_ledger_is_unchanged(engine: Engine, kind: str) -> None:
    acme_with_ada(engine)
    with engine.begin() as conn:
        ingest_server_usage(conn, _bytes(_export()), "acme")
    before = snapshot(engine)
    with pytest.raises(ImportRejected) as info:
        with engine.begin() as conn:
            ingest_server_usage(conn, _broken(kind), "acme")
    assert "\n" not in info.value.message
    assert snapshot(engine) == before


def test_an_export_written_by_the_server_usage_report_imports_into_another_ledger(
    engine: Engine, sqlite_template: Path, tmp_path: Path
) -> None:
    import shutil

    from seatledger.db import create_engine
    from seatledger.reports.server_usage import ServerScope, iter_report

    eid = acme_with_ada(engine)
    with engine.begin() as conn:
        ledger = Ledger(conn)
        sid = ledger.add_server(eid, SERVER_ID, "ghes.acme.test", version="3.17.2")
        ledger.add_server_account(
            sid, 1, "ada", primary_email="ada@acme.test", other_emails=["ada@home.test"], code_security_user=True
        )
        ledger.add_server_account(sid, 2, "bob", primary_email="bob@acme.test", suspended=True)
    with engine.connect() as conn:
        data = b"".join(iter_report(conn, ServerScope(SERVER_ID)))
    target_path = tmp_path / "target.db"
    shutil.copy(sqlite_template, target_path)
    target = create_engine(f"sqlite:///{target_path}")
    try:
        with target.begin() as conn:
            Ledger(conn).add_enterprise("acme")
            report = ingest_server_usage(conn, data, "acme")
        assert report.created["server account"] == 2
        cols = ("user_id", "login", "primary_email", "other_emails", "suspended", "code_security_user")
        with engine.connect() as src, target.connect() as dst:

            def rows(c: sa.Connection) -> list[tuple[Any, ...]]:
                sac = t.server_accounts
                return [tuple(r) for r in c.execute(sa.select(*(sac.c[k] for k in cols)).order_by(sac.c.user_id))]

            assert rows(dst) == rows(src)
    finally:
        target.dispose()
