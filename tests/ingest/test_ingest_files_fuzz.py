"""Any file given to an importer — people CSV, Visual Studio CSV, server usage JSON — is either
imported or refused with a LedgerError; never another exception. A refused file leaves the
ledger exactly as it was, on both databases.

Files are built from a valid one with hostile values put in random places (NUL bytes, huge
numbers, formulas, quotes, over-long text, other types in JSON), plus raw random bytes."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any, Callable

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine

from seatledger.db.ledger import Ledger
from seatledger.errors import LedgerError
from seatledger.ingest.people import ingest_people
from seatledger.ingest.server_usage import ingest_server_usage
from seatledger.ingest.vs_subscribers import ingest_vs_subscribers

T0 = dt.datetime(2025, 1, 1)
# Per database, a few seconds; a longer run: SEATLEDGER_TEST_FUZZ_SCALE=50 (docs/tests.md).
EXAMPLES = 25 * int(os.environ.get("SEATLEDGER_TEST_FUZZ_SCALE", "1"))

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["\x00", "=1+1", "@SUM(A1)", '"', "'", ",", "\n", "a" * 5000, "é" * 400, "-1", "1e400", "NaN"]),
)
HOSTILE_JSON = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False),
        HOSTILE_TEXT,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


def _fingerprint(conn: Connection) -> dict[str, int]:
    tables = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
    return {n: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in tables}


def _people_csv(values: list[str]) -> bytes:
    rows = [["login", "name", "emails", "org", "role"], ["ann", "Ann", "ann@x.test", "acme-org", "member"]]
    for i, v in enumerate(values):
        rows.append([v, v, v if i % 2 else f"{v}@x.test", v if i % 3 else "acme-org", ("member", "owner", v)[i % 3]])
    return "\n".join(
        ",".join(f'"{c.replace(chr(34), chr(34) * 2)}"' if i % 2 else c for i, c in enumerate(r)) for r in rows
    ).encode()


def _vs_csv(values: list[str]) -> bytes:
    rows = ["Name,Email,Subscription Level,Status", "Ann,ann@x.test,Visual Studio Enterprise,Active"]
    rows += [f"{v},{v}@x.test,{v},{('Active', 'Inactive', v)[i % 3]}" for i, v in enumerate(values)]
    return "\n".join(rows).encode()


def _server_usage(value: Any, where: int) -> bytes:
    doc: dict[str, Any] = {
        "format_version": 1,
        "enterprise": "acme",
        "server_id": "srv-fuzz",
        "host_name": "ghes.x.test",
        "version": "3.14",
        "exported_at": "2025-01-01T00:00:00Z",
        "users": [
            {
                "user_id": 7,
                "login": "ann",
                "primary_email": "ann@x.test",
                "emails": ["ann@x.test"],
                "suspended": False,
                "is_scim_setup_user": False,
            }
        ],
    }
    keys = [
        ("format_version",),
        ("enterprise",),
        ("server_id",),
        ("users",),
        ("users", 0, "user_id"),
        ("users", 0, "login"),
        ("users", 0, "primary_email"),
        ("users", 0, "emails"),
        ("users", 0, "suspended"),
        ("host_name",),
        ("version",),
    ]
    path = keys[where % len(keys)]
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(doc, allow_nan=True).encode()


def _acme(engine: Engine) -> None:
    with engine.begin() as conn:
        if conn.execute(sa.text("SELECT 1 FROM enterprises WHERE slug = 'acme'")).first() is None:
            led = Ledger(conn)
            eid = led.add_enterprise("acme", created_at=T0)
            led.add_org(eid, "acme-org", created_at=T0)


def _imports_or_refuses_cleanly(engine: Engine, importer: Callable[[Connection], object]) -> None:
    with engine.connect() as conn:
        before = _fingerprint(conn)
    try:
        with engine.begin() as conn:
            importer(conn)
    except LedgerError:
        with engine.connect() as conn:
            assert _fingerprint(conn) == before  # refused whole: nothing written


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["people", "vs", "server", "raw"]),
    values=st.lists(HOSTILE_TEXT, min_size=1, max_size=4),
    value=HOSTILE_JSON,
    where=st.integers(0, 20),
    raw=st.binary(max_size=200),
)
def test_any_file_is_imported_or_refused_whole_never_a_crash(
    engine: Engine, kind: str, values: list[str], value: Any, where: int, raw: bytes
) -> None:
    _acme(engine)
    if kind == "people":
        _imports_or_refuses_cleanly(engine, lambda c: ingest_people(c, _people_csv(values), "acme", now=T0))
    elif kind == "vs":
        _imports_or_refuses_cleanly(engine, lambda c: ingest_vs_subscribers(c, _vs_csv(values), "acme"))
    elif kind == "server":
        _imports_or_refuses_cleanly(engine, lambda c: ingest_server_usage(c, _server_usage(value, where), "acme"))
    else:
        for importer in (ingest_people, ingest_vs_subscribers, ingest_server_usage):
            _imports_or_refuses_cleanly(engine, lambda c, f=importer: f(c, raw, "acme"))  # type: ignore[operator]


def test_the_fuzzed_files_start_from_files_that_import(engine: Engine) -> None:
    _acme(engine)
    with engine.begin() as conn:
        assert ingest_people(conn, _people_csv(["bob"]), "acme", now=T0).created["user"] == 2
        assert ingest_vs_subscribers(conn, _vs_csv(["bob"]), "acme").created
        assert ingest_server_usage(conn, _server_usage("ann", 5), "acme").created  # the login, as it was
