"""Every write to the ledger changes the enterprise's ledger version (caches of counted results
key on it), once per transaction, and only the enterprise it touches."""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.db.versions import bumped_in_transaction, current_version, wrote_in_transaction
from seatledger.licensing import copilot, cost_centers, matching

T0 = dt.datetime(2026, 1, 5, 9, 0)
T1 = dt.datetime(2026, 3, 2, 12, 0)


def _world(engine: Engine) -> dict[str, Any]:
    """An enterprise with one of everything, and a second enterprise that must stay untouched."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        other = led.add_enterprise("other", created_at=T0)
        org = led.add_org(eid, "acme-eng", created_at=T0)
        alice = led.add_user(eid, "alice", emails=["alice@acme.test"], created_at=T0)
        bob = led.add_user(eid, "bob", emails=["bob@acme.test"], created_at=T0)
        led.add_membership(org, alice, started_at=T0)
        repo = led.add_repo(eid, "acme-eng", "api", org_id=org, created_at=T0)
        led.add_collaborator(repo, bob, started_at=T0)
        server = led.add_server(eid, "srv-1", "ghes.acme.test", created_at=T0)
        led.add_server_account(server, 7, "alice-ghes", primary_email="alice@acme.test", created_at=T0)
        seat = led.add_copilot_seat(org, alice, created_at=T0)
        team = led.add_team(eid, "core", org_id=org, members=[alice], created_at=T0)
        cc = led.add_cost_center(eid, "R&D", created_at=T0)
        led.add_cost_center_resource(cc, "User", alice, started_at=T0)
    return {
        "eid": eid,
        "other": other,
        "org": org,
        "alice": alice,
        "bob": bob,
        "repo": repo,
        "server": server,
        "seat": seat,
        "team": team,
        "cc": cc,
    }


Write = Callable[[Connection, dict[str, Any]], object]

COMMIT = {"sha": "a" * 40, "author_email": "alice@acme.test", "author_date": T1, "pushed_at": T1}

WRITES: dict[str, Write] = {
    "add_membership": lambda c, w: Ledger(c).add_membership(w["org"], w["bob"], started_at=T1),
    "end_membership": lambda c, w: Ledger(c).end_membership(w["org"], w["alice"], T1),
    "add_collaborator": lambda c, w: Ledger(c).add_collaborator(w["repo"], w["alice"], started_at=T1),
    "end_collaborator": lambda c, w: Ledger(c).end_collaborator(w["repo"], w["bob"], T1),
    "add_invitation": lambda c, w: Ledger(c).add_invitation(w["org"], email="carol@acme.test", created_at=T1),
    "add_commits": lambda c, w: Ledger(c).add_commits(w["repo"], [COMMIT]),
    "add_copilot_seat": lambda c, w: Ledger(c).add_copilot_seat(w["org"], w["bob"], created_at=T1),
    "cancel_copilot_seat": lambda c, w: Ledger(c).cancel_copilot_seat(w["seat"], T1),
    "withdraw_copilot_cancellation": lambda c, w: Ledger(c).withdraw_copilot_cancellation(w["seat"]),
    "set_repo_products": lambda c, w: Ledger(c).set_repo_products(w["repo"], code_security=True),
    "add_server_account": lambda c, w: Ledger(c).add_server_account(
        w["server"], 8, "bob-ghes", primary_email="bob@acme.test"
    ),
    "add_sync_event": lambda c, w: Ledger(c).add_sync_event(w["server"], occurred_at=T1),
    "add_email": lambda c, w: Ledger(c).add_email(w["bob"], "bob@home.test"),
    "suspend_user": lambda c, w: Ledger(c).suspend_user(w["bob"], T1),
    "add_cost_center_resource": lambda c, w: Ledger(c).add_cost_center_resource(
        w["cc"], "User", w["bob"], started_at=T1
    ),
    "add_team": lambda c, w: Ledger(c).add_team(w["eid"], "infra", org_id=w["org"]),
    "set_team_member": lambda c, w: Ledger(c).set_team_member(w["team"], w["bob"], True),
    "upsert_user": lambda c, w: Ledger(c).upsert_user(w["eid"], "bob", name="Bob B."),
    "upsert_repo": lambda c, w: Ledger(c).upsert_repo(w["eid"], "acme-eng", "api", secret_protection=True),
    "upsert_invitation": lambda c, w: Ledger(c).upsert_invitation(w["org"], role="member", email="dan@acme.test"),
    "upsert_copilot_seat": lambda c, w: Ledger(c).upsert_copilot_seat(w["org"], w["alice"], plan="enterprise"),
    "upsert_server": lambda c, w: Ledger(c).upsert_server(w["eid"], "srv-1", "ghes2.acme.test"),
    "upsert_server_account": lambda c, w: Ledger(c).upsert_server_account(
        w["server"], 7, "alice-ghes", primary_email="a2@acme.test"
    ),
    "remove_server_accounts": lambda c, w: Ledger(c).remove_server_accounts(w["server"], set(), "server_upload"),
    "upsert_vs_subscription": lambda c, w: Ledger(c).upsert_vs_subscription(w["eid"], "bob@acme.test"),
    "ensure_membership": lambda c, w: Ledger(c).ensure_membership(w["org"], w["alice"], "owner", at=T1),
    "ensure_collaborator": lambda c, w: Ledger(c).ensure_collaborator(w["repo"], w["alice"], at=T1),
    "ensure_enterprise_role": lambda c, w: Ledger(c).ensure_enterprise_role(w["eid"], w["bob"], "owner", at=T1),
    "delete_cost_center": lambda c, w: Ledger(c).delete_cost_center(w["cc"], at=T1),
    "copilot.assign_seats": lambda c, w: copilot.assign_seats(c, "acme-eng", usernames=["bob"], at=T1),
    "copilot.cancel_seats": lambda c, w: copilot.cancel_seats(c, "acme-eng", usernames=["alice"], at=T1),
    "matching.rematch": lambda c, w: matching.rematch(c, w["eid"]),
    "cost_centers.create_cost_center": lambda c, w: cost_centers.create_cost_center(c, w["eid"], "Ops", at=T1),
    "cost_centers.rename_cost_center": lambda c, w: cost_centers.rename_cost_center(c, w["eid"], w["cc"], "Research"),
    "cost_centers.delete_cost_center": lambda c, w: cost_centers.delete_cost_center(c, w["eid"], w["cc"], at=T1),
    "cost_centers.add_resources": lambda c, w: cost_centers.add_resources(
        c, w["eid"], w["cc"], [("User", "bob")], at=T1
    ),
    "cost_centers.remove_resources": lambda c, w: cost_centers.remove_resources(
        c, w["eid"], w["cc"], [("User", "alice")], at=T1
    ),
}


def _versions(engine: Engine, w: dict[str, Any]) -> tuple[int, int]:
    with engine.connect() as conn:
        return current_version(conn, w["eid"]), current_version(conn, w["other"])


@pytest.mark.parametrize("write", sorted(WRITES))
def test_every_kind_of_write_changes_the_version_of_the_enterprise_it_touches_only(engine: Engine, write: str) -> None:
    w = _world(engine)
    before, other_before = _versions(engine, w)
    with engine.begin() as conn:
        WRITES[write](conn, w)
    after, other_after = _versions(engine, w)
    assert after != before
    assert other_after == other_before


def test_many_writes_in_one_transaction_bump_the_version_once(engine: Engine) -> None:
    w = _world(engine)
    before, _ = _versions(engine, w)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("UPDATE LEDGER_VERSIONS", "INSERT INTO LEDGER_VERSIONS")):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.begin() as conn:
            led = Ledger(conn)
            for i in range(5):
                uid = led.add_user(w["eid"], f"user{i}", created_at=T1)
                led.add_membership(w["org"], uid, started_at=T1)
                led.add_collaborator(w["repo"], uid, started_at=T1)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    after, _ = _versions(engine, w)
    assert len(statements) == 1
    assert after == before + 1


def test_the_next_transaction_bumps_again(engine: Engine) -> None:
    w = _world(engine)
    with engine.begin() as conn:
        Ledger(conn).add_membership(w["org"], w["bob"], started_at=T1)
    first, _ = _versions(engine, w)
    with engine.begin() as conn:
        Ledger(conn).end_membership(w["org"], w["bob"], T1 + dt.timedelta(days=1))
    second, _ = _versions(engine, w)
    assert second == first + 1


def test_a_transaction_knows_it_wrote_and_which_enterprises_until_it_ends(engine: Engine) -> None:
    w = _world(engine)
    with engine.connect() as conn:
        with conn.begin():
            assert not wrote_in_transaction(conn) and bumped_in_transaction(conn) == set()
            Ledger(conn).add_membership(w["org"], w["bob"], started_at=T1)
            assert wrote_in_transaction(conn) and bumped_in_transaction(conn) == {w["eid"]}
        with conn.begin():  # the same database connection, a new transaction
            assert not wrote_in_transaction(conn) and bumped_in_transaction(conn) == set()


def test_a_new_enterprise_starts_at_a_random_version_so_fresh_ledgers_do_not_collide(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        versions = {current_version(conn, led.add_enterprise(f"e{i}", created_at=T0)) for i in range(4)}
    assert len(versions) == 4


def test_version_table_row_is_the_one_read(engine: Engine) -> None:
    w = _world(engine)
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.ledger_versions.c.version).where(t.ledger_versions.c.enterprise_id == w["eid"])
        ).scalar_one()
        assert current_version(conn, w["eid"]) == stored
        assert current_version(conn, 999_999) == 0
