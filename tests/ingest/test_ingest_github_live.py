"""``sync github`` from one seatledger server (its GitHub-compatible API, over loopback) into a
second, empty ledger: the counting engine gives the same totals on both sides."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger import tokens
from seatledger.db import create_engine
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest.github_api import sync_github
from seatledger.ingest.github_client import GitHubClient
from seatledger.licensing.copilot import copilot_totals
from seatledger.licensing.scope import Scope
from seatledger.licensing.seats import seat_totals

PAST = dt.datetime(2026, 1, 5, 9, 0, 0)


def _source(engine: Engine) -> str:
    """An enterprise with owners, members in two orgs, an outside collaborator, a pending
    invitation, a matched VS subscriber, server accounts and Copilot seats; returns a token."""
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme", created_at=PAST)
        eng = ledger.add_org(eid, "eng", created_at=PAST)
        ops = ledger.add_org(eid, "ops", created_at=PAST)
        boss = ledger.add_user(eid, "boss", emails=["boss@acme.test"], created_at=PAST)
        ann = ledger.add_user(eid, "ann", emails=["ann@acme.test"], created_at=PAST)
        carl = ledger.add_user(eid, "carl", emails=["carl@contractor.test"], created_at=PAST)
        dora = ledger.add_user(eid, "dora", emails=["dora@acme.test"], created_at=PAST)
        ledger.add_user(eid, "eve", emails=["eve@acme.test"], created_at=PAST)
        ledger.add_enterprise_role(eid, boss, "owner", started_at=PAST)
        for org in (eng, ops):
            ledger.add_membership(org, boss, "owner", started_at=PAST)
            ledger.add_membership(org, ann, "member", started_at=PAST)
        ledger.add_membership(eng, dora, "member", started_at=PAST)
        secret = ledger.add_repo(eid, "eng", "secret", org_id=eng, visibility="private", created_at=PAST)
        ledger.add_collaborator(secret, carl, started_at=PAST)
        ledger.add_invitation(ops, role="member", login="eve", created_at=PAST)
        ledger.add_vs_subscription(eid, "dora@acme.test", created_at=PAST)
        server = ledger.add_server(eid, "0b5e1a2c-9d8f-4e3a-8b7c-6d5e4f3a2b1c", "ghes.acme.test", created_at=PAST)
        ledger.add_server_account(server, 7, "ann", primary_email="ann@acme.test", created_at=PAST)
        ledger.add_server_account(server, 8, "zed", primary_email="zed@acme.test", created_at=PAST)
        ledger.add_copilot_seat(eng, ann, created_at=PAST)
        ledger.add_copilot_seat(ops, boss, plan="enterprise", created_at=PAST)
        from seatledger.licensing.matching import rematch

        rematch(conn, eid)
        _id, token = tokens.create_token(conn, "acme", "boss", "read:enterprise,read:org,manage_billing:copilot")
    return token


def test_syncing_a_seatledger_server_into_an_empty_ledger_gives_the_same_totals(
    engine: Engine, live_server, sqlite_template: Path, tmp_path: Path
) -> None:
    token = _source(engine)
    target_path = tmp_path / "target.db"
    shutil.copy(sqlite_template, target_path)
    target = create_engine(f"sqlite:///{target_path}")
    try:
        with GitHubClient(f"{live_server.url}/api/v3", token) as client:
            report = sync_github(target, client, "acme")

        with engine.connect() as src, target.connect() as dst:
            want, got = seat_totals(src, "acme"), seat_totals(dst, "acme")
            assert got.consumed == want.consumed == 6, report.summary()
            assert (got.visual_studio_licenses, got.server_only_users) == (
                want.visual_studio_licenses,
                want.server_only_users,
            )
            want_cp = copilot_totals(src, Scope.enterprise("acme"))
            got_cp = copilot_totals(dst, Scope.enterprise("acme"))
            assert (
                (got_cp.breakdown.total, got_cp.business, got_cp.enterprise)
                == (want_cp.breakdown.total, want_cp.business, want_cp.enterprise)
                == (2, 1, 1)
            )
            for org in ("eng", "ops"):
                assert seat_totals(dst, "acme", org=org).consumed == seat_totals(src, "acme", org=org).consumed
            logins = set(dst.execute(sa.select(t.users.c.login)).scalars())
            owners = set(
                dst.execute(
                    sa.select(t.users.c.login).join(t.enterprise_roles, t.enterprise_roles.c.user_id == t.users.c.id)
                ).scalars()
            )
        assert {"boss", "ann", "carl", "dora", "eve"} <= logins
        assert owners == {"boss"}
        assert any("skipped orgs/eng/repos" in n for n in report.notes), "the API serves no repository list"
    finally:
        target.dispose()
