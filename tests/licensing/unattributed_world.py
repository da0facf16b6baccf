"""A small enterprise with unattributed commit emails (the item 8 tests of several surfaces)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger

AS_OF = dt.datetime(2026, 6, 15, 12, 0, 0)
LONG_AGO = dt.datetime(2025, 1, 1)
_shas = itertools.count(1)


def build(engine: Engine) -> None:
    """acme: ann (member, ann@acme.test) and carl (member); a private repository with Code
    Security and a public one; pushes by ann's personal address, a stranger, a bot, an email
    pushed before the window, and ann's verified address."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=LONG_AGO)
        org = led.add_org(eid, "acme-org", created_at=LONG_AGO)
        for login in ("ann", "carl"):
            uid = led.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=LONG_AGO)
            led.add_membership(org, uid, started_at=LONG_AGO)
        private = led.add_repo(eid, "acme-org", "app", org_id=org, code_security=True, created_at=LONG_AGO)
        tools = led.add_repo(eid, "acme-org", "tools", org_id=org, code_security=True, created_at=LONG_AGO)
        public = led.add_repo(eid, "acme-org", "site", org_id=org, visibility="public", created_at=LONG_AGO)

        def push(repo: int, email: str, days_ago: float, commits: int = 1) -> None:
            at = AS_OF - dt.timedelta(days=days_ago)
            led.add_commits(
                repo,
                [
                    {"sha": f"{next(_shas):040x}", "author_email": email, "author_date": at, "pushed_at": at}
                    for _ in range(commits)
                ],
            )

        push(private, "Ann.Home@Gmail.com".lower(), 10, commits=3)  # one push of three commits
        push(private, "ann.home@gmail.com", 2)
        push(tools, "ann.home@gmail.com", 5)
        push(private, "stranger@elsewhere.org", 1)
        push(public, "public-only@elsewhere.org", 1)
        push(private, "49699333+dependabot[bot]@users.noreply.github.com", 1)
        push(private, "long-ago@elsewhere.org", 91)
        push(private, "ann@acme.test", 3)
