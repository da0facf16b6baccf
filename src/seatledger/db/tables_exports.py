"""The export-job table: one row per "Email me the report" request (web/exports area)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    literal_column,
    text,
    true,
)

from seatledger.db.schema_base import id_column, metadata

# Status values, in the order a job normally walks them.
EXPORT_QUEUED = "queued"
EXPORT_RUNNING = "running"
EXPORT_READY = "ready"
EXPORT_FAILED = "failed"
EXPORT_EXPIRED = "expired"
EXPORT_STATUSES = (EXPORT_QUEUED, EXPORT_RUNNING, EXPORT_READY, EXPORT_FAILED, EXPORT_EXPIRED)
# The statuses of a request still pending, as the unique index's predicate.
PENDING_WHERE = f"status IN ('{EXPORT_QUEUED}', '{EXPORT_RUNNING}')"

export_jobs = Table(
    "export_jobs",
    metadata,
    id_column(),
    Column("requester_user_id", ForeignKey("users.id"), nullable=False),
    Column("kind", String(40), nullable=False),  # license-usage | advanced-security | copilot-activity
    Column("scope", String(250), nullable=False),  # "<scope kind>:<name>", e.g. "organization:octo"
    Column("product", String(40), nullable=True),  # Advanced Security product, else NULL
    Column("params", Text, nullable=True),  # JSON: the usage report's type and date range
    Column("status", String(20), nullable=False),
    Column("reason", Text, nullable=True),  # why it failed
    Column("file_path", String(500), nullable=True),  # set once the CSV is in place
    Column("rows", Integer, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    # Until when the worker running it holds it (renewed by its heartbeat); a running job past
    # its lease lost its worker (killed, crashed) and is retried or failed (migration 0007).
    Column("lease_until", DateTime, nullable=True),
    # Mail the requester a link when done (the REST API's send_email may say no; migration 0004).
    Column("notify", Boolean, nullable=False, default=True, server_default=true()),
    # The instant the report counts at when asked from a page at a picked date (migration 0010).
    Column("as_of", DateTime, nullable=True),
    Index("ix_export_jobs_requester_kind_status", "requester_user_id", "kind", "status"),
)

# What makes two requests the same report: the person, the kind, the Advanced Security product
# (NULL for other kinds, and NULLs never collide in a unique index) and the scope.
PENDING_KEY = (
    export_jobs.c.requester_user_id,
    export_jobs.c.kind,
    func.coalesce(export_jobs.c.product, literal_column("''")),
    export_jobs.c.scope,
)
# One pending (queued or running) request per person and report, held by the database so two
# racing requests cannot both be accepted (migrations 0005, 0008).
Index(
    "uq_export_jobs_pending_request",
    *PENDING_KEY,
    unique=True,
    sqlite_where=text(PENDING_WHERE),
    postgresql_where=text(PENDING_WHERE),
)
