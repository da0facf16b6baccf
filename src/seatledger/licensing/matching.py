"""Matching server accounts and Visual Studio subscribers to cloud people (spec 2.1).

Order for a server account: its primary email, (1) against the SAML/SCIM attributes of cloud
accounts when the enterprise uses SAML, then (2) against verified emails. Server accounts on
several instances with the same primary email are one person. A VS subscriber matches the
cloud account whose verified email equals the UPN (EMU: SCIM userName or SAML NameID); a
manual match (match_rule='manual') is kept.

IMPLEMENTATION PENDING.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class MatchResult:
    server_accounts_matched_saml: int
    server_accounts_matched_email: int
    server_accounts_unmatched: int
    vs_matched: int
    vs_unmatched: int


def rematch(conn: Connection, enterprise_id: int) -> MatchResult:
    """Recompute every match for the enterprise; importers call this after writing."""
    raise NotImplementedError
