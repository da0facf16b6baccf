"""Advanced Security active committers (spec 2.2), each rule on a small hand-made ledger."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Iterator

import pytest
from sqlalchemy.engine import Connection, Engine

from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import advanced_security as ghas
from seatledger.licensing.scope import Scope
from seatledger.licensing.unattributed import iter_unattributed_emails

AS_OF = dt.datetime(2026, 6, 15, 12, 0, 0)
LONG_AGO = dt.datetime(2025, 1, 1)
ENT = Scope.enterprise("acme")

_shas = itertools.count(1)


class World:
    """A tiny enterprise built through the Ledger write API."""

    def __init__(self, conn: Connection, *, data_residency: bool = False) -> None:
        self.conn = conn
        self.ledger = Ledger(conn)
        self.eid = self.ledger.add_enterprise("acme", data_residency=data_residency, created_at=LONG_AGO)
        self.orgs: dict[str, int] = {}
        self.org("acme-org")

    def org(self, login: str) -> int:
        self.orgs[login] = self.ledger.add_org(self.eid, login, created_at=LONG_AGO)
        return self.orgs[login]

    def person(
        self,
        login: str,
        *,
        org: str | None = "acme-org",
        role: str = "member",
        bot: bool = False,
        suspended_at: dt.datetime | None = None,
        verified: bool = True,
    ) -> int:
        email = f"{login}@example.com"
        uid = self.ledger.add_user(
            self.eid,
            login,
            emails=[email] if verified else [],
            unverified_emails=[] if verified else [email],
            is_bot=bot,
            suspended_at=suspended_at,
            created_at=LONG_AGO,
        )
        if org is not None:
            self.ledger.add_membership(self.orgs[org], uid, role, started_at=LONG_AGO)
        return uid

    def repo(
        self,
        name: str,
        *,
        owner: str = "acme-org",
        visibility: str = "private",
        cs: bool = True,
        sp: bool = False,
        namespace: bool = False,
    ) -> int:
        return self.ledger.add_repo(
            self.eid,
            owner,
            name,
            org_id=None if namespace else self.orgs[owner],
            visibility=visibility,
            code_security=cs,
            secret_protection=sp,
            created_at=LONG_AGO,
        )

    def push(
        self, repo_id: int, login_or_email: str, *, days_ago: float = 1, authored_days_ago: float | None = None
    ) -> str:
        email = login_or_email if "@" in login_or_email else f"{login_or_email}@example.com"
        sha = f"{next(_shas):040x}"
        pushed = AS_OF - dt.timedelta(days=days_ago)
        authored = AS_OF - dt.timedelta(days=authored_days_ago if authored_days_ago is not None else days_ago)
        self.ledger.add_commits(
            repo_id, [{"sha": sha, "author_email": email, "author_date": authored, "pushed_at": pushed}]
        )
        return sha


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as c:
        yield c


@pytest.fixture
def world(conn: Connection) -> World:
    return World(conn)


def total(
    conn: Connection, scope: Scope = ENT, product: ghas.Product = "code_security", as_of: dt.datetime = AS_OF
) -> int:
    return ghas.committer_totals(conn, scope, product, as_of=as_of).total_committers


def logins(conn: Connection, scope: Scope = ENT, product: ghas.Product = "code_security") -> list[str]:
    return sorted({p.login for p in ghas.iter_committer_pushes(conn, scope, product, as_of=AS_OF)})


def test_docs_worked_example_50_then_49_then_59_then_20(world: World, conn: Connection) -> None:
    x = world.repo("x")
    for i in range(50):
        world.person(f"dev{i:02}")
        # dev00 is "developer A": their only push is 80 days before AS_OF
        world.push(x, f"dev{i:02}", days_ago=80 if i == 0 else 5)
    assert total(conn) == 50
    # 11 days later developer A's push is more than 90 days old; the other 49 still count
    later = AS_OF + dt.timedelta(days=11)
    assert total(conn, as_of=later) == 49
    y = world.repo("y")
    for i in range(1, 11):  # 10 committers overlap with X
        world.push(y, f"dev{i:02}", days_ago=3)
    for i in range(10):  # 10 new ones
        world.person(f"new{i:02}")
        world.push(y, f"new{i:02}", days_ago=3)
    assert total(conn, as_of=later) == 59
    # Disabling Code Security on X frees its committers from then on (enablement has a history).
    world.ledger.set_repo_products(x, code_security=False, at=later - dt.timedelta(hours=1))
    assert total(conn, as_of=later) == 20
    assert total(conn, as_of=later - dt.timedelta(hours=2)) == 59


def test_a_past_month_uses_the_enablement_of_its_time(world: World, conn: Connection) -> None:
    x = world.repo("x")
    world.person("dev")
    world.push(x, "dev", days_ago=5)
    world.ledger.set_repo_products(x, code_security=False, at=AS_OF - dt.timedelta(days=1))
    assert total(conn) == 0
    assert total(conn, as_of=AS_OF - dt.timedelta(days=2)) == 1
    world.ledger.set_repo_products(x, code_security=True, at=AS_OF - dt.timedelta(hours=1))
    assert total(conn) == 1


def test_committer_counts_once_across_two_repos_of_the_enterprise(world: World, conn: Connection) -> None:
    a, b = world.repo("a"), world.repo("b")
    world.person("ann")
    world.push(a, "ann")
    world.push(b, "ann")
    world.push(b, "ann", days_ago=2)
    totals = ghas.committer_totals(conn, ENT, "code_security", as_of=AS_OF)
    assert (totals.total_committers, totals.total_repositories) == (1, 2)
    repos = list(ghas.iter_repository_committers(conn, ENT, "code_security", as_of=AS_OF))
    assert [(r.repository, r.committers) for r in repos] == [("acme-org/a", 1), ("acme-org/b", 1)]


def test_old_author_date_pushed_recently_counts(world: World, conn: Connection) -> None:
    r = world.repo("r")
    world.person("ann")
    world.push(r, "ann", days_ago=2, authored_days_ago=400)
    assert total(conn) == 1
    (push,) = ghas.iter_committer_pushes(conn, ENT, "code_security", as_of=AS_OF)
    # the CSV shows the author date, not the push date
    assert push.last_pushed_date == (AS_OF - dt.timedelta(days=400)).date()


def test_push_91_days_ago_does_not_count_but_89_days_ago_does(world: World, conn: Connection) -> None:
    r = world.repo("r")
    world.person("old")
    world.person("recent")
    world.push(r, "old", days_ago=91, authored_days_ago=1)
    world.push(r, "recent", days_ago=89)
    assert logins(conn) == ["recent"]


def test_unverified_email_does_not_count_and_is_listed_unresolved(world: World, conn: Connection) -> None:
    r = world.repo("r")
    world.person("ann", verified=False)
    world.push(r, "ann")
    world.push(r, "ann", days_ago=3)
    world.push(r, "stranger@elsewhere.org")
    assert total(conn) == 0
    unresolved = list(iter_unattributed_emails(conn, "acme", as_of=AS_OF))
    assert [(u.email, u.pushes, u.repositories) for u in unresolved] == [
        ("ann@example.com", 2, 1),
        ("stranger@elsewhere.org", 1, 1),
    ]


def test_resolved_emails_are_not_listed_unresolved(world: World, conn: Connection) -> None:
    r = world.repo("r")
    world.person("ann")
    world.person("botty", bot=True)
    world.push(r, "ann")
    world.push(r, "botty")
    assert list(iter_unattributed_emails(conn, "acme", as_of=AS_OF)) == []


def test_email_verified_in_another_enterprise_does_not_resolve(world: World, conn: Connection) -> None:
    other = world.ledger.add_enterprise("other", created_at=LONG_AGO)
    oorg = world.ledger.add_org(other, "other-org", created_at=LONG_AGO)
    uid = world.ledger.add_user(other, "zed", emails=["zed@example.com"], created_at=LONG_AGO)
    world.ledger.add_membership(oorg, uid, started_at=LONG_AGO)
    world.push(world.repo("r"), "zed")
    assert total(conn) == 0
    assert [u.email for u in iter_unattributed_emails(conn, "acme", as_of=AS_OF)] == ["zed@example.com"]


def test_bot_does_not_count(world: World, conn: Connection) -> None:
    r = world.repo("r")
    world.person("dependabot", bot=True)
    world.person("ann")
    world.push(r, "dependabot")
    world.push(r, "ann")
    assert logins(conn) == ["ann"]


def test_public_repository_is_free(world: World, conn: Connection) -> None:
    pub = world.repo("pub", visibility="public")
    internal = world.repo("int", visibility="internal")
    world.person("ann")
    world.person("bob")
    world.push(pub, "ann")
    world.push(internal, "bob")
    assert logins(conn) == ["bob"]


def test_public_repository_counts_on_data_residency(conn: Connection) -> None:
    world = World(conn, data_residency=True)
    pub = world.repo("pub", visibility="public")
    world.person("ann")
    world.push(pub, "ann")
    assert logins(conn) == ["ann"]


def test_billing_manager_without_seat_does_not_count(world: World, conn: Connection) -> None:
    r = world.repo("r")
    world.person("money", role="billing_manager")
    world.person("ann")
    world.push(r, "money")
    world.push(r, "ann")
    assert logins(conn) == ["ann"]


def test_person_in_no_org_of_the_enterprise_does_not_count(world: World, conn: Connection) -> None:
    r = world.repo("r")
    world.person("loner", org=None)
    world.push(r, "loner")
    assert total(conn) == 0


def test_suspended_user_does_not_count(world: World, conn: Connection) -> None:
    r = world.repo("r")
    world.person("gone", suspended_at=AS_OF - dt.timedelta(days=10))
    world.push(r, "gone", days_ago=20)
    assert total(conn) == 0
    # before the suspension they counted: the rule is evaluated at as_of
    assert total(conn, as_of=AS_OF - dt.timedelta(days=15)) == 1


def test_outside_collaborator_counts(world: World, conn: Connection) -> None:
    r = world.repo("r")
    uid = world.person("outsider", org=None)
    world.ledger.add_collaborator(r, uid, started_at=LONG_AGO)
    world.push(r, "outsider")
    assert logins(conn) == ["outsider"]


def test_pending_invitee_holds_a_seat_and_counts(world: World, conn: Connection) -> None:
    r = world.repo("r")
    uid = world.person("newbie", org=None)
    world.ledger.add_invitation(
        world.orgs["acme-org"], user_id=uid, login="newbie", created_at=AS_OF - dt.timedelta(days=3)
    )
    world.push(r, "newbie")
    assert logins(conn) == ["newbie"]


def test_enterprise_owner_in_no_org_does_not_count(world: World, conn: Connection) -> None:
    r = world.repo("r")
    uid = world.person("boss", org=None)
    world.ledger.add_enterprise_role(world.eid, uid, "owner", started_at=LONG_AGO)
    world.push(r, "boss")
    assert total(conn) == 0


def test_secret_protection_and_code_security_are_counted_separately(world: World, conn: Connection) -> None:
    both = world.repo("both", cs=True, sp=True)
    cs_only = world.repo("cs-only", cs=True, sp=False)
    sp_only = world.repo("sp-only", cs=False, sp=True)
    for login in ("ann", "bob", "cat"):
        world.person(login)
    world.push(both, "ann")  # one of each
    world.push(cs_only, "bob")
    world.push(sp_only, "cat")
    assert logins(conn, product="code_security") == ["ann", "bob"]
    assert logins(conn, product="secret_protection") == ["ann", "cat"]


def test_unknown_product_is_invalid_input(world: World, conn: Connection) -> None:
    with pytest.raises(InvalidInput, match="advanced_security_product"):
        ghas.committer_totals(conn, ENT, "ghas", as_of=AS_OF)  # type: ignore[arg-type]


def test_unique_committers_are_those_disabling_the_repo_would_free(world: World, conn: Connection) -> None:
    a, b, off = world.repo("a"), world.repo("b"), world.repo("off", cs=False)
    for login in ("ann", "bob", "cat"):
        world.person(login)
    world.push(a, "ann")
    world.push(a, "bob")
    world.push(b, "bob")
    world.push(b, "cat")
    world.push(off, "cat")  # a repository without the product does not make cat non-unique
    repos = {r.repository: r for r in ghas.iter_repository_committers(conn, ENT, "code_security", as_of=AS_OF)}
    assert (repos["acme-org/a"].committers, repos["acme-org/a"].unique_committers) == (2, 1)
    assert (repos["acme-org/b"].committers, repos["acme-org/b"].unique_committers) == (2, 1)
    assert "acme-org/off" not in repos


def test_unique_committers_look_at_the_whole_enterprise_even_in_org_scope(world: World, conn: Connection) -> None:
    world.org("beta")
    a = world.repo("a")
    b = world.repo("b", owner="beta")
    world.person("ann")
    world.push(a, "ann")
    world.push(b, "ann")
    (repo,) = ghas.iter_repository_committers(conn, Scope.org("acme-org"), "code_security", as_of=AS_OF)
    assert (repo.repository, repo.committers, repo.unique_committers) == ("acme-org/a", 1, 0)


def test_maximum_counts_as_if_every_private_and_internal_repo_enabled_it(world: World, conn: Connection) -> None:
    on = world.repo("on")
    off = world.repo("off", cs=False, visibility="internal")
    pub = world.repo("pub", cs=False, visibility="public")
    for login in ("ann", "bob", "cat"):
        world.person(login)
    world.push(on, "ann")
    world.push(off, "bob")
    world.push(pub, "cat")
    totals = ghas.committer_totals(conn, ENT, "code_security", as_of=AS_OF)
    assert (totals.total_committers, totals.maximum_committers) == (1, 2)


def test_volume_purchase_and_over_limit(world: World, conn: Connection) -> None:
    world.ledger.set_product(world.eid, "code_security", billing="volume", purchased=1)
    r = world.repo("r")
    for login in ("ann", "bob"):
        world.person(login)
        world.push(r, login)
    totals = ghas.committer_totals(conn, ENT, "code_security", as_of=AS_OF)
    assert (totals.billing, totals.purchased, totals.over_limit) == ("volume", 1, 1)
    sp = ghas.committer_totals(conn, ENT, "secret_protection", as_of=AS_OF)
    assert (sp.billing, sp.purchased, sp.over_limit) == ("metered", 0, 0)


def test_scopes_filter_by_org_user_namespace_and_repository(world: World, conn: Connection) -> None:
    world.org("beta")
    a1, a2 = world.repo("a1"), world.repo("a2")
    b1 = world.repo("b1", owner="beta")
    ns = world.repo("scratch", owner="ann", namespace=True)
    for login in ("ann", "bob", "cat", "dan"):
        world.person(login)
    world.push(a1, "ann")
    world.push(a2, "bob")
    world.push(b1, "cat")
    world.push(ns, "dan")
    assert logins(conn) == ["ann", "bob", "cat", "dan"]
    assert logins(conn, Scope.org("acme-org")) == ["ann", "bob"]
    assert logins(conn, Scope.org("beta")) == ["cat"]
    assert logins(conn, Scope.user_namespace("ann")) == ["dan"]
    assert logins(conn, Scope.repo("acme-org/a2")) == ["bob"]
    assert total(conn, Scope.org("acme-org")) == 2
    assert total(conn, Scope.repo("ann/scratch")) == 1


def test_unknown_scope_is_not_found(world: World, conn: Connection) -> None:
    with pytest.raises(NotFound):
        ghas.committer_totals(conn, Scope.org("nope"), "code_security", as_of=AS_OF)


def test_csv_rows_take_latest_author_date_and_its_email_per_person_and_repo(world: World, conn: Connection) -> None:
    r, s = world.repo("r"), world.repo("s")
    uid = world.person("ann")
    world.ledger.add_email(uid, "ann@work.example")
    world.person("bob")
    world.push(r, "ann@example.com", days_ago=2, authored_days_ago=30)
    world.push(r, "ann@work.example", days_ago=50, authored_days_ago=10)  # latest author date wins
    world.push(s, "ann@example.com", days_ago=1)
    world.push(r, "bob", days_ago=4)
    rows = list(ghas.iter_committer_pushes(conn, ENT, "code_security", as_of=AS_OF))
    d = lambda days: (AS_OF - dt.timedelta(days=days)).date()  # noqa: E731
    assert [(p.login, p.repository, p.last_pushed_date, p.last_pushed_email) for p in rows] == [
        ("ann", "acme-org/r", d(10), "ann@work.example"),
        ("ann", "acme-org/s", d(1), "ann@example.com"),
        ("bob", "acme-org/r", d(4), "bob@example.com"),
    ]


def test_same_author_date_breaks_the_tie_by_sha(world: World, conn: Connection) -> None:
    r = world.repo("r")
    uid = world.person("ann")
    world.ledger.add_email(uid, "ann@work.example")
    first = world.push(r, "ann@example.com", days_ago=3, authored_days_ago=5)
    second = world.push(r, "ann@work.example", days_ago=3, authored_days_ago=5)
    assert second > first
    (row,) = ghas.iter_committer_pushes(conn, ENT, "code_security", as_of=AS_OF)
    assert row.last_pushed_email == "ann@work.example"


def test_latest_push_skips_later_authored_commits_pushed_outside_the_window(world: World, conn: Connection) -> None:
    # The latest commit is looked up per (email, repository) newest author date first: the
    # newer-authored commits pushed after as_of or before the window must be passed over.
    r = world.repo("r")
    world.person("ann")
    world.push(r, "ann", days_ago=-1, authored_days_ago=0)  # pushed after as_of
    world.push(r, "ann", days_ago=95, authored_days_ago=2)  # pushed before the window
    world.push(r, "ann", days_ago=3, authored_days_ago=6)
    world.push(r, "ann", days_ago=4, authored_days_ago=7)
    (row,) = ghas.iter_committer_pushes(conn, ENT, "code_security", as_of=AS_OF)
    assert row.last_pushed_date == (AS_OF - dt.timedelta(days=6)).date()
    (repo,) = ghas.iter_repository_committers(conn, ENT, "code_security", as_of=AS_OF)
    assert [p.last_pushed_date for p in repo.breakdown] == [row.last_pushed_date]


def test_repository_breakdown_pages_over_repositories(world: World, conn: Connection) -> None:
    repos = [world.repo(f"r{i}") for i in range(5)]
    for login in ("ann", "bob"):
        world.person(login)
    for i, rid in enumerate(repos):
        world.push(rid, "ann")
        if i % 2:
            world.push(rid, "bob")
    page = list(ghas.iter_repository_committers(conn, ENT, "code_security", as_of=AS_OF, offset=1, limit=2))
    assert [(r.repository, r.committers) for r in page] == [("acme-org/r1", 2), ("acme-org/r2", 1)]
    assert [p.login for p in page[0].breakdown] == ["ann", "bob"]
    assert all(p.repository == "acme-org/r1" for p in page[0].breakdown)


def test_namespace_committers_with_unique_per_org_and_user_namespace(world: World, conn: Connection) -> None:
    world.org("beta")
    a1, a2 = world.repo("a1"), world.repo("a2")
    b1 = world.repo("b1", owner="beta")
    ns = world.repo("scratch", owner="dan", namespace=True)
    for login in ("ann", "bob", "dan"):
        world.person(login)
    world.push(a1, "ann")
    world.push(a2, "ann")  # two repos of one org: still unique to the org
    world.push(a1, "bob")
    world.push(b1, "bob")
    world.push(ns, "dan")
    rows = list(ghas.iter_namespace_committers(conn, "acme", "code_security", as_of=AS_OF))
    assert [(r.organization, r.kind, r.committers, r.unique_committers) for r in rows] == [
        ("acme-org", "organization", 2, 1),
        ("beta", "organization", 1, 0),
        ("dan", "user_namespace", 1, 1),
    ]


def test_repository_breakdowns_stay_with_their_repository_across_chunks(
    world: World, conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ghas, "BREAKDOWN_CHUNK", 2)
    repos = [world.repo(f"r{i}") for i in range(5)]
    for i in range(5):
        world.person(f"p{i}")
    for i, rid in enumerate(repos):
        for j in range(i + 1):  # r0 has p0; r4 has p0..p4
            world.push(rid, f"p{j}")
    got = list(ghas.iter_repository_committers(conn, ENT, "code_security", as_of=AS_OF))
    assert [(r.repository, r.committers, [p.login for p in r.breakdown]) for r in got] == [
        (f"acme-org/r{i}", i + 1, [f"p{j}" for j in range(i + 1)]) for i in range(5)
    ]
    assert all(p.repository == r.repository for r in got for p in r.breakdown)


def test_repository_counts_without_breakdowns_equal_those_with(world: World, conn: Connection) -> None:
    repos = [world.repo(f"r{i}") for i in range(4)]
    for login in ("ann", "bob", "cat"):
        world.person(login)
    for i, rid in enumerate(repos):
        world.push(rid, "ann")
        if i % 2:
            world.push(rid, "bob", days_ago=95 if i == 3 else 3)
        if i == 2:
            world.push(rid, "cat")
    for scope in (ENT, Scope.org("acme-org")):
        full = list(ghas.iter_repository_committers(conn, scope, "code_security", as_of=AS_OF))
        counts = list(ghas.iter_repository_committers(conn, scope, "code_security", as_of=AS_OF, breakdowns=False))
        assert [(r.repository, r.committers, r.unique_committers) for r in counts] == [
            (r.repository, r.committers, r.unique_committers) for r in full
        ]
        assert all(r.breakdown == () for r in counts) and any(r.breakdown for r in full)
