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

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from seatledger.db import intervals
from seatledger.db.ledger import wrote_in_transaction


def _evaluate_due(conn: Connection) -> None:
    """Evaluate the rules a writing transaction may have changed, before it commits."""
    intervals.flush(conn)  # counts read below must see this transaction's intervals
    from seatledger.alerts.evaluation import enterprises_due, evaluate_enterprise

    for enterprise_id in enterprises_due(conn):
        evaluate_enterprise(conn, enterprise_id)


def install(engine: Engine) -> None:
    # A ledger written before its schema has the alert tables (a migration's own data step,
    # an upgrade test) has no rules: it is asked whether the table exists until it does.
    ready = False

    def on_engine_commit(conn: Connection) -> None:
        nonlocal ready
        if not wrote_in_transaction(conn):
            return
        if not ready:
            ready = sa.inspect(conn).has_table("alert_rules")
            if not ready:
                return
        _evaluate_due(conn)

    event.listen(engine, "commit", on_engine_commit)
