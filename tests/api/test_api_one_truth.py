"""One truth: on the demo enterprise, every API total equals the CSV report for the same
scope (both come from the counting engine; this holds the surfaces to it)."""

from __future__ import annotations

import csv
import io

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger import tokens
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.demo import build_demo
from seatledger.licensing.scope import Scope
from seatledger.reports import open_report

pytestmark = pytest.mark.slow

SCOPES = "read:enterprise,read:org,manage_billing:copilot"


def _csv_rows(engine: Engine, kind: str, scope: Scope, product: str | None = None) -> list[list[str]]:
    with engine.connect() as conn:
        data = b"".join(open_report(kind, conn, scope, product=product))
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return rows[1:]  # without the header


def _demo_caller(engine: Engine) -> tuple[str, str]:
    """A token of a demo enterprise owner who also owns one organization, and that org."""
    with engine.begin() as conn:
        eid = conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.slug == "acme")).scalar_one()
        r, u, o = t.enterprise_roles, t.users, t.organizations
        owner_id, login = conn.execute(
            sa.select(u.c.id, u.c.login)
            .join(r, r.c.user_id == u.c.id)
            .where(r.c.enterprise_id == eid, r.c.role == "owner", r.c.ended_at.is_(None))
            .order_by(u.c.id)
            .limit(1)
        ).one()
        # The org with the most Copilot seats makes the richest comparison.
        s = t.copilot_seats
        org_id, org = conn.execute(
            sa.select(o.c.id, o.c.login)
            .outerjoin(s, s.c.organization_id == o.c.id)
            .where(o.c.enterprise_id == eid)
            .group_by(o.c.id, o.c.login)
            .order_by(sa.func.count(s.c.id).desc(), o.c.id)
            .limit(1)
        ).one()
        Ledger(conn).add_membership(org_id, owner_id, "owner")
        _, token = tokens.create_token(conn, "acme", login, SCOPES)
    return token, org


def test_api_totals_equal_the_csv_reports_on_the_demo_enterprise(engine: Engine, live_server) -> None:
    build_demo(engine, size="small", seed=7)
    token, org = _demo_caller(engine)
    api = httpx.Client(base_url=live_server.url + "/api/v3", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    with api:
        consumed = api.get("/enterprises/acme/consumed-licenses").json()
        usage_rows = _csv_rows(engine, "license-usage", Scope.enterprise("acme"))
        assert consumed["total_seats_consumed"] == len(usage_rows) > 0

        for scope, path in ((Scope.enterprise("acme"), "/enterprises/acme"), (Scope.org(org), f"/orgs/{org}")):
            for product in ("code_security", "secret_protection"):
                ghas = api.get(
                    f"{path}/settings/billing/advanced-security",
                    params={"advanced_security_product": product, "per_page": 100},
                ).json()
                rows = _csv_rows(engine, "advanced-security", scope, product)
                assert ghas["total_advanced_security_committers"] == len({r[0] for r in rows}), (path, product)
                assert ghas["total_count"] == len({r[1] for r in rows}), (path, product)
                pairs = sum(repo["advanced_security_committers"] for repo in ghas["repositories"])
                if ghas["total_count"] <= 100:
                    assert pairs == len(rows), (path, product)

        ent_seats = api.get("/enterprises/acme/copilot/billing/seats").json()
        assert ent_seats["total_seats"] == len(_csv_rows(engine, "copilot-activity", Scope.enterprise("acme")))
        org_seats = api.get(f"/orgs/{org}/copilot/billing/seats").json()
        org_rows = _csv_rows(engine, "copilot-activity", Scope.org(org))
        assert org_seats["total_seats"] == len(org_rows) > 0
        billing = api.get(f"/orgs/{org}/copilot/billing").json()
        assert billing["seat_breakdown"]["total"] == len(org_rows)
