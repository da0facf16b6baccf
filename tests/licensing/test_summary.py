"""The summary gathers the counting modules' numbers for an enterprise or one of its orgs at
one instant, so ``seatledger summary`` and the summary page show the same numbers."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from seatledger.errors import NotFound
from seatledger.licensing import Scope, committer_totals_by_product, copilot_totals, seat_totals
from seatledger.licensing.summary import enterprise_summary, iter_enterprise_slugs, iter_organization_logins
from tests.factories import AS_OF, T0, EnterpriseBuilder


def test_the_summary_of_an_enterprise_and_of_an_org_are_the_engines_numbers(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.member("octo", "ann"), b.member("octo", "bob"), b.member("hubs", "cid")
        b.ledger.add_copilot_seat(b.org("octo"), b.users["ann"], created_at=T0)
        whole = enterprise_summary(conn, "acme", as_of=AS_OF)
        octo = enterprise_summary(conn, "acme", org="octo", as_of=AS_OF)
        assert (whole.seats.consumed, octo.seats.consumed) == (3, 2)
        assert whole.seats == seat_totals(conn, "acme", as_of=AS_OF)
        assert octo.seats == seat_totals(conn, "acme", org="octo", as_of=AS_OF)
        assert octo.copilot == copilot_totals(conn, Scope.org("octo"), as_of=AS_OF)
        assert (octo.copilot.business, enterprise_summary(conn, "acme", org="hubs", as_of=AS_OF).copilot.business) == (
            1,
            0,
        )
        by_product = committer_totals_by_product(conn, Scope.enterprise("acme"), as_of=AS_OF)
        assert whole.advanced_security == tuple(by_product[t.product] for t in whole.advanced_security)
        assert (whole.enterprise, whole.organization, octo.organization, whole.as_of) == ("acme", None, "octo", AS_OF)


def test_an_org_of_another_enterprise_is_not_found_in_this_ones_summary(engine: Engine) -> None:
    with engine.begin() as conn:
        EnterpriseBuilder(conn, "acme").org("octo")
        EnterpriseBuilder(conn, "other").org("elsewhere")
        with pytest.raises(NotFound, match="no organization 'elsewhere' in enterprise 'acme'"):
            enterprise_summary(conn, "acme", org="elsewhere", as_of=AS_OF)
        with pytest.raises(NotFound, match="no enterprise 'nope'"):
            enterprise_summary(conn, "nope", as_of=AS_OF)


def test_enterprises_and_their_orgs_are_listed_by_name(engine: Engine) -> None:
    with engine.begin() as conn:
        zeta, alpha = EnterpriseBuilder(conn, "zeta"), EnterpriseBuilder(conn, "alpha")
        zeta.org("zorg"), alpha.org("b-org"), alpha.org("a-org")
        assert list(iter_enterprise_slugs(conn)) == ["alpha", "zeta"]
        assert list(iter_organization_logins(conn, "alpha")) == ["a-org", "b-org"]
        with pytest.raises(NotFound):
            list(iter_organization_logins(conn, "nope"))
