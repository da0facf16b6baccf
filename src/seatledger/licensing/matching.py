"""Matching server accounts and Visual Studio subscribers to cloud people (spec 2.1).

Order for a server account: its primary email, (1) against the SAML/SCIM attributes of cloud
accounts (SAML NameID, SCIM userName; case-insensitive) when the enterprise uses SAML, then
(2) against verified emails. Server accounts on several instances with the same primary email
are one person (the seat rules group unmatched accounts by primary email). A VS subscriber
matches the cloud account whose verified email equals the UPN (EMU: SCIM userName or SAML
NameID); a manual match (match_rule='manual') is kept. An unverified email never matches.

Every step is one set-based UPDATE, so a re-match of 100,000 accounts is a few statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import NotFound

RULE_SAML = "saml"
RULE_VERIFIED_EMAIL = "verified_email"
RULE_SCIM = "scim"  # EMU Visual Studio match: UPN = SCIM userName or SAML NameID
RULE_MANUAL = "manual"


@dataclass(frozen=True)
class MatchResult:
    server_accounts_matched_saml: int
    server_accounts_matched_email: int
    server_accounts_unmatched: int
    vs_matched: int
    vs_unmatched: int
    server_accounts_matched_manual: int = 0


def _in_enterprise(user: sa.FromClause, enterprise_id: int) -> sa.ColumnElement[bool]:
    """The account belongs to the enterprise, written so that no index can serve it: right
    after a bulk import the planner has no statistics, believes an enterprise has a handful
    of users, and would walk all of them for every account matched (N x N)."""
    return user.c.enterprise_id + 0 == enterprise_id


def _identity_match(enterprise_id: int, email: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """The cloud account whose SAML NameID or SCIM userName is ``email`` (case-insensitive)."""
    u = t.users

    def by(attribute: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
        # lower(attribute) has an expression index (migration 0002_seat_indexes); the email is
        # lower()ed too so that SQLite compares two expressions (a bare TEXT column would
        # impose its affinity on the comparison and the index could not be used).
        return (
            sa.select(sa.func.min(u.c.id))
            .where(sa.func.lower(attribute) == sa.func.lower(email), _in_enterprise(u, enterprise_id))
            .scalar_subquery()
        )

    return sa.func.coalesce(by(u.c.saml_name_id), by(u.c.scim_user_name))


def _verified_email_match(enterprise_id: int, email: sa.ColumnElement[Any]) -> sa.ScalarSelect[Any]:
    """The cloud account with ``email`` among its verified emails."""
    u, ue = t.users, t.user_emails
    return (
        sa.select(sa.func.min(ue.c.user_id))
        .select_from(ue.join(u, u.c.id == ue.c.user_id))
        .where(ue.c.email == email, ue.c.verified == sa.true(), _in_enterprise(u, enterprise_id))
        .scalar_subquery()
    )


def _match(
    conn: Connection,
    table: sa.Table,
    scope: sa.ColumnElement[bool],
    email: sa.ColumnElement[Any],
    found: sa.ColumnElement[Any],
    rule: str,
) -> None:
    """Set the match of every still-unmatched row in scope whose ``email`` finds an account."""
    conn.execute(
        sa.update(table)
        .where(scope, table.c.match_rule.is_(None), email.is_not(None), found.is_not(None))
        .values(matched_user_id=found, match_rule=rule)
    )


def rematch(conn: Connection, enterprise_id: int) -> MatchResult:
    """Recompute every match for the enterprise; importers call this after writing."""
    e = t.enterprises
    row = conn.execute(sa.select(e.c.uses_saml, e.c.account_type).where(e.c.id == enterprise_id)).first()
    if row is None:
        raise NotFound(f"no enterprise with id {enterprise_id}")
    sa_, si, vs = t.server_accounts, t.server_instances, t.vs_subscriptions

    # Server accounts of the enterprise's instances.
    instances = sa.select(si.c.id).where(si.c.enterprise_id == enterprise_id).scalar_subquery()
    in_servers = sa_.c.server_instance_id.in_(instances)
    not_manual = sa.or_(sa_.c.match_rule.is_(None), sa_.c.match_rule != RULE_MANUAL)
    conn.execute(sa.update(sa_).where(in_servers, not_manual).values(matched_user_id=None, match_rule=None))
    if row.uses_saml:
        _match(
            conn, sa_, in_servers, sa_.c.primary_email, _identity_match(enterprise_id, sa_.c.primary_email), RULE_SAML
        )
    _match(
        conn,
        sa_,
        in_servers,
        sa_.c.primary_email,
        _verified_email_match(enterprise_id, sa_.c.primary_email),
        RULE_VERIFIED_EMAIL,
    )

    # Visual Studio subscribers: UPN = a verified email; EMU: UPN = SCIM userName / SAML NameID.
    in_enterprise = vs.c.enterprise_id == enterprise_id
    vs_not_manual = sa.or_(vs.c.match_rule.is_(None), vs.c.match_rule != RULE_MANUAL)
    conn.execute(sa.update(vs).where(in_enterprise, vs_not_manual).values(matched_user_id=None, match_rule=None))
    if row.account_type == "managed":
        _match(
            conn,
            vs,
            in_enterprise,
            vs.c.subscriber_email,
            _identity_match(enterprise_id, vs.c.subscriber_email),
            RULE_SCIM,
        )
    else:
        _match(
            conn,
            vs,
            in_enterprise,
            vs.c.subscriber_email,
            _verified_email_match(enterprise_id, vs.c.subscriber_email),
            RULE_VERIFIED_EMAIL,
        )

    Ledger(conn).bump_version(enterprise_id)
    counts = {
        rule: int(n)
        for rule, n in conn.execute(
            sa.select(sa.func.coalesce(sa_.c.match_rule, ""), sa.func.count())
            .where(in_servers)
            .group_by(sa_.c.match_rule)
        )
    }
    vs_counts = {
        bool(matched): int(n)
        for matched, n in conn.execute(
            sa.select(vs.c.matched_user_id.is_not(None), sa.func.count())
            .where(in_enterprise)
            .group_by(vs.c.matched_user_id.is_not(None))
        )
    }
    return MatchResult(
        server_accounts_matched_saml=counts.get(RULE_SAML, 0),
        server_accounts_matched_email=counts.get(RULE_VERIFIED_EMAIL, 0),
        server_accounts_unmatched=counts.get("", 0),
        vs_matched=vs_counts.get(True, 0),
        vs_unmatched=vs_counts.get(False, 0),
        server_accounts_matched_manual=counts.get(RULE_MANUAL, 0),
    )
