"""A server instance's exported license usage (the JSON of ``reports/server_usage.py``).

The file is validated whole before one transaction writes it: the server instance is created
or updated, its accounts are brought to the file's list (an account missing from a newer
export no longer exists on the server, so it is removed from the instance, unless the GitHub
sync still lists it, see ``db/provenance.py``; an account
starts at the export's ``exported_at``, or at the upload when the file has none), a
``license_sync_events`` row records the upload, and people are re-matched. A malformed file, a
``format_version`` seatledger does not read, a missing key, or a file for another enterprise
is refused with :class:`ImportRejected` and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy.engine import Connection

from seatledger import validation
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.errors import ImportRejected, InvalidInput, NotFound
from seatledger.ingest.rematch import rematch_enterprise
from seatledger.ingest.source_runs import record_success
from seatledger.ingest.timestamps import parse_timestamp
from seatledger.ingest.report import ImportReport

SUPPORTED_FORMAT_VERSIONS = (1,)
REQUIRED_KEYS = ("format_version", "server_id", "host_name", "version", "enterprise", "users")
REQUIRED_USER_KEYS = ("user_id", "login", "primary_email", "emails")
FLAGS = ("suspended", "dormant", "site_admin", "is_scim_setup_user", "code_security_user", "secret_protection_user")


@dataclass(frozen=True)
class ServerAccount:
    user_id: int
    login: str
    primary_email: str | None
    emails: tuple[str, ...]
    flags: Mapping[str, bool]


@dataclass(frozen=True)
class ServerUsage:
    """A validated export."""

    server_id: str
    host_name: str
    version: str | None
    http_only: bool
    license: str | None
    enterprise: str | None
    accounts: tuple[ServerAccount, ...]
    exported_at: dt.datetime | None = None


def _string(value: Any, what: str, max_length: int, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or (not value.strip() and not optional):
        raise ImportRejected(f"{what} must be a string, not {json.dumps(value)[:100]}")
    try:
        return validation.check_text(value.strip(), what, max_length) or None
    except InvalidInput as exc:
        raise ImportRejected(exc.message) from None


def parse(data: bytes) -> ServerUsage:
    """Validate an export; ImportRejected names the first thing wrong."""
    try:
        doc = validation.parse_json(data, "the file")
    except InvalidInput as exc:  # not JSON, a key twice, nested too deep: named in the message
        raise ImportRejected(exc.message) from None
    if not isinstance(doc, dict):
        raise ImportRejected("the file is not a server usage export (expected a JSON object)")
    missing = [k for k in REQUIRED_KEYS if k not in doc]
    if missing:
        raise ImportRejected(f"the file lacks {', '.join(missing)}")
    if doc["format_version"] not in SUPPORTED_FORMAT_VERSIONS or isinstance(doc["format_version"], bool):
        raise ImportRejected(
            f"format_version {json.dumps(doc['format_version'])} is not supported "
            f"(seatledger reads {', '.join(map(str, SUPPORTED_FORMAT_VERSIONS))})"
        )
    if not isinstance(doc["users"], list):
        raise ImportRejected("users must be a list")
    accounts: list[ServerAccount] = []
    seen: set[int] = set()
    for i, user in enumerate(doc["users"]):
        where = f"users[{i}]"
        if not isinstance(user, dict):
            raise ImportRejected(f"{where} is not an object")
        lacking = [k for k in REQUIRED_USER_KEYS if k not in user]
        if lacking:
            raise ImportRejected(f"{where} lacks {', '.join(lacking)}")
        uid = user["user_id"]
        try:
            # The column is a 32-bit INTEGER on PostgreSQL; SQLite would take any size.
            validation.whole_number(uid, f"{where}.user_id", minimum=0, maximum=validation.INT_MAX)
        except InvalidInput as exc:
            raise ImportRejected(exc.message) from None
        if uid in seen:
            raise ImportRejected(f"{where}.user_id {uid} appears twice")
        seen.add(uid)
        emails = user["emails"]
        if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
            raise ImportRejected(f"{where}.emails must be a list of strings")
        for k, email in enumerate(emails):
            _string(email, f"{where}.emails[{k}]", validation.EMAIL_MAX, optional=True)
        flags: dict[str, bool] = {}
        for flag in FLAGS:
            value = user.get(flag, False)
            if not isinstance(value, bool):
                raise ImportRejected(f"{where}.{flag} must be true or false")
            flags[flag] = value
        accounts.append(
            ServerAccount(
                uid,
                str(_string(user["login"], f"{where}.login", validation.LOGIN_MAX)),
                _string(user["primary_email"], f"{where}.primary_email", validation.EMAIL_MAX, optional=True),
                tuple(e.strip().lower() for e in emails if e.strip()),
                flags,
            )
        )
    http_only = doc.get("http_only", False)
    if not isinstance(http_only, bool):
        raise ImportRejected("http_only must be true or false")
    return ServerUsage(
        server_id=str(_string(doc["server_id"], "server_id", validation.SERVER_ID_MAX)),
        host_name=str(_string(doc["host_name"], "host_name", validation.HOSTNAME_MAX)),
        version=_string(doc["version"], "version", validation.VERSION_MAX, optional=True),
        http_only=http_only,
        license=_string(doc.get("license"), "license", validation.LICENSE_MAX, optional=True),
        enterprise=_string(doc["enterprise"], "enterprise", validation.LOGIN_MAX, optional=True),
        accounts=tuple(accounts),
        exported_at=_exported_at(doc.get("exported_at")),
    )


def _exported_at(value: Any) -> dt.datetime | None:
    """The export's date: the server's accounts existed then, so they start no later."""
    try:
        stamp = parse_timestamp(value)
    except InvalidInput as exc:
        raise ImportRejected(f"exported_at: {exc.message}") from None
    if stamp is not None and stamp > utcnow():
        raise ImportRejected(f"exported_at {value} is in the future")
    return stamp


def ingest_server_usage(conn: Connection, data: bytes, enterprise_slug: str | None = None) -> ImportReport:
    """Import one export into the caller's transaction (the web upload and the CLI call this).

    ``enterprise_slug`` is the enterprise the upload is for; the file must name the same one
    (a file that names none is taken for it). Without a slug, the file's enterprise is used.
    """
    usage = parse(data)
    slug = enterprise_slug or usage.enterprise
    if not slug:
        raise ImportRejected("the file names no enterprise; say which one it is for")
    if enterprise_slug and usage.enterprise and usage.enterprise != enterprise_slug:
        raise ImportRejected(f"the file is for enterprise {usage.enterprise!r}, not {enterprise_slug!r}")
    ledger = Ledger(conn)
    try:
        enterprise_id = ledger.enterprise_id(slug)
    except NotFound:
        raise ImportRejected(f"no enterprise {slug!r} in the ledger") from None
    report = ImportReport(source=f"server usage {usage.host_name}")
    try:
        instance_id, outcome = ledger.upsert_server(
            enterprise_id,
            usage.server_id,
            usage.host_name,
            version=usage.version,
            http_only=usage.http_only,
            license_hash=usage.license,
        )
    except InvalidInput as exc:  # the Server ID belongs to another enterprise
        raise ImportRejected(f"server {usage.server_id}: {exc.message}") from exc
    report.count("server", outcome)
    for a in usage.accounts:
        others = [e for e in a.emails if e != (a.primary_email or "").lower()]
        report.count(
            "server account",
            ledger.upsert_server_account(
                instance_id,
                a.user_id,
                a.login,
                primary_email=a.primary_email,
                other_emails=others,
                created_at=usage.exported_at,
                source="server_upload",
                **a.flags,
            ),
        )
    removed = ledger.remove_server_accounts(instance_id, {a.user_id for a in usage.accounts}, "server_upload")
    report.count("server account removed", "updated", removed)
    ledger.add_sync_event(instance_id, kind="upload", status="success", occurred_at=utcnow())
    rematch_enterprise(conn, enterprise_id, report)
    record_success(
        conn,
        enterprise_id,
        "server_upload",
        {"servers": [f"{usage.host_name} ({usage.server_id})"]},
        at=usage.exported_at,
    )
    if report.changed:
        ledger.bump_version(enterprise_id)
    return report
