"""``POST /webhooks/github``: signed GitHub deliveries written into the ledger.

Order of checks, all before anything is written:

1. the body is read up to GitHub's 25 MB payload cap (a larger one is 413, unread);
2. a ``X-Hub-Signature-256`` header must be present, and equal HMAC-SHA256 of the raw body
   under the webhook secret of some enterprise (constant-time compare) — before the body is
   parsed, so an unsigned body costs one hash per enterprise and nothing else;
3. the body must be JSON within the limits of :mod:`seatledger.validation` (400 otherwise);
4. the enterprise it is for is the payload's ``enterprise.slug``, else the enterprise of its
   ``organization`` (or of the repository owner) in the ledger, and it must be one whose
   secret signed the body.

Anything missing or wrong in 2 or 4 is 401. A payload whose values have the wrong type or
break a limit is 422, and nothing is written.

A delivery id (``X-GitHub-Delivery``) is processed once. Its ``ingest_runs`` row is claimed
first in the transaction that writes the delivery's facts: a replay, or the same delivery
arriving twice at once, finds the row and answers 200 ``duplicate`` without writing. Any
other conflict (another delivery created the same new repository or person a moment earlier)
runs the transaction again, so a delivery answered 200 ``processed`` is in the ledger.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Mapping
from urllib.parse import parse_qs

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool

from seatledger import validation
from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, LedgerError, MalformedJSON, PayloadTooLarge
from seatledger.ingest.source_runs import record_failure, record_success
from seatledger.ingest.webhook_events import apply_event

SOURCE = "webhook"
PATH = "/webhooks/github"
# A delivery's transaction is run again at most this many times when another writer created
# the same row first (each retry finds the rows the previous attempt collided with).
MAX_ATTEMPTS = 8

router = APIRouter()


class SignatureRejected(LedgerError):
    """The delivery is not signed by the enterprise's webhook secret (401, nothing written)."""

    status_code = 401


def signature_for(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _json_text(body: bytes) -> bytes | str:
    """The JSON of a delivery: the body, or its ``payload`` field when the webhook was set to
    ``application/x-www-form-urlencoded`` (the signature still covers the raw body)."""
    if body.startswith(b"payload="):
        try:
            fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=1)
        except ValueError:  # more than the one field GitHub sends
            raise MalformedJSON("the delivery's form holds more than its payload field") from None
        return fields.get("payload", [""])[0]
    return body


def _signers(conn: Connection, body: bytes, signature: str) -> set[int]:
    """The enterprises whose webhook secret signed ``body`` (every secret is tried, so the
    time taken does not tell which, if any, matched)."""
    e = t.enterprises
    signed: set[int] = set()
    for row in conn.execute(sa.select(e.c.id, e.c.webhook_secret).where(e.c.webhook_secret.is_not(None))):
        if row.webhook_secret and hmac.compare_digest(
            signature_for(row.webhook_secret, body).encode(), signature.encode()
        ):
            signed.add(row.id)
    return signed


