"""``POST /webhooks/github`` against hostile bodies: the signature is checked on the raw bytes
before anything is parsed, the body is capped at GitHub's 25 MB, and a signed payload with
values of the wrong type or past a limit is refused whole, the same on both databases."""

from __future__ import annotations

import copy
import json
import socket
from typing import Any, Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger import validation
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest.webhooks import signature_for

from test_ingest_webhooks import SECRET, _payload, _setup, _snapshot


def _post(
    url: str,
    body: bytes,
    *,
    event: str = "push",
    delivery: str = "d-1",
    secret: str | None = SECRET,
    signature: str | None = None,
) -> httpx.Response:
    headers = {"X-GitHub-Event": event, "X-GitHub-Delivery": delivery, "Content-Type": "application/json"}
    if signature is None and secret is not None:
        signature = signature_for(secret, body)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return httpx.post(f"{url}/webhooks/github", content=body, headers=headers, timeout=30)


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def test_a_deep_body_with_a_bogus_signature_is_401_before_it_is_parsed(engine: Engine, live_server) -> None:
    _setup(engine)
    r = _post(live_server.url, _deep(100_000), signature="sha256=" + "0" * 64)
    assert r.status_code == 401
    assert set(r.json()) >= {"message", "documentation_url"}


def test_a_signed_deep_body_is_a_clear_400(engine: Engine, live_server) -> None:
    _setup(engine)
    before = _snapshot(engine)
    for levels in (100_000, validation.JSON_MAX_DEPTH + 1):
        r = _post(live_server.url, b'{"a":' + _deep(levels) + b"}")
        assert r.status_code == 400, r.text
        assert "nests deeper" in r.json()["message"]
    assert _snapshot(engine) == before


def test_a_signed_body_with_a_duplicate_key_is_400(engine: Engine, live_server) -> None:
    _setup(engine)
    body = json.dumps(_payload("push"))[:-1].encode() + b', "commits": []}'
    r = _post(live_server.url, body)
    assert r.status_code == 400 and "twice" in r.json()["message"]


def test_a_body_declared_over_25_mb_is_413_without_being_read(engine: Engine, live_server) -> None:
    _setup(engine)
    parts = urlsplit(live_server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"X-Hub-Signature-256: sha256=00\r\nContent-Length: 80000000\r\n\r\n"
        )  # and no body at all: the answer must not wait for it
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.split()[1] == b"413"


def test_a_streamed_body_over_25_mb_is_413(engine: Engine, live_server) -> None:
    _setup(engine)

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        chunk = b" " * (1024 * 1024)
        for _ in range(validation.WEBHOOK_BODY_MAX_BYTES // len(chunk) + 2):
            yield chunk

    try:
        r = httpx.post(
            f"{live_server.url}/webhooks/github",
            content=chunks(),
            timeout=30,
            headers={"X-Hub-Signature-256": "sha256=00", "X-GitHub-Event": "push"},
        )
    except httpx.WriteError:  # the server answered and closed while the client still sent
        return
    assert r.status_code == 413


def _push_with(change: Any) -> dict[str, Any]:
    payload = copy.deepcopy(_payload("push"))
    change(payload)
    return payload


WRONG_TYPES = {
    "commits hold a number": lambda p: p.update(commits=[1]),
    "commits are an object": lambda p: p.update(commits={"id": "x"}),
    "the author is a list": lambda p: p["commits"][0].update(author=["mona@example.com"]),
    "a timestamp of 1e20": lambda p: p["commits"][0].update(timestamp=1e20),
    "a timestamp of -1e20": lambda p: p["repository"].update(pushed_at=-1e20),
    "year 9999 with an offset": lambda p: p["commits"][0].update(timestamp="9999-12-31T23:00:00-05:00"),
    "the commit id is a list": lambda p: p["commits"][0].update(id=["a"]),
    "an org login of 100,000 characters": lambda p: p["organization"].update(login="o" * 100_000),
    "a repository name with a NUL byte": lambda p: p["repository"].update(name="Hello\x00World"),
    "an author email over 320 characters": lambda p: p["commits"][0]["author"].update(email="a" * 400 + "@x.com"),
}


@pytest.mark.parametrize("case", sorted(WRONG_TYPES))
def test_a_signed_push_with_a_wrong_value_is_422_and_writes_nothing(engine: Engine, live_server, case: str) -> None:
    _setup(engine)
    before = _snapshot(engine)
    r = _post(live_server.url, json.dumps(_push_with(WRONG_TYPES[case])).encode(), delivery=f"bad-{case}")
    assert r.status_code == 422, r.text
    assert set(r.json()) >= {"message", "documentation_url"}
    assert _snapshot(engine) == before


def test_a_delivery_signed_by_one_enterprise_for_another_is_401(engine: Engine, live_server) -> None:
    _setup(engine)
    with engine.begin() as conn:
        ledger = Ledger(conn)
        ledger.set_webhook_secret(ledger.add_enterprise("other"), "other-secret")
    payload = _payload("push")
    payload["enterprise"] = {"slug": "acme"}
    r = _post(live_server.url, json.dumps(payload).encode(), secret="other-secret")
    assert r.status_code == 401
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.commits)).scalar_one() == 0


def test_a_signed_form_with_more_than_its_payload_field_is_400(engine: Engine, live_server) -> None:
    from urllib.parse import urlencode

    _setup(engine)
    body = urlencode({"payload": json.dumps(_payload("push")), "extra": "1"}).encode()
    r = httpx.post(
        f"{live_server.url}/webhooks/github",
        content=body,
        timeout=30,
        headers={
            "X-GitHub-Event": "push",
            "X-GitHub-Delivery": "d-form",
            "X-Hub-Signature-256": signature_for(SECRET, body),
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert r.status_code == 400, r.text
