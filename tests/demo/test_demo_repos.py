"""The demo's repositories: every visibility, user namespaces, Advanced Security on some,
outside collaborators and every kind of invitation."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from tests.demo.demo_ledger import count


def test_small_demo_has_outside_collaborators_on_private_and_on_public_repos(demo: Engine) -> None:
    rc, r, om = t.repo_collaborators, t.repositories, t.org_memberships
    members = sa.select(om.c.user_id)
    for visibility in ("private", "public"):
        q = (
            sa.select(rc.c.user_id)
            .join(r, r.c.id == rc.c.repository_id)
            .where(r.c.visibility == visibility, rc.c.user_id.not_in(members))
        )
        assert count(demo, q) >= 1, visibility


def test_small_demo_has_every_kind_of_invitation(demo: Engine) -> None:
    i, r = t.invitations, t.repositories
    pending = i.c.status == "pending"
    assert count(demo, sa.select(i.c.id).where(pending, i.c.role == "member", i.c.invitee_login.is_not(None))) >= 1
    assert count(demo, sa.select(i.c.id).where(pending, i.c.role == "member", i.c.invitee_email.is_not(None))) >= 1
    assert count(demo, sa.select(i.c.id).where(pending, i.c.role == "owner")) >= 1
    assert count(demo, sa.select(i.c.id).where(pending, i.c.role == "billing_manager")) >= 1
    for visibility in ("private", "public"):
        q = (
            sa.select(i.c.id)
            .join(r, r.c.id == i.c.repository_id)
            .where(pending, i.c.role == "collaborator", r.c.visibility == visibility)
        )
        assert count(demo, q) >= 1, visibility
    assert count(demo, sa.select(i.c.id).where(i.c.status == "failed")) >= 1
    assert count(demo, sa.select(i.c.id).where(i.c.status == "accepted", i.c.resolved_at.is_not(None))) >= 1


def test_small_demo_has_repos_of_every_visibility_user_namespaces_and_advanced_security(demo: Engine) -> None:
    r = t.repositories
    for visibility in ("public", "private", "internal"):
        assert count(demo, sa.select(r.c.id).where(r.c.visibility == visibility)) >= 1, visibility
    assert count(demo, sa.select(r.c.id).where(r.c.organization_id.is_(None), r.c.owner_user_id.is_not(None))) >= 1
    total = count(demo, sa.select(r.c.id))
    for column in (r.c.secret_protection_enabled, r.c.code_security_enabled):
        enabled = count(demo, sa.select(r.c.id).where(column.is_(True)))
        assert 0 < enabled < total
