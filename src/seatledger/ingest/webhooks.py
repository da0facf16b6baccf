"""``POST /webhooks/github``: signed GitHub deliveries written into the ledger.

Order of checks, all before anything is written: a ``X-Hub-Signature-256`` header must be
present; the enterprise is the payload's ``enterprise.slug``, else the enterprise of its
``organization`` (or of the repository owner) in the ledger; the signature must equal
HMAC-SHA256 of the raw body under that enterprise's ``webhook_secret`` (constant-time
compare). Anything missing or wrong is 401. A delivery id (``X-GitHub-Delivery``) is processed
once: a replay answers 200 and writes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Mapping
from urllib.parse import parse_qs

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger, utcnow
from seatledger.errors import InvalidInput, LedgerError
from seatledger.ingest.webhook_events import apply_event

SOURCE = "webhook"
PATH = "/webhooks/github"

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
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=1)
        return fields.get("payload", [""])[0]
    return body


def _enterprise_of(conn: Connection, payload: Mapping[str, Any]) -> tuple[int, str | None] | None:
    """(enterprise id, webhook secret) the delivery belongs to, or None."""
    e, o = t.enterprises, t.organizations
    enterprise = payload.get("enterprise")
    if isinstance(enterprise, Mapping) and enterprise.get("slug"):
        row = conn.execute(sa.select(e.c.id, e.c.webhook_secret).where(e.c.slug == enterprise["slug"])).first()
        return (row.id, row.webhook_secret) if row is not None else None
    candidates = []
    org = payload.get("organization")
    if isinstance(org, Mapping) and org.get("login"):
        candidates.append(org["login"])
    repo = payload.get("repository")
    if isinstance(repo, Mapping) and isinstance(repo.get("owner"), Mapping):
        candidates.append(repo["owner"].get("login") or repo["owner"].get("name"))
    for login in filter(None, candidates):
        row = conn.execute(
            sa.select(e.c.id, e.c.webhook_secret).join(o, o.c.enterprise_id == e.c.id).where(o.c.login == login)
        ).first()
        if row is not None:
            return row.id, row.webhook_secret
    return None


def receive(engine: Engine, body: bytes, event: str, delivery: str, signature: str) -> dict[str, Any]:
    """Verify, deduplicate and apply one delivery; returns the JSON answer."""
    if not signature:
        raise SignatureRejected("missing X-Hub-Signature-256 header")
    try:
        payload = json.loads(_json_text(body))
    except ValueError:
        raise SignatureRejected("the body is not the JSON GitHub signs") from None
    if not isinstance(payload, Mapping):
        raise SignatureRejected("the body is not the JSON GitHub signs")
    with engine.connect() as conn:
        owner = _enterprise_of(conn, payload)
    if owner is None or not owner[1]:
        raise SignatureRejected("no enterprise with a webhook secret matches this delivery")
    enterprise_id, secret = owner
    if not hmac.compare_digest(signature_for(secret, body).encode(), signature.encode()):
        raise SignatureRejected("X-Hub-Signature-256 does not match the body")
    if not delivery:
        raise InvalidInput("missing X-GitHub-Delivery header")
    if not event:
        raise InvalidInput("missing X-GitHub-Event header")
    try:
        with engine.begin() as conn:
            ledger = Ledger(conn)
            if ledger.has_ingest_run(SOURCE, delivery):
                return {"status": "duplicate", "delivery": delivery}
            received = utcnow()
            report = apply_event(conn, enterprise_id, event, payload, received)
            ledger.save_ingest_run(SOURCE, delivery, event, at=received)
    except IntegrityError:
        # The same delivery arrived twice at once; the other request recorded it.
        return {"status": "duplicate", "delivery": delivery}
    return {"status": "processed", "delivery": delivery, "event": event, "summary": report.summary()}


@router.post(PATH, include_in_schema=False)
async def github_webhook(request: Request) -> JSONResponse:
    body = await request.body()
    h = request.headers
    answer = await run_in_threadpool(
        receive, request.app.state.engine, body, h.get("x-github-event", ""), h.get("x-github-delivery", ""),
        h.get("x-hub-signature-256", ""),
    )
    return JSONResponse(answer)
