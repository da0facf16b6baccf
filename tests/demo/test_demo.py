"""The demo enterprise: deterministic per seed, and it holds every kind of entity the
counting rules distinguish."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import create_engine, migrate
from seatledger.db import tables as t
from seatledger.demo import build_demo
from seatledger.errors import InvalidInput
from tests.conftest import PG_ADMIN_URL, service_missing

ANCHOR = dt.datetime(2026, 6, 15)

SAMPLES = {
    "users": sa.select(t.users.c.login, t.users.c.name, t.users.c.saml_name_id, t.users.c.dormant),
    "repositories": sa.select(t.repositories.c.owner_login, t.repositories.c.name, t.repositories.c.visibility),
    "commits": sa.select(t.commits.c.sha, t.commits.c.author_email, t.commits.c.author_date, t.commits.c.pushed_at),
    "server_accounts": sa.select(t.server_accounts.c.login, t.server_accounts.c.primary_email),
    "copilot_seats": sa.select(t.copilot_seats.c.plan, t.copilot_seats.c.last_activity_at),
}


def _fingerprint(engine: Engine) -> tuple[dict[str, int], dict[str, list[tuple[object, ...]]]]:
    with engine.connect() as conn:
        counts = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
            if table.name in {*SAMPLES, "org_memberships", "invitations", "user_emails", "vs_subscriptions"}
        }
        samples = {
            name: [tuple(r) for r in conn.execute(query.order_by(query.selected_columns[0]).limit(25))]
            for name, query in SAMPLES.items()
        }
    return counts, samples


def _built(tmp_path: Path, name: str, seed: int) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / name}.db")
    migrate(engine)
    build_demo(engine, size="small", seed=seed, anchor=ANCHOR)
    return engine


def test_same_seed_builds_the_same_ledger_and_another_seed_a_different_one(tmp_path: Path) -> None:
    first, again, other = (_built(tmp_path, n, s) for n, s in (("a", 7), ("b", 7), ("c", 8)))
    assert _fingerprint(first) == _fingerprint(again)
    counts, samples = _fingerprint(other)
    assert samples != _fingerprint(first)[1]
    assert counts["commits"] == _fingerprint(first)[0]["commits"]  # the size fixes the commit count


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One small demo per database, built once for the read-only tests of this module."""
    if request.param == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'ledger.db'}")
        migrate(engine)
        build_demo(engine, size="small", seed=1, anchor=ANCHOR)
        yield engine
        engine.dispose()
        return
    try:
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        service_missing("PostgreSQL", str(exc).splitlines()[0])
    name = f"seatledger_test_demo_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    try:
        migrate(engine)
        build_demo(engine, size="small", seed=1, anchor=ANCHOR)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _count(engine: Engine, query: sa.Select) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())


def test_small_demo_has_orgs_of_different_ages_org_teams_and_an_enterprise_team(demo: Engine) -> None:
    o, tm = t.organizations, t.teams
    assert _count(demo, sa.select(o.c.created_at).distinct()) >= 3
    assert _count(demo, sa.select(tm.c.id).where(tm.c.organization_id.is_not(None))) >= 3
    assert _count(demo, sa.select(tm.c.id).where(tm.c.organization_id.is_(None))) == 1


def test_small_demo_has_owners_billing_managers_members_and_a_setup_user(demo: Engine) -> None:
    er, om, e = t.enterprise_roles, t.org_memberships, t.enterprises
    in_an_org = sa.select(om.c.user_id).where(om.c.ended_at.is_(None), om.c.role != "billing_manager")
    owner_in_no_org = sa.select(er.c.user_id).where(er.c.role == "owner", er.c.user_id.not_in(in_an_org))
    setup_user = sa.select(e.c.setup_user_id).scalar_subquery()
    assert _count(demo, owner_in_no_org.where(er.c.user_id != setup_user)) >= 1
    assert _count(demo, sa.select(er.c.id).where(er.c.role == "billing_manager")) >= 1
    assert _count(demo, sa.select(om.c.id).where(om.c.role == "billing_manager")) >= 1
    assert _count(demo, sa.select(om.c.id).where(om.c.role == "owner")) >= 2
    assert _count(demo, sa.select(om.c.id).where(om.c.role == "member")) >= 100
    assert _count(demo, sa.select(om.c.id).where(om.c.ended_at.is_not(None))) >= 1
    assert _count(demo, sa.select(e.c.id).where(e.c.setup_user_id.is_not(None))) == 1


