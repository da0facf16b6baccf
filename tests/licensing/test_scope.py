"""Scopes: the four levels a question is asked at, resolved against the ledger; the instants counted at."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing.scope import (
    Scope,
    as_of_or_now,
    enterprise_columns,
    enterprise_from,
    get_enterprise,
    holds_at,
    month_start,
    next_month_start,
    org_id_in,
    organization_login,
    resolve,
)
from tests.factories import T0, EnterpriseBuilder


def test_each_kind_of_scope_resolves_to_exactly_the_ids_it_needs(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        org = b.org("octo")
        repo = b.repo("octo", "app")
        alice = b.user("alice")
        b.ledger.add_repo(b.id, "alice", "dots", owner_user_id=alice, created_at=T0)

        ent = resolve(conn, Scope.enterprise("acme"))
        assert (ent.enterprise.id, ent.organization_id, ent.owner_login, ent.repository_id) == (b.id, None, None, None)
        o = resolve(conn, Scope.org("octo"))
        assert (o.enterprise.id, o.organization_id, o.owner_login, o.repository_id) == (b.id, org, "octo", None)
        ns = resolve(conn, Scope.user_namespace("alice"))
        assert (ns.enterprise.id, ns.organization_id, ns.owner_login, ns.repository_id) == (b.id, None, "alice", None)
        r = resolve(conn, Scope.repo("octo/app"))
        assert (r.enterprise.id, r.organization_id, r.owner_login, r.repository_id) == (b.id, org, "octo", repo)


def test_a_user_without_repositories_still_has_a_namespace(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.user("bob")
        assert resolve(conn, Scope.user_namespace("bob")).enterprise.slug == "acme"


def test_a_name_in_two_enterprises_resolves_in_the_one_the_scope_names(engine: Engine) -> None:
    with engine.begin() as conn:
        first, second = EnterpriseBuilder(conn, "first"), EnterpriseBuilder(conn, "second")
        repos = {
            e.slug: e.ledger.add_repo(e.id, "bob", "dots", owner_user_id=e.user("bob"), created_at=T0)
            for e in (first, second)
        }
        assert resolve(conn, Scope.repo("bob/dots").within("second")).repository_id == repos["second"]
        assert resolve(conn, Scope.repo("bob/dots", "first")).repository_id == repos["first"]
        assert resolve(conn, Scope.user_namespace("bob").within("second")).enterprise.id == second.id
        # Without an enterprise named, the first one found is meant.
        assert resolve(conn, Scope.repo("bob/dots")).enterprise.id == min(first.id, second.id)


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        (Scope.enterprise("nope"), "no enterprise 'nope'"),
        (Scope.org("nope"), "no organization 'nope'"),
        (Scope.user_namespace("nope"), "no user namespace 'nope'"),
        (Scope.repo("octo/nope"), "no repository 'octo/nope'"),
        (Scope.repo("octo/app", "other"), "no repository 'octo/app'"),
    ],
)
def test_a_scope_not_in_the_ledger_is_not_found_by_name(engine: Engine, scope: Scope, message: str) -> None:
    with engine.begin() as conn:
        EnterpriseBuilder(conn).repo("octo", "app")
        with pytest.raises(NotFound, match=message):
            resolve(conn, scope)


@pytest.mark.parametrize("bad", ["app", "octo/app/x", "/app", "octo/", ""])
def test_a_repository_scope_must_be_owner_slash_name(bad: str) -> None:
    with pytest.raises(InvalidInput, match="OWNER/NAME"):
        Scope.repo(bad)


def test_organization_logins_match_case_insensitively_an_exact_match_first(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.org("Octo")
        b.org("octo")
        b.org("Hubs")
        assert organization_login(conn, "octo") == "octo"
        assert organization_login(conn, "OCTO") == "Octo"  # the first made, when none is exact
        assert organization_login(conn, "hubs") == "Hubs"
        assert organization_login(conn, "missing") == "missing"


def test_an_organization_of_another_enterprise_is_not_one_of_this_ones(engine: Engine) -> None:
    with engine.begin() as conn:
        acme, other = EnterpriseBuilder(conn, "acme"), EnterpriseBuilder(conn, "other")
        octo = acme.org("octo")
        other.org("elsewhere")
        info = get_enterprise(conn, "acme")
        assert org_id_in(conn, info, "octo") == octo
        assert org_id_in(conn, info, None) is None
        with pytest.raises(NotFound, match="no organization 'elsewhere' in enterprise 'acme'"):
            org_id_in(conn, info, "elsewhere")


def test_an_enterprise_read_along_another_statement_equals_the_one_looked_up(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn, managed=True, uses_saml=True, pending_invites_consume_metered=False)
        o = t.organizations
        row = conn.execute(
            sa.select(o.c.login, *enterprise_columns("e_"))
            .join(t.enterprises, t.enterprises.c.id == o.c.enterprise_id)
            .where(o.c.id == b.org("octo"))
        ).one()
        info = enterprise_from(row, "e_")
        assert info == get_enterprise(conn, "acme")
        assert info.managed and info.uses_saml and not info.pending_invites_consume_metered


def test_the_instant_counted_at_is_naive_utc() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    assert as_of_or_now(dt.datetime(2026, 3, 1, 10, 0, tzinfo=paris)) == dt.datetime(2026, 3, 1, 9, 0)
    assert as_of_or_now(dt.datetime(2026, 3, 1, 10, 0)) == dt.datetime(2026, 3, 1, 10, 0)
    before = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    now = as_of_or_now(None)
    assert now.tzinfo is None and before <= now <= dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def test_a_span_holds_from_its_start_up_to_but_not_at_its_end(engine: Engine) -> None:
    start, end = dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 2)

    def holds(ended: dt.datetime | None, at: dt.datetime) -> bool:
        started_col = sa.bindparam("s", start, type_=sa.DateTime())
        ended_col = sa.bindparam("e", ended, type_=sa.DateTime())
        with engine.connect() as conn:
            return bool(conn.execute(sa.select(sa.case((holds_at(started_col, ended_col, at), 1), else_=0))).scalar())

    assert holds(end, start)
    assert not holds(end, start - dt.timedelta(seconds=1))
    assert not holds(end, end)
    assert holds(None, dt.datetime(2099, 1, 1))


def test_billing_months_run_from_the_first_and_december_rolls_into_january() -> None:
    assert month_start(dt.datetime(2026, 3, 31, 23, 59)) == dt.datetime(2026, 3, 1)
    assert month_start(dt.date(2026, 2, 14)) == dt.datetime(2026, 2, 1)
    assert next_month_start(dt.date(2026, 3, 5)) == dt.datetime(2026, 4, 1)
    assert next_month_start(dt.datetime(2026, 12, 31, 12)) == dt.datetime(2027, 1, 1)
