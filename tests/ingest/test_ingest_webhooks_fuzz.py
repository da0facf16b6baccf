"""Hypothesis: signed deliveries with any JSON value in any field of a real payload get 200,
400 or 422 — never a 5xx — and a refused delivery leaves the ledger as it was."""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

from test_ingest_webhooks import _payload, _setup, _snapshot
from test_ingest_webhooks_limits import _post

# Per database, a few seconds; a longer run: SEATLEDGER_TEST_FUZZ_SCALE=50 (docs/tests.md).
EXAMPLES = 40 * int(os.environ.get("SEATLEDGER_TEST_FUZZ_SCALE", "1"))

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "\x00", "9999-12-31T23:00:00-05:00", "x" * 400, "0001-01-01T00:00:00Z"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
EVENTS = {"push": "push", "organization": "organization_member_added", "repository": "repository_privatized"}


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``doc`` a value can be put."""
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _paths(value, (*prefix, i))
    return found


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(doc)
    target = out
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return out


def test_signed_deliveries_with_any_value_anywhere_never_get_a_5xx(engine: Engine, live_server) -> None:
    _setup(engine)
    payloads = {event: _payload(name) for event, name in EVENTS.items()}
    seen: list[int] = []

    @given(data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def deliver(data: st.DataObject) -> None:
        event = data.draw(st.sampled_from(sorted(payloads)))
        path = data.draw(st.sampled_from(_paths(payloads[event])))
        body = json.dumps(_replaced(payloads[event], path, data.draw(JSON_VALUES))).encode()
        before = _snapshot(engine)
        r = _post(live_server.url, body, event=event, delivery=f"fuzz-{len(seen)}")
        seen.append(r.status_code)
        assert r.status_code in (200, 400, 401, 422), (event, path, r.status_code, r.text)
        if r.status_code != 200:
            assert _snapshot(engine) == before, (event, path)

    deliver()
