"""Indexes the Enterprise-seat engine needs on the core tables (migration 0002_seat_indexes).

Matching a server account's primary email against SAML NameID / SCIM userName is
case-insensitive, so it looks up ``lower(...)``: without these expression indexes a re-match
of N accounts against N people is N x N.
"""

from __future__ import annotations

from sqlalchemy import Index, func

from seatledger.db.tables import users

ix_users_lower_saml_name_id = Index("ix_users_lower_saml_name_id", func.lower(users.c.saml_name_id))
ix_users_lower_scim_user_name = Index("ix_users_lower_scim_user_name", func.lower(users.c.scim_user_name))