def test_small_demo_has_suspended_dormant_bot_and_unverified_email_accounts(demo: Engine) -> None:
    u, ue = t.users, t.user_emails
    assert _count(demo, sa.select(u.c.id).where(u.c.suspended_at.is_not(None))) >= 1
    assert _count(demo, sa.select(u.c.id).where(u.c.dormant.is_(True))) >= 1
    assert _count(demo, sa.select(u.c.id).where(u.c.is_bot.is_(True), u.c.login == "dependabot[bot]")) == 1
    assert _count(demo, sa.select(ue.c.id).where(ue.c.verified.is_(False))) >= 1


def test_small_demo_has_outside_collaborators_on_private_and_on_public_repos(demo: Engine) -> None:
    rc, r, om = t.repo_collaborators, t.repositories, t.org_memberships
    members = sa.select(om.c.user_id)
    for visibility in ("private", "public"):
        q = sa.select(rc.c.user_id).join(r, r.c.id == rc.c.repository_id).where(
            r.c.visibility == visibility, rc.c.user_id.not_in(members))
        assert _count(demo, q) >= 1, visibility


def test_small_demo_has_every_kind_of_invitation(demo: Engine) -> None:
    i, r = t.invitations, t.repositories
    pending = i.c.status == "pending"
    assert _count(demo, sa.select(i.c.id).where(pending, i.c.role == "member", i.c.invitee_login.is_not(None))) >= 1
    assert _count(demo, sa.select(i.c.id).where(pending, i.c.role == "member", i.c.invitee_email.is_not(None))) >= 1
    assert _count(demo, sa.select(i.c.id).where(pending, i.c.role == "owner")) >= 1
    assert _count(demo, sa.select(i.c.id).where(pending, i.c.role == "billing_manager")) >= 1
    for visibility in ("private", "public"):
        q = sa.select(i.c.id).join(r, r.c.id == i.c.repository_id).where(
            pending, i.c.role == "collaborator", r.c.visibility == visibility)
        assert _count(demo, q) >= 1, visibility
    assert _count(demo, sa.select(i.c.id).where(i.c.status == "failed")) >= 1
    assert _count(demo, sa.select(i.c.id).where(i.c.status == "accepted", i.c.resolved_at.is_not(None))) >= 1


def test_small_demo_has_two_servers_with_saml_email_and_server_only_people(demo: Engine) -> None:
    sa_, u, ue = t.server_accounts, t.users, t.user_emails
    assert _count(demo, sa.select(t.server_instances.c.id)) == 2
    by_saml = sa.select(sa_.c.id).join(u, u.c.saml_name_id == sa_.c.primary_email)
    by_email = sa.select(sa_.c.id).join(ue, (ue.c.email == sa_.c.primary_email) & ue.c.verified.is_(True))
    known = sa.union(  # NOT IN over a NULL would exclude everything
        sa.select(u.c.saml_name_id.label("e")).where(u.c.saml_name_id.is_not(None)), sa.select(ue.c.email.label("e")))
    server_only = sa.select(sa_.c.primary_email).where(sa_.c.primary_email.not_in(known), sa_.c.login != "scim-admin")
    assert _count(demo, by_saml) >= 1
    assert _count(demo, by_email) >= 1
    assert _count(demo, server_only) >= 1
    on_both = sa.select(sa_.c.primary_email).group_by(sa_.c.primary_email).having(
        sa.func.count(sa.distinct(sa_.c.server_instance_id)) == 2)
    assert _count(demo, on_both.where(sa_.c.primary_email.not_in(known))) >= 1
    assert _count(demo, sa.select(sa_.c.id).where(sa_.c.login == "scim-admin", sa_.c.is_scim_setup_user)) == 2
    assert _count(demo, sa.select(sa_.c.id).where(sa_.c.suspended.is_(True))) >= 1
    assert _count(demo, sa.select(t.license_sync_events.c.id).where(t.license_sync_events.c.status == "failure")) == 1


def test_small_demo_has_matched_and_unmatched_visual_studio_subscribers(demo: Engine) -> None:
    vs, ue = t.vs_subscriptions, t.user_emails
    verified = sa.select(ue.c.email).where(ue.c.verified.is_(True))
    assert _count(demo, sa.select(vs.c.id).where(vs.c.subscriber_email.in_(verified))) >= 1
    assert _count(demo, sa.select(vs.c.id).where(vs.c.subscriber_email.not_in(verified))) >= 1


def test_small_demo_has_repos_of_every_visibility_user_namespaces_and_advanced_security(demo: Engine) -> None:
    r = t.repositories
    for visibility in ("public", "private", "internal"):
        assert _count(demo, sa.select(r.c.id).where(r.c.visibility == visibility)) >= 1, visibility
    assert _count(demo, sa.select(r.c.id).where(r.c.organization_id.is_(None), r.c.owner_user_id.is_not(None))) >= 1
    total = _count(demo, sa.select(r.c.id))
    for column in (r.c.secret_protection_enabled, r.c.code_security_enabled):
        enabled = _count(demo, sa.select(r.c.id).where(column.is_(True)))
        assert 0 < enabled < total


