"""Advanced Security what-if: the committers enabling or disabling chosen repositories would add
or free are exactly the change in the totals after doing it (in a transaction rolled back
afterwards: a copy of the ledger), and the greedy plan stays within its spare licenses."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger import licensing
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.demo import build_demo
from seatledger.errors import InvalidInput
from seatledger.licensing import RepositorySelection, Scope
from seatledger.licensing.advanced_security import counted_committer_ids

ANCHOR = dt.datetime(2026, 11, 1)
AT = ANCHOR
ENT = Scope.enterprise("acme")


@pytest.fixture
def demo(engine: Engine) -> Engine:
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    return engine


def _counted(conn: Connection, product: str) -> set[str]:
    ids = sorted(counted_committer_ids(conn, ENT, product, as_of=AT))  # type: ignore[arg-type]
    u = t.users
    return set(conn.execute(sa.select(u.c.login).where(u.c.id.in_(ids))).scalars()) if ids else set()


@contextmanager
def _copy(engine: Engine) -> Iterator[Connection]:
    """The ledger as it would be after some writes, then as it was: a transaction rolled back."""
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


def _set(conn: Connection, names: tuple[str, ...], product: str, enabled: bool) -> None:
    r = t.repositories
    ledger = Ledger(conn)
    for name in names:
        repo_id = conn.execute(sa.select(r.c.id).where((r.c.owner_login + "/" + r.c.name) == name)).scalar_one()
        ledger.set_repo_products(repo_id, **{product: enabled}, at=AT)  # type: ignore[arg-type]


def _orgs_with_enabled(conn: Connection, product: str) -> list[str]:
    r, o = t.repositories, t.organizations
    column = r.c.code_security_enabled if product == "code_security" else r.c.secret_protection_enabled
    return list(
        conn.execute(
            sa.select(o.c.login)
            .join(r, r.c.organization_id == o.c.id)
            .where(column == sa.true())
            .group_by(o.c.login)
            .order_by(sa.func.count().desc(), o.c.login)
            .limit(2)
        ).scalars()
    )


SELECTIONS = {
    "an org": lambda orgs: RepositorySelection(orgs=(orgs[0],)),
    "internal repositories": lambda orgs: RepositorySelection(visibilities=("internal",)),
    "a pattern in two orgs": lambda orgs: RepositorySelection(orgs=tuple(orgs), pattern="*[aeiou]*"),
}


@pytest.mark.parametrize("product", ["code_security", "secret_protection"])
@pytest.mark.parametrize("how", list(SELECTIONS))
def test_the_what_if_equals_the_totals_after_enabling_or_disabling_the_repositories(
    demo: Engine, product: str, how: str
) -> None:
    with demo.connect() as conn:
        selection = SELECTIONS[how](_orgs_with_enabled(conn, product))
        found = licensing.ghas_what_if(conn, "acme", product, selection, as_of=AT)  # type: ignore[arg-type]
        before = _counted(conn, product)
    assert found.total_committers == len(before)
    assert found.enabling_adds or found.disabling_frees, "the choice changes something"
    with _copy(demo) as conn:
        _set(conn, found.repositories, product, True)
        after = _counted(conn, product)
        assert after - before == {p.login for p in found.enabling_adds} and before <= after
        assert licensing.committer_totals(conn, ENT, product, as_of=AT).total_committers == found.total_if_enabled  # type: ignore[arg-type]
    with _copy(demo) as conn:
        _set(conn, found.repositories, product, False)
        after = _counted(conn, product)
        assert before - after == {p.login for p in found.disabling_frees} and after <= before
        assert licensing.committer_totals(conn, ENT, product, as_of=AT).total_committers == found.total_if_disabled  # type: ignore[arg-type]


def test_the_plan_enables_the_most_repositories_its_spare_licenses_cover(demo: Engine) -> None:
    product = "code_security"
    with demo.connect() as conn:
        plan = licensing.ghas_plan(conn, "acme", product, 5, as_of=AT)
        free = licensing.ghas_plan(conn, "acme", product, 0, as_of=AT).steps  # what costs nothing now
        before = _counted(conn, product)
    assert plan.steps and plan.left_out
    costs = [s.new_committers for s in plan.steps]
    assert 0 < plan.steps[-1].licenses_used == sum(costs) <= 5
    # The repositories whose committers already hold the license come first.
    assert plan.steps[: len(free)] == free and plan.steps[len(free)].new_committers > 0
    with _copy(demo) as conn:
        _set(conn, tuple(s.repository for s in plan.steps), product, True)
        assert len(_counted(conn, product) - before) == plan.steps[-1].licenses_used
        # Greedy and maximal: any repository left out would take more than the licenses left.
        left = 5 - plan.steps[-1].licenses_used
        rest = licensing.ghas_plan(conn, "acme", product, left, as_of=AT)
        assert all(s.new_committers == 0 for s in rest.steps)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda c: licensing.ghas_what_if(c, "acme", "copilot", RepositorySelection()), "product"),  # type: ignore[arg-type]
        (
            lambda c: licensing.ghas_what_if(c, "acme", "code_security", RepositorySelection(orgs=("no-such-org",))),
            "no repository",
        ),
        (lambda c: RepositorySelection(visibilities=("secret",)), "visibility"),
        (lambda c: licensing.ghas_plan(c, "acme", "code_security", -1), "spare"),
    ],
)
def test_a_bad_choice_is_refused_with_a_message(demo: Engine, call: object, message: str) -> None:
    with demo.connect() as conn, pytest.raises(InvalidInput, match=message):
        call(conn)  # type: ignore[operator]
