"""The demo's servers and Visual Studio subscribers: two instances whose accounts match people
by SAML or email or by nobody, a failed license sync; subscribers matched and not."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from tests.demo.demo_ledger import count


def test_small_demo_has_two_servers_with_saml_email_and_server_only_people(demo: Engine) -> None:
    sa_, u, ue = t.server_accounts, t.users, t.user_emails
    assert count(demo, sa.select(t.server_instances.c.id)) == 2
    by_saml = sa.select(sa_.c.id).join(u, u.c.saml_name_id == sa_.c.primary_email)
    by_email = sa.select(sa_.c.id).join(ue, (ue.c.email == sa_.c.primary_email) & ue.c.verified.is_(True))
    known = sa.union(  # NOT IN over a NULL would exclude everything
        sa.select(u.c.saml_name_id.label("e")).where(u.c.saml_name_id.is_not(None)), sa.select(ue.c.email.label("e"))
    )
    server_only = sa.select(sa_.c.primary_email).where(sa_.c.primary_email.not_in(known), sa_.c.login != "scim-admin")
    assert count(demo, by_saml) >= 1
    assert count(demo, by_email) >= 1
    assert count(demo, server_only) >= 1
    on_both = (
        sa.select(sa_.c.primary_email)
        .group_by(sa_.c.primary_email)
        .having(sa.func.count(sa.distinct(sa_.c.server_instance_id)) == 2)
    )
    assert count(demo, on_both.where(sa_.c.primary_email.not_in(known))) >= 1
    assert count(demo, sa.select(sa_.c.id).where(sa_.c.login == "scim-admin", sa_.c.is_scim_setup_user)) == 2
    assert count(demo, sa.select(sa_.c.id).where(sa_.c.suspended.is_(True))) >= 1
    assert count(demo, sa.select(t.license_sync_events.c.id).where(t.license_sync_events.c.status == "failure")) == 1


def test_small_demo_has_matched_and_unmatched_visual_studio_subscribers(demo: Engine) -> None:
    vs, ue = t.vs_subscriptions, t.user_emails
    verified = sa.select(ue.c.email).where(ue.c.verified.is_(True))
    assert count(demo, sa.select(vs.c.id).where(vs.c.subscriber_email.in_(verified))) >= 1
    assert count(demo, sa.select(vs.c.id).where(vs.c.subscriber_email.not_in(verified))) >= 1
