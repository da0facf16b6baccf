"""Alerts evaluated by the write that changes them: a listener on every engine's ``commit``.

It runs after the intervals' own commit hook (:func:`seatledger.db.intervals.keep_on_commit`,
installed first), inside the committing transaction: when the transaction wrote the ledger
(it bumped an enterprise's version), the rules of every enterprise whose version moved since
their last evaluation are evaluated, and what fires commits with the write. A transaction
that wrote nothing, or an enterprise without rules, costs nothing more than a flag check or
one indexed query.

An evaluation that fails (a rule the code cannot read, a query the database refuses) is
logged and rolled back to a savepoint: an alert never costs the write that caused it, and the
rule, still stale, is evaluated again by the next write and by the schedule.

:mod:`seatledger.db.engine` installs it by name (``COMMIT_HOOKS``), so the ledger does not
import the alerts.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from seatledger.db import intervals
from seatledger.db.versions import wrote_in_transaction

log = logging.getLogger(__name__)


def _evaluate_due(conn: Connection) -> None:
    """Evaluate the rules a writing transaction may have changed, before it commits."""
    intervals.flush(conn)  # counts read below must see this transaction's intervals
    from seatledger.alerts.evaluation import enterprises_due, evaluate_enterprise

    for enterprise_id in enterprises_due(conn):
        try:
            with conn.begin_nested():
                evaluate_enterprise(conn, enterprise_id)
        except Exception:  # noqa: BLE001 - whatever failed, the write it evaluates for commits
            log.exception("alerts of enterprise %s not evaluated; the write commits without them", enterprise_id)


def install(engine: Engine) -> None:
    # The evaluation (and the counting engine it reads) is loaded with the engine, not by the
    # first write, which would otherwise take the import's tens of milliseconds.
    import seatledger.alerts.evaluation  # noqa: F401

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