def test_small_demo_commits_are_skewed_pushed_in_120_days_and_some_authored_long_before(demo: Engine) -> None:
    c = t.commits
    with demo.connect() as conn:
        first, last = conn.execute(sa.select(sa.func.min(c.c.pushed_at), sa.func.max(c.c.pushed_at))).one()
        per_author = sorted(conn.execute(
            sa.select(sa.func.count()).select_from(c).group_by(c.c.author_email)).scalars(), reverse=True)
        lags = [pushed - authored for authored, pushed in conn.execute(sa.select(c.c.author_date, c.c.pushed_at))]
    assert ANCHOR - dt.timedelta(days=120) <= first and last <= ANCHOR
    assert min(lags) >= dt.timedelta(0)  # pushed at or after it was authored
    assert max(lags) > dt.timedelta(days=90)  # some authored long before the push
    assert per_author[0] >= 10 * per_author[len(per_author) // 2]  # a few heavy committers, a long tail
    known = sa.select(t.user_emails.c.email)
    assert _count(demo, sa.select(c.c.id).where(c.c.author_email.not_in(known))) >= 1


def test_small_demo_has_copilot_seats_of_both_plans_with_varied_activity(demo: Engine) -> None:
    cs = t.copilot_seats
    for plan in ("business", "enterprise"):
        assert _count(demo, sa.select(cs.c.id).where(cs.c.plan == plan)) >= 1, plan
    assert _count(demo, sa.select(cs.c.id).where(cs.c.last_activity_at.is_(None))) >= 1
    idle = cs.c.last_activity_at < ANCHOR - dt.timedelta(days=90)
    assert _count(demo, sa.select(cs.c.id).where(idle)) >= 1
    assert _count(demo, sa.select(cs.c.id).where(cs.c.pending_cancellation_date.is_not(None))) >= 1


def test_small_demo_has_cost_centers_and_products_bought_by_volume_and_metered(demo: Engine) -> None:
    ccr, ep = t.cost_center_resources, t.enterprise_products
    for kind in ("User", "Org", "Repo"):
        assert _count(demo, sa.select(ccr.c.id).where(ccr.c.resource_type == kind)) >= 1, kind
    assert _count(demo, sa.select(t.cost_centers.c.id).where(t.cost_centers.c.deleted_at.is_not(None))) == 1
    volume = sa.select(ep.c.id).where(ep.c.product == "enterprise", ep.c.billing == "volume", ep.c.purchased > 0,
                                      ep.c.expires_at.is_not(None))
    assert _count(demo, volume) == 1
    assert _count(demo, sa.select(ep.c.id).where(ep.c.product == "secret_protection", ep.c.billing == "metered")) == 1


def test_demo_matches_server_accounts_and_subscribers_after_building(demo: Engine) -> None:
    sa_, vs = t.server_accounts, t.vs_subscriptions
    for rule in ("saml", "verified_email"):
        assert _count(demo, sa.select(sa_.c.id).where(sa_.c.match_rule == rule)) >= 1, rule
    assert _count(demo, sa.select(vs.c.id).where(vs.c.matched_user_id.is_not(None))) >= 1


def test_demo_refuses_an_enterprise_slug_that_exists_and_builds_beside_another(engine: Engine) -> None:
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    with pytest.raises(InvalidInput, match="already exists"):
        build_demo(engine, size="small", seed=2, anchor=ANCHOR)
    build_demo(engine, size="small", seed=1, slug="globex", anchor=ANCHOR)
    assert _count(engine, sa.select(t.enterprises.c.id)) == 2


def test_managed_demo_is_an_emu_enterprise_with_suffixed_logins_and_scim_names(engine: Engine) -> None:
    build_demo(engine, size="small", seed=1, slug="initech", managed=True, anchor=ANCHOR)
    u = t.users
    assert _count(engine, sa.select(t.enterprises.c.id).where(t.enterprises.c.account_type == "managed")) == 1
    humans = sa.select(u.c.id).where(u.c.is_bot.is_(False))
    assert _count(engine, humans.where(u.c.login.not_like("%\\_initech", escape="\\"))) == 0
    assert _count(engine, humans.where(u.c.scim_user_name.is_(None))) == 0


def test_unknown_size_is_refused_with_the_sizes_named() -> None:
    with pytest.raises(InvalidInput, match="small, medium, large"):
        build_demo(create_engine("sqlite://"), size="huge")
