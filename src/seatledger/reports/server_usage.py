"""The license usage a server instance exports for manual license sync (spec 3.5), as JSON.

GitHub documents only display names for this file; seatledger's keys are snake_case and
described in docs/reports.md, which ``ingest`` reads back. The user list is written
one account at a time from a streamed query (ordered by the server's user id), so an instance
with any number of accounts is exported in constant memory. This is a copy of ledger rows,
not a count: which accounts consume a license is decided by the counting engine on import.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Iterator, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.errors import NotFound
from seatledger.licensing import as_of_or_now
from seatledger.reports.writer import CHUNK_BYTES, PROGRESS_EVERY, Progress, format_timestamp

FORMAT_VERSION = 1
# Rows fetched from the database per round trip (a server-side cursor on PostgreSQL).
YIELD_PER = 1000


@dataclass(frozen=True)
class ServerScope:
    """A server instance, named by its Server ID (the scope of the server-usage export)."""

    name: str  # the Server ID
    kind: Literal["server"] = "server"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def account_json(row: Any) -> dict[str, Any]:
    """One ``users`` item of the export from a server_accounts row."""
    emails = [row.primary_email] if row.primary_email else []
    for email in sorted(set((row.other_emails or "").split())):
        if email not in emails:
            emails.append(email)
    return {
        "user_id": row.user_id,
        "login": row.login,
        "primary_email": row.primary_email,
        "emails": emails,
        "suspended": bool(row.suspended),
        "dormant": bool(row.dormant),
        "site_admin": bool(row.site_admin),
        "is_scim_setup_user": bool(row.is_scim_setup_user),
        "code_security_user": bool(row.code_security_user),
        "secret_protection_user": bool(row.secret_protection_user),
    }


def iter_report(
    conn: Connection, scope: ServerScope, *, as_of: dt.datetime | None = None, progress: Progress | None = None
) -> Iterator[bytes]:
    """The export as encoded chunks; the server is looked up now, accounts read as taken."""
    si, e = t.server_instances, t.enterprises
    server = conn.execute(
        sa.select(si.c.id, si.c.server_id, si.c.hostname, si.c.version, si.c.http_only, si.c.license_hash, e.c.slug)
        .join(e, e.c.id == si.c.enterprise_id)
        .where(si.c.server_id == scope.name)
    ).first()
    if server is None:
        raise NotFound(f"no server instance with Server ID {scope.name!r}")
    instant = as_of_or_now(as_of)
    head = {
        "format_version": FORMAT_VERSION,
        # The ledger does not record GitHub Connect features or the public key yet.
        "features": [],
        "host_name": server.hostname,
        "http_only": bool(server.http_only),
        "license": server.license_hash,
        "public_key": None,
        "server_id": server.server_id,
        "version": server.version,
        "enterprise": server.slug,
        "exported_at": format_timestamp(instant),
    }
    return _chunks(conn, server.id, head, instant, progress)


def _chunks(
    conn: Connection, instance_id: int, head: dict[str, Any], as_of: dt.datetime, progress: Progress | None
) -> Iterator[bytes]:
    sa_ = t.server_accounts
    query = (
        sa.select(
            sa_.c.user_id,
            sa_.c.login,
            sa_.c.primary_email,
            sa_.c.other_emails,
            sa_.c.suspended,
            sa_.c.dormant,
            sa_.c.site_admin,
            sa_.c.is_scim_setup_user,
            sa_.c.code_security_user,
            sa_.c.secret_protection_user,
        )
        .where(sa_.c.server_instance_id == instance_id, sa_.c.created_at <= as_of)
        .order_by(sa_.c.user_id)
        .execution_options(stream_results=True, yield_per=YIELD_PER)
    )
    parts = ["{\n", *(f"  {_dump(k)}: {_dump(v)},\n" for k, v in head.items()), '  "users": [']
    size = sum(len(p) for p in parts)
    count = 0
    for row in conn.execute(query):
        item = ("\n    " if count == 0 else ",\n    ") + _dump(account_json(row))
        parts.append(item)
        size += len(item)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append("\n  ]\n}\n" if count else "]\n}\n")
    if progress is not None:
        progress(count)
    yield "".join(parts).encode("utf-8")
