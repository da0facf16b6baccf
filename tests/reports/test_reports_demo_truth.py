"""One truth: on the demo enterprise, every report at every scope lists exactly the people the
counting engine counts, and every report reads back with the spec's header row."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.demo import build_demo
from seatledger.licensing import Scope, committer_totals, copilot_totals, seat_totals
from seatledger.reports import ReportScope, ServerScope, write_report

from test_reports_license_usage import SPEC_HEADER

ANCHOR = dt.datetime(2024, 5, 1)
AS_OF = ANCHOR - dt.timedelta(hours=1)
AS_HEADER = ["User login", "Organization / repository", "Last pushed date", "Last pushed email"]
COPILOT_HEADER = ["report_time", "login", "last_authenticated_at", "last_activity_at", "last_surface_used"]
# Enough repositories to cover orgs and user namespaces without a query per repository of the demo.
REPOSITORY_SAMPLE = 3


def _read(conn: Connection, kind: str, scope: ReportScope, product: str | None = None) -> list[list[str]]:
    out = io.BytesIO()
    write_report(kind, conn, scope, out, product=product, as_of=AS_OF)
    data = out.getvalue()
    assert data.endswith(b"\r\n")
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _people(rows: list[list[str]], login_column: int) -> int:
    """Distinct people of a report: distinct logins, and each login-less row is somebody."""
    logins = {r[login_column] for r in rows if r[login_column]}
    return len(logins) + sum(1 for r in rows if not r[login_column])


@pytest.fixture
def demo(engine: Engine) -> str:
    """The small demo enterprise (personal accounts)."""
    build_demo(engine, size="small", slug="acme", anchor=ANCHOR)
    return "acme"


@pytest.fixture(params=[False, True], ids=["personal", "managed"])
def any_demo(request: pytest.FixtureRequest, engine: Engine) -> str:
    """The small demo enterprise, with personal accounts and as an EMU enterprise."""
    slug = "emu" if request.param else "acme"
    build_demo(engine, size="small", slug=slug, managed=request.param, anchor=ANCHOR)
    return slug


def _scopes(conn: Connection, slug: str) -> tuple[list[str], list[str], list[str]]:
    e, o, r = t.enterprises, t.organizations, t.repositories
    eid = conn.execute(sa.select(e.c.id).where(e.c.slug == slug)).scalar_one()
    orgs = list(conn.execute(sa.select(o.c.login).where(o.c.enterprise_id == eid).order_by(o.c.login)).scalars())
    namespaces = list(
        conn.execute(
            sa.select(r.c.owner_login)
            .where(r.c.enterprise_id == eid, r.c.organization_id.is_(None))
            .distinct()
            .order_by(r.c.owner_login)
        ).scalars()
    )
    return [slug], orgs, namespaces


def test_license_usage_rows_equal_consumed_seats_for_the_enterprise_and_every_org(
    engine: Engine, any_demo: str
) -> None:
    demo = any_demo
    with engine.connect() as conn:
        _, orgs, _ = _scopes(conn, demo)
        for scope in [Scope.enterprise(demo), *map(Scope.org, orgs)]:
            rows = _read(conn, "license-usage", scope)
            assert rows[0] == SPEC_HEADER
            org = scope.name if scope.kind == "organization" else None
            consumed = seat_totals(conn, demo, org=org, as_of=AS_OF).consumed
            assert _people(rows[1:], 0) == len(rows) - 1 == consumed, scope
        assert consumed > 0


def test_advanced_security_logins_equal_total_committers_at_every_scope_for_both_products(
    engine: Engine, any_demo: str
) -> None:
    with engine.connect() as conn:
        for product in ("code_security", "secret_protection"):
            _check_advanced_security(conn, any_demo, product)


def _check_advanced_security(conn: Connection, demo: str, product: str) -> None:
    _, orgs, namespaces = _scopes(conn, demo)
    enterprise_rows = _read(conn, "advanced-security", Scope.enterprise(demo), product)
    repos = sorted({r[1] for r in enterprise_rows[1:]})
    step = max(1, len(repos) // REPOSITORY_SAMPLE)
    scopes = [
        Scope.enterprise(demo),
        *map(Scope.org, orgs),
        *map(Scope.user_namespace, namespaces),
        *map(Scope.repo, repos[::step]),
    ]
    for scope in scopes:
        rows = enterprise_rows if scope.kind == "enterprise" else _read(conn, "advanced-security", scope, product)
        assert rows[0] == AS_HEADER
        total = committer_totals(conn, scope, product, as_of=AS_OF).total_committers  # type: ignore[arg-type]
        assert _people(rows[1:], 0) == total, scope
        pairs = [(r[0], r[1]) for r in rows[1:]]
        assert len(set(pairs)) == len(pairs)  # one row per (login, repository)
    assert len(enterprise_rows) > 1


def test_copilot_activity_logins_equal_the_seat_total_for_the_enterprise_and_every_org(
    engine: Engine, demo: str
) -> None:
    with engine.connect() as conn:
        _, orgs, _ = _scopes(conn, demo)
        for scope in [Scope.enterprise(demo), *map(Scope.org, orgs)]:
            rows = _read(conn, "copilot-activity", scope)
            assert rows[0] == COPILOT_HEADER
            total = copilot_totals(conn, scope, as_of=AS_OF).breakdown.total
            assert _people(rows[1:], 1) == len(rows) - 1 == total, scope
            assert {r[0] for r in rows[1:]} <= {"2024-04-30T23:00:00Z"}


def test_every_report_of_the_demo_is_byte_identical_on_a_second_run(engine: Engine, demo: str) -> None:
    def all_reports(conn: Connection) -> list[bytes]:
        out = []
        for kind, scope, product in (
            ("license-usage", Scope.enterprise(demo), None),
            ("advanced-security", Scope.enterprise(demo), "code_security"),
            ("advanced-security", Scope.enterprise(demo), "secret_protection"),
            ("copilot-activity", Scope.enterprise(demo), None),
        ):
            buf = io.BytesIO()
            write_report(kind, conn, scope, buf, product=product, as_of=AS_OF)
            out.append(buf.getvalue())
        return out

    with engine.connect() as conn:
        assert all_reports(conn) == all_reports(conn)


def test_server_usage_of_every_demo_server_lists_all_its_accounts(engine: Engine, demo: str) -> None:
    si, sa_ = t.server_instances, t.server_accounts
    with engine.connect() as conn:
        servers = conn.execute(sa.select(si.c.id, si.c.server_id).order_by(si.c.server_id)).all()
        assert servers
        for server in servers:
            out = io.BytesIO()
            write_report("server-usage", conn, ServerScope(server.server_id), out)  # as of now: every account
            users = json.loads(out.getvalue())["users"]
            accounts = conn.execute(
                sa.select(sa.func.count()).where(sa_.c.server_instance_id == server.id)
            ).scalar_one()
            assert len(users) == accounts
            assert [u["user_id"] for u in users] == sorted(u["user_id"] for u in users)
