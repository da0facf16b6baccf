"""What the signed-in person may see (``web/access.py``): the roles loaded at an instant, and each
refusal answering as an unknown name does (404) unless the person knows the enterprise exists
(403). That the pages answer so is held by test_web_session.py."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.errors import NotFound, PermissionDenied
from seatledger.licensing.scope import EnterpriseInfo, ResolvedScope, Scope
from seatledger.web.access import Access, load_access

T0 = dt.datetime(2026, 1, 1)
ENDED = dt.datetime(2026, 2, 1)
ACME = EnterpriseInfo(1, "acme", "Acme Corporation", "personal", False, False, True, None)

OWNER = Access(1, "olga", None, (("acme", "owner"),), (), (), (("acme", "Acme Corporation"),))
ORG_OWNER = Access(2, "otto", None, (), ("acme-api", "acme-web"), ("acme",))


def _resolved(scope: Scope, org_id: int | None = None, owner: str | None = None) -> ResolvedScope:
    return ResolvedScope(scope, ACME, organization_id=org_id, owner_login=owner)


def test_an_enterprise_role_sees_every_scope_of_its_enterprise() -> None:
    for scope in (
        _resolved(Scope.enterprise("acme")),
        _resolved(Scope.org("acme-ops"), 3),
        _resolved(Scope.user_namespace("ann"), owner="ann"),
        _resolved(Scope.repo("ann/dots"), None, "ann"),
    ):
        assert OWNER.may_see_scope(scope), scope
        OWNER.require_scope(scope)
    assert OWNER.may_see_org("acme-ops", "acme") and not OWNER.may_see_org("acme-ops", "globex")
    assert OWNER.enterprise_name("acme") == "Acme Corporation" and OWNER.enterprise_name("globex") == "globex"


def test_an_org_owner_sees_their_orgs_and_their_repositories_only() -> None:
    assert ORG_OWNER.may_see_scope(_resolved(Scope.org("acme-web"), 2))
    assert ORG_OWNER.may_see_scope(_resolved(Scope.repo("acme-web/app"), 2, "acme-web"))
    assert not ORG_OWNER.may_see_scope(_resolved(Scope.org("acme-ops"), 3))
    assert not ORG_OWNER.may_see_scope(_resolved(Scope.repo("acme-ops/app"), 3, "acme-ops"))
    assert not ORG_OWNER.may_see_scope(_resolved(Scope.user_namespace("ann"), owner="ann")), (
        "a user namespace belongs to the enterprise"
    )
    assert not ORG_OWNER.may_see_scope(_resolved(Scope.repo("acme-web/app"), None, "acme-web")), (
        "a user's repository named like the org is not the org's"
    )


def test_an_unseen_org_or_repository_is_refused_as_if_unknown() -> None:
    with pytest.raises(NotFound) as org:
        ORG_OWNER.require_org("acme-ops", "acme")
    assert org.value.message == "no organization 'acme-ops'"
    with pytest.raises(NotFound) as repo:
        ORG_OWNER.require_scope(_resolved(Scope.repo("acme-ops/app"), 3, "acme-ops"))
    assert repo.value.message == "no repository 'acme-ops/app'"
    ORG_OWNER.require_org("acme-web", "acme")


def test_the_enterprise_of_an_owned_org_is_forbidden_and_any_other_unknown() -> None:
    with pytest.raises(PermissionDenied, match="Only owners and billing managers of the enterprise acme"):
        ORG_OWNER.require_enterprise("acme")
    with pytest.raises(PermissionDenied, match="You may not download reports for the user namespace ann"):
        ORG_OWNER.require_scope(_resolved(Scope.user_namespace("ann"), owner="ann"))
    with pytest.raises(NotFound) as other:
        ORG_OWNER.require_enterprise("globex")
    assert other.value.message == "no enterprise 'globex'"
    globex = ResolvedScope(
        Scope.enterprise("globex"), EnterpriseInfo(2, "globex", "Globex", "personal", False, False, True, None)
    )
    with pytest.raises(NotFound, match="no enterprise 'globex'"):
        ORG_OWNER.require_scope(globex)


def test_home_is_the_first_enterprise_else_the_first_owned_org_else_nowhere() -> None:
    assert OWNER.home() == "/enterprises/acme/licensing"
    assert ORG_OWNER.home() == "/orgs/acme-api/licensing"
    assert Access(3, "nobody", None, (), ()).home() is None


@pytest.fixture
def people(engine: Engine) -> dict[str, int]:
    with engine.begin() as conn:
        led = Ledger(conn)
        acme = led.add_enterprise("acme", "Acme Corporation", created_at=T0)
        globex = led.add_enterprise("globex", created_at=T0)
        web, api = led.add_org(acme, "acme-web", created_at=T0), led.add_org(acme, "acme-api", created_at=T0)
        gadgets = led.add_org(globex, "gadgets", created_at=T0)
        ids = {login: led.add_user(acme, login, name=login.title(), created_at=T0) for login in ("olga", "otto", "mo")}
        led.add_enterprise_role(acme, ids["olga"], "billing_manager", started_at=T0)
        led.add_enterprise_role(acme, ids["olga"], "owner", started_at=T0)
        led.add_membership(web, ids["otto"], "owner", started_at=T0)
        led.add_membership(api, ids["otto"], "owner", started_at=T0)
        led.add_membership(gadgets, ids["otto"], "owner", started_at=T0)
        led.add_membership(web, ids["mo"], "member", started_at=T0)
        led.end_membership(api, ids["otto"], ENDED)
        return ids


def test_loaded_roles_name_the_enterprise_and_owner_wins_over_billing_manager(
    engine: Engine, people: dict[str, int]
) -> None:
    with engine.connect() as conn:
        olga = load_access(conn, people["olga"])
    assert olga == Access(people["olga"], "olga", "Olga", (("acme", "owner"),), (), (), (("acme", "Acme Corporation"),))


def test_loaded_org_ownership_counts_at_the_instant_and_names_the_orgs_enterprises(
    engine: Engine, people: dict[str, int]
) -> None:
    with engine.connect() as conn:
        before = load_access(conn, people["otto"], as_of=ENDED - dt.timedelta(seconds=1))
        now = load_access(conn, people["otto"])
        member = load_access(conn, people["mo"])
        gone = load_access(conn, 987654)
    assert before is not None and before.owned_orgs == ("acme-api", "acme-web", "gadgets")
    assert now is not None and now.owned_orgs == ("acme-web", "gadgets") and now.enterprise_roles == ()
    assert now.org_enterprises == ("acme", "globex")
    assert member is not None and (member.enterprise_roles, member.owned_orgs, member.home()) == ((), (), None)
    assert gone is None
