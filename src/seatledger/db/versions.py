"""The ledger version of each enterprise: every write changes it, once per transaction.

Results counted from the ledger are shared (and HTTP ``ETag``s made) by (enterprise, version),
and a connection knows whether its open transaction wrote, so what it counts is not shared.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t

# Where a connection remembers which enterprises the current transaction has bumped:
# (root transaction, savepoint, enterprise ids). Kept in ``Connection.info`` (which lives
# with the database connection) and compared by identity, so a new transaction starts empty.
WRITES_INFO_KEY = "seatledger.bumped"
# The root transaction that bumped a version, so wrote_in_transaction knows it wrote.
WROTE_INFO_KEY = "seatledger.wrote"


def bumped_in_transaction(conn: Connection) -> set[int]:
    """The enterprise ids whose ledger version the connection's current transaction bumped
    (empty outside a transaction). The set is live: Ledger adds to it."""
    txn, nested = conn.get_transaction(), conn.get_nested_transaction()
    state = conn.info.get(WRITES_INFO_KEY)
    if state is None or state[0] is not txn or state[1] is not nested:
        state = (txn, nested, set())
        conn.info[WRITES_INFO_KEY] = state
    return state[2]


def wrote_in_transaction(conn: Connection) -> bool:
    """True while the connection's current (root) transaction has bumped any ledger version:
    it wrote, and may still roll back, so results it counts are not for sharing."""
    txn = conn.get_transaction()
    return txn is not None and conn.info.get(WROTE_INFO_KEY) is txn


def current_version(conn: Connection, enterprise_id: int) -> int:
    """The enterprise's ledger version (0 if it has never been written): an HTTP ``ETag``."""
    lv = t.ledger_versions
    version = conn.execute(sa.select(lv.c.version).where(lv.c.enterprise_id == enterprise_id)).scalar()
    return int(version or 0)


def bump(conn: Connection, enterprise_id: int) -> int:
    """Change the enterprise's version, once per transaction: a second call for the same
    enterprise in the same transaction (or savepoint) only reads it, so an import of a million
    rows costs one UPDATE. Returns the version.

    A new enterprise's version starts at a random number, so two ledgers (a re-created
    database, a test's fresh one) never share a (enterprise id, version) pair in a cache.
    """
    lv = t.ledger_versions
    bumped = bumped_in_transaction(conn)
    if enterprise_id not in bumped:
        updated = conn.execute(
            sa.update(lv).where(lv.c.enterprise_id == enterprise_id).values(version=lv.c.version + 1)
        ).rowcount
        if not updated:
            conn.execute(sa.insert(lv).values(enterprise_id=enterprise_id, version=secrets.randbelow(1 << 30) + 1))
        bumped.add(enterprise_id)
        conn.info[WROTE_INFO_KEY] = conn.get_transaction()
    return current_version(conn, enterprise_id)


def lock(conn: Connection, enterprise_id: int) -> None:
    """Hold the enterprise's version row until the transaction ends: on PostgreSQL, writers
    that take it first run one after another, as SQLite runs every writer (a no-op there)."""
    lv = t.ledger_versions
    conn.execute(sa.select(lv.c.version).where(lv.c.enterprise_id == enterprise_id).with_for_update())
