"""Repositories: Advanced Security enablement keeps its history, and pushed commits are
recorded once per (repository, sha)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from tests.factories import T0, EnterpriseBuilder

DAY = dt.timedelta(days=1)


def test_enabling_and_disabling_a_product_keeps_its_history_and_the_flag_is_the_current_value(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        octo = b.org("octo")
        led = b.ledger
        repo = led.add_repo(b.id, "octo", "app", org_id=octo, code_security=True, created_at=T0)
        led.set_repo_products(repo, code_security=False, at=T0 + DAY)
        # A product enabled on a known repository starts at `at`, never at its creation.
        assert led.upsert_repo(b.id, "octo", "app", code_security=True, created_at=T0, at=T0 + 3 * DAY) == (
            repo,
            "updated",
        )
        assert led.upsert_repo(b.id, "octo", "app", code_security=True) == (repo, "unchanged")
        ge = ti.ghas_enablements
        spans = conn.execute(sa.select(ge.c.product, ge.c.started_at, ge.c.ended_at).order_by(ge.c.id)).all()
        assert spans == [("code_security", T0, T0 + DAY), ("code_security", T0 + 3 * DAY, None)]
        r = t.repositories
        flags = conn.execute(sa.select(r.c.code_security_enabled, r.c.secret_protection_enabled)).one()
        assert tuple(flags) == (True, False)


def test_commits_are_recorded_once_per_repository_and_sha_with_the_email_lower_case(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        repo = b.repo("octo", "app")

        def commit(sha: str, email: str = "Dev@Acme.TEST") -> dict[str, object]:
            return {"sha": sha * 40, "author_email": email, "author_date": T0, "pushed_at": T0 + DAY}

        assert b.ledger.add_commits(repo, [commit("a"), commit("b"), commit("b")]) == 2
        assert b.ledger.add_commits(repo, [commit("b"), commit("c", "ops@acme.test")]) == 1
        assert b.ledger.add_commits(repo, []) == 0
        c = t.commits
        rows = conn.execute(sa.select(c.c.sha, c.c.author_email).order_by(c.c.sha)).all()
        assert [(sha[0], email) for sha, email in rows] == [
            ("a", "dev@acme.test"),
            ("b", "dev@acme.test"),
            ("c", "ops@acme.test"),
        ]
