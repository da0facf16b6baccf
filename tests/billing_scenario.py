"""A small enterprise with a known March 2026, shared by the billing tests (hand-computed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from seatledger.db.ledger import Ledger

LONG_AGO = dt.datetime(2025, 1, 1)


@dataclass
class Acme:
    enterprise_id: int
    alpha: int
    beta: int
    users: dict[str, int]
    app_repo: int


def build_acme(conn: Connection) -> Acme:
    """acme: orgs alpha (older) and beta. In March 2026 (31 days):

    - ann, bob, cid: alpha members all month; bob is removed on the 20th (still billed).
    - dan: joins beta on the 10th (billed from the 10th).
    - eve: member of alpha and beta (alpha is older, so alpha grants her license).
    - Copilot Business: ann all month; cid from the 16th.
    - Code Security on alpha/app: ann pushed in February (active all month); cid first pushes
      on the 5th.
    """
    ledger = Ledger(conn)
    eid = ledger.add_enterprise("acme", "Acme", created_at=LONG_AGO)
    alpha = ledger.add_org(eid, "alpha", created_at=LONG_AGO)
    beta = ledger.add_org(eid, "beta", created_at=dt.datetime(2025, 2, 1))
    users = {
        login: ledger.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=LONG_AGO)
        for login in ("ann", "bob", "cid", "dan", "eve")
    }
    for login in ("ann", "bob", "cid", "eve"):
        ledger.add_membership(alpha, users[login], started_at=LONG_AGO)
    ledger.add_membership(beta, users["eve"], started_at=LONG_AGO)
    ledger.end_membership(alpha, users["bob"], at=dt.datetime(2026, 3, 20, 9, 30))
    ledger.add_membership(beta, users["dan"], started_at=dt.datetime(2026, 3, 10, 10, 0))
    ledger.add_copilot_seat(alpha, users["ann"], created_at=LONG_AGO)
    ledger.add_copilot_seat(alpha, users["cid"], created_at=dt.datetime(2026, 3, 16, 8, 0))
    app = ledger.add_repo(eid, "alpha", "app", org_id=alpha, code_security=True, created_at=LONG_AGO)
    ledger.add_commits(
        app,
        [
            {
                "sha": "a1",
                "author_email": "ann@acme.test",
                "author_date": dt.datetime(2026, 2, 19),
                "pushed_at": dt.datetime(2026, 2, 20, 12, 0),
            },
            {
                "sha": "c1",
                "author_email": "cid@acme.test",
                "author_date": dt.datetime(2026, 3, 1),
                "pushed_at": dt.datetime(2026, 3, 5, 15, 0),
            },
        ],
    )
    return Acme(eid, alpha, beta, users, app)
