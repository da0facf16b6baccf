"""Visual Studio subscribers from a CSV file, matched to people by verified email.

Columns (header names, any case; order free): ``email`` (the subscriber's UPN; ``upn`` is
accepted as its name too), ``name``, ``subscription_level``, ``status`` (``active`` or
``inactive``; empty = active), ``since`` (when the subscription was assigned, ``YYYY-MM-DD``;
empty = the import). The file is the enterprise's complete list: a subscriber that
a list imported before (or no known source) asserted and that is missing now is set
``inactive``; one the sync still lists stays active (db/provenance.py). After writing, subscribers are
re-matched (verified email = UPN; EMU: SCIM userName/SAML NameID) and the unmatched listed.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import ImportRejected
from seatledger import validation
from seatledger.ingest.csv_files import check_email, check_length, csv_since, read_rows
from seatledger.ingest.rematch import rematch_enterprise
from seatledger.ingest.report import ImportReport
from seatledger.ingest.source_runs import record_success

COLUMNS = ("email", "name", "subscription_level", "status", "since")
ALIASES = {"upn": "email", "level": "subscription_level", "subscription level": "subscription_level"}
STATUSES = ("active", "inactive")
SOURCE = "vs_list"  # the subscriptions this list asserts (db/provenance.py)


def ingest_vs_subscribers(conn: Connection, data: bytes, enterprise_slug: str) -> ImportReport:
    """Import a subscriber list into the caller's transaction."""
    rows: dict[str, tuple[str | None, str | None, str, dt.datetime | None]] = {}
    for line, row in read_rows(data, required=("email",), aliases=ALIASES):
        email = check_email(row["email"], line=line, column="email")
        status = (row.get("status") or "active").lower()
        if status not in STATUSES:
            raise ImportRejected(f"line {line}: status must be active or inactive, not {row.get('status')!r}")
        if email in rows:
            raise ImportRejected(f"line {line}: {email} is listed twice")
        name = check_length(row.get("name") or "", line=line, column="name", max_length=validation.NAME_MAX)
        level = check_length(
            row.get("subscription_level") or "",
            line=line,
            column="subscription_level",
            max_length=validation.VS_LEVEL_MAX,
        )
        rows[email] = (name or None, level or None, status, csv_since(row, line))
    ledger = Ledger(conn)
    enterprise_id = ledger.enterprise_id(enterprise_slug)
    report = ImportReport(source="visual studio subscribers")
    for email, (full_name, sub_level, status, since) in rows.items():
        report.count(
            "subscriber",
            ledger.upsert_vs_subscription(
                enterprise_id,
                email,
                name=full_name,
                level=sub_level,
                status=status,
                source=SOURCE,
                created_at=since,
            ),
        )
    vs = t.vs_subscriptions
    gone = (
        conn.execute(
            sa.select(vs.c.subscriber_email).where(vs.c.enterprise_id == enterprise_id, vs.c.status == "active")
        )
        .scalars()
        .all()
    )
    for email in gone:
        if email not in rows:
            report.count("subscriber", ledger.withdraw_vs_subscription(enterprise_id, email, SOURCE))
    rematch_enterprise(conn, enterprise_id, report)
    unmatched = conn.execute(
        sa.select(vs.c.subscriber_email)
        .where(vs.c.enterprise_id == enterprise_id, vs.c.status == "active", vs.c.matched_user_id.is_(None))
        .order_by(vs.c.subscriber_email)
    ).scalars()
    report.notes.extend(f"unmatched subscriber: {email}" for email in unmatched)
    record_success(conn, enterprise_id, SOURCE, {"subscribers": len(rows)})
    return report
