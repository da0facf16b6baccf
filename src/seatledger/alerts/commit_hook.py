"""Alerts evaluated by the write that changes them: a listener on every engine's ``commit``.

It runs after the intervals' own commit hook (:func:`seatledger.db.intervals.keep_on_commit`,
installed first), inside the committing transaction: when the transaction wrote the ledger
(it bumped an enterprise's version), the rules of every enterprise whose version moved since
their last evaluation are evaluated, and what fires commits with the write. A transaction
that wrote nothing, or an enterprise without rules, costs nothing more than a flag check or
one indexed query.

:mod:`seatledger.db.engine` installs it by name (``COMMIT_HOOKS``), so the ledger does not
import the alerts.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from seatledger.db import intervals
from seatledger.db.ledger import wrote_in_transaction


def on_commit(conn: Connection) -> None:
    """Evaluate the rules a writing transaction may have changed, before it commits."""
    if not wrote_in_transaction(conn):
        return
    intervals.flush(conn)  # counts read below must see this transaction's intervals
    from seatledger.alerts.evaluation import enterprises_due, evaluate_enterprise

    for enterprise_id in enterprises_due(conn):
        evaluate_enterprise(conn, enterprise_id)


def install(engine: Engine) -> None:
    event.listen(engine, "commit", on_commit)