def _name(obj: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` that holds a name within the login limit (anything else names no
    one the ledger can know)."""
    for key in keys:
        value = obj.get(key)
        if isinstance(value, str) and value and len(value) <= validation.LOGIN_MAX and "\x00" not in value:
            return value
    return None


def _enterprise_of(conn: Connection, payload: Mapping[str, Any]) -> int | None:
    """The id of the enterprise the delivery belongs to, or None."""
    e, o = t.enterprises, t.organizations
    enterprise = payload.get("enterprise")
    if isinstance(enterprise, Mapping) and enterprise.get("slug"):
        slug = _name(enterprise, "slug")
        return conn.execute(sa.select(e.c.id).where(e.c.slug == slug)).scalar() if slug else None
    candidates = []
    org = payload.get("organization")
    if isinstance(org, Mapping):
        candidates.append(_name(org, "login"))
    repo = payload.get("repository")
    if isinstance(repo, Mapping) and isinstance(repo.get("owner"), Mapping):
        candidates.append(_name(repo["owner"], "login", "name"))
    for login in filter(None, candidates):
        eid = conn.execute(sa.select(o.c.enterprise_id).where(o.c.login == login)).scalar()
        if eid is not None:
            return int(eid)
    return None


def _retryable(exc: Exception) -> bool:
    """A conflict with a concurrent writer: a unique row created meanwhile, or (PostgreSQL) a
    deadlock the database broke by failing this transaction."""
    if isinstance(exc, IntegrityError):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, OperationalError) and code in ("40P01", "40001")


def _apply_once(
    engine: Engine, enterprise_id: int, event: str, delivery: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """Claim the delivery id and write the delivery's facts in one transaction, run again on
    a conflict with a concurrent writer; the answer says whether it was processed or a duplicate."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with engine.begin() as conn:
                ledger = Ledger(conn)
                received = utcnow()
                # The claim comes first: on SQLite it takes the write lock, so the reads below see
                # every earlier delivery; on PostgreSQL the enterprise's lock does the same.
                if not ledger.claim_ingest_run(SOURCE, delivery, at=received):
                    return {"status": "duplicate", "delivery": delivery}
                ledger.lock_enterprise(enterprise_id)
                report = apply_event(conn, enterprise_id, event, payload, received)
                record_success(conn, enterprise_id, SOURCE, _covered(event, payload), at=received)
        except (IntegrityError, OperationalError) as exc:
            if attempt == MAX_ATTEMPTS or not _retryable(exc):
                raise
            continue
        except LedgerError as exc:
            record_failure(engine, enterprise_id, SOURCE, f"delivery {delivery} ({event}): {exc.message}")
            raise
        return {"status": "processed", "delivery": delivery, "event": event, "summary": report.summary()}
    raise AssertionError("unreachable")  # the loop returns or raises


def _covered(event: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """What the last delivery was about: its event, organization and repository."""
    org = payload.get("organization")
    repo = payload.get("repository")
    return {
        "event": event,
        "organizations": [_name(org, "login")] if isinstance(org, Mapping) and _name(org, "login") else [],
        "repositories": [_name(repo, "full_name")] if isinstance(repo, Mapping) and _name(repo, "full_name") else [],
    }


def receive(engine: Engine, body: bytes, event: str, delivery: str, signature: str) -> dict[str, Any]:
    """Verify, deduplicate and apply one delivery; returns the JSON answer."""
    if not signature:
        raise SignatureRejected("missing X-Hub-Signature-256 header")
    with engine.connect() as conn:
        signers = _signers(conn, body, signature)
    if not signers:
        raise SignatureRejected("X-Hub-Signature-256 does not match the body")
    if not delivery:
        raise InvalidInput("missing X-GitHub-Delivery header")
    if not event:
        raise InvalidInput("missing X-GitHub-Event header")
    validation.check_text(delivery, "X-GitHub-Delivery", validation.DELIVERY_ID_MAX)
    validation.check_text(event, "X-GitHub-Event", validation.EVENT_MAX)
    payload = validation.parse_json(_json_text(body), "the delivery")
    if not isinstance(payload, Mapping):
        raise MalformedJSON("the delivery is not a JSON object")
    with engine.connect() as conn:
        enterprise_id = _enterprise_of(conn, payload)
    if enterprise_id is None or enterprise_id not in signers:
        raise SignatureRejected("the delivery is not signed by the enterprise it is for")
    return _apply_once(engine, enterprise_id, event, delivery, payload)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to pass ``limit`` bytes
    (from ``Content-Length`` before reading, else while reading)."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdecimal() and int(declared) > limit:
        raise PayloadTooLarge(f"the body is larger than {limit // (1024 * 1024)} MB")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is larger than {limit // (1024 * 1024)} MB")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(PATH, include_in_schema=False)
async def github_webhook(request: Request) -> JSONResponse:
    body = await read_body(request, validation.WEBHOOK_BODY_MAX_BYTES)
    h = request.headers
    answer = await run_in_threadpool(
        receive,
        request.app.state.engine,
        body,
        h.get("x-github-event", ""),
        h.get("x-github-delivery", ""),
        h.get("x-hub-signature-256", ""),
    )
    return JSONResponse(answer)
