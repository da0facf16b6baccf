"""How fresh each source's data is: per enterprise and source, the first and the last
successful import, what the last one covered, and the last failure with its reason.

One row per (enterprise, source), updated by every import, so its size does not grow with
the number of imports (a webhook delivery is an import). ``first_success_at`` is "since when
this source has data" for sources whose facts carry no dates of their own.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from seatledger.db.schema_base import id_column, metadata

source_runs = Table(
    "source_runs",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("source", String(40), nullable=False),  # sync | webhook | people | server_upload | vs_list | git
    Column("first_success_at", DateTime, nullable=True),
    Column("last_success_at", DateTime, nullable=True),
    Column("last_success_covered", Text, nullable=True),  # JSON: organizations, servers, repositories, skipped
    Column("last_failure_at", DateTime, nullable=True),
    Column("last_failure_reason", Text, nullable=True),
    UniqueConstraint("enterprise_id", "source"),
)

# Which sources assert each open fact (org memberships, repository collaborators, enterprise
# roles, Copilot seats, active VS subscriptions, pending invitations, server accounts): one row per (fact, source). A full import from a source withdraws
# only its own row; the fact ends when no source asserts it any more (db/provenance.py).
fact_sources = Table(
    "fact_sources",
    metadata,
    Column("fact_table", String(40), primary_key=True),
    Column("fact_id", Integer, primary_key=True),
    Column("source", String(40), primary_key=True),  # sync | webhook | people | server_upload | vs_list | git
)
