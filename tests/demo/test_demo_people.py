"""The demo's people: organizations of different ages with teams, every role, and accounts that are
suspended, dormant, bots or have an unverified email."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from tests.demo.demo_ledger import count


def test_small_demo_has_orgs_of_different_ages_org_teams_and_an_enterprise_team(demo: Engine) -> None:
    o, tm = t.organizations, t.teams
    assert count(demo, sa.select(o.c.created_at).distinct()) >= 3
    assert count(demo, sa.select(tm.c.id).where(tm.c.organization_id.is_not(None))) >= 3
    assert count(demo, sa.select(tm.c.id).where(tm.c.organization_id.is_(None))) == 1


def test_small_demo_has_owners_billing_managers_members_and_a_setup_user(demo: Engine) -> None:
    er, om, e = t.enterprise_roles, t.org_memberships, t.enterprises
    in_an_org = sa.select(om.c.user_id).where(om.c.ended_at.is_(None), om.c.role != "billing_manager")
    owner_in_no_org = sa.select(er.c.user_id).where(er.c.role == "owner", er.c.user_id.not_in(in_an_org))
    setup_user = sa.select(e.c.setup_user_id).scalar_subquery()
    assert count(demo, owner_in_no_org.where(er.c.user_id != setup_user)) >= 1
    assert count(demo, sa.select(er.c.id).where(er.c.role == "billing_manager")) >= 1
    assert count(demo, sa.select(om.c.id).where(om.c.role == "billing_manager")) >= 1
    assert count(demo, sa.select(om.c.id).where(om.c.role == "owner")) >= 2
    assert count(demo, sa.select(om.c.id).where(om.c.role == "member")) >= 100
    assert count(demo, sa.select(om.c.id).where(om.c.ended_at.is_not(None))) >= 1
    assert count(demo, sa.select(e.c.id).where(e.c.setup_user_id.is_not(None))) == 1


def test_small_demo_has_suspended_dormant_bot_and_unverified_email_accounts(demo: Engine) -> None:
    u, ue = t.users, t.user_emails
    assert count(demo, sa.select(u.c.id).where(u.c.suspended_at.is_not(None))) >= 1
    assert count(demo, sa.select(u.c.id).where(u.c.dormant.is_(True))) >= 1
    assert count(demo, sa.select(u.c.id).where(u.c.is_bot.is_(True), u.c.login == "dependabot[bot]")) == 1
    assert count(demo, sa.select(ue.c.id).where(ue.c.verified.is_(False))) >= 1
