"""The unattributed-email worklist, and mapping an email to a person (issue 18 item 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound
from seatledger.ingest.email_mapping import map_email
from seatledger.licensing import Scope, committer_totals, iter_unattributed_emails

from tests.licensing.unattributed_world import AS_OF, build


def test_unattributed_emails_list_pushes_repositories_and_last_push_without_bots_public_or_old(
    engine: Engine,
) -> None:
    build(engine)
    with engine.connect() as conn:
        rows = list(iter_unattributed_emails(conn, "acme", as_of=AS_OF))
    assert [(r.email, r.pushes, r.repositories, r.last_push) for r in rows] == [
        ("ann.home@gmail.com", 3, 2, AS_OF - dt.timedelta(days=2)),
        ("stranger@elsewhere.org", 1, 1, AS_OF - dt.timedelta(days=1)),
    ]


def test_mapping_an_email_makes_it_count_for_that_person_at_once(engine: Engine) -> None:
    build(engine)
    acme = Scope.enterprise("acme")
    with engine.connect() as conn:
        before = committer_totals(conn, acme, "code_security", as_of=AS_OF).total_committers
    with engine.begin() as conn:
        assert map_email(conn, "acme", "Ann.Home@gmail.com", "ann") == "created"
    with engine.begin() as conn:
        assert map_email(conn, "acme", "stranger@elsewhere.org", "carl") == "created"
    with engine.connect() as conn:
        after = committer_totals(conn, acme, "code_security", as_of=AS_OF).total_committers
        left = [r.email for r in iter_unattributed_emails(conn, "acme", as_of=AS_OF)]
    assert (before, after) == (1, 2)  # ann counted already (her verified address); carl now too
    assert left == []


def test_mapping_refuses_another_persons_email_a_bot_and_an_unknown_login(engine: Engine) -> None:
    build(engine)
    with engine.begin() as conn:
        with pytest.raises(InvalidInput, match="already a verified email of ann"):
            map_email(conn, "acme", "ann@acme.test", "carl")
        with pytest.raises(InvalidInput, match="bot"):
            map_email(conn, "acme", "49699333+dependabot[bot]@users.noreply.github.com", "carl")
        with pytest.raises(InvalidInput, match="not an email"):
            map_email(conn, "acme", "carl", "carl")
        with pytest.raises(NotFound):
            map_email(conn, "acme", "x@elsewhere.org", "nobody")
        assert map_email(conn, "acme", "carl@acme.test", "carl") == "unchanged"


def test_mapping_an_unverified_email_of_the_person_marks_it_verified(engine: Engine) -> None:
    build(engine)
    with engine.begin() as conn:
        led = Ledger(conn)
        carl = led.user_id(led.enterprise_id("acme"), "carl")
        assert carl is not None
        led.add_email(carl, "stranger@elsewhere.org", verified=False)
    with engine.connect() as conn:
        assert "stranger@elsewhere.org" in [r.email for r in iter_unattributed_emails(conn, "acme", as_of=AS_OF)]
    with engine.begin() as conn:
        assert map_email(conn, "acme", "stranger@elsewhere.org", "carl") == "updated"
    with engine.connect() as conn:
        assert committer_totals(conn, Scope.enterprise("acme"), "code_security", as_of=AS_OF).total_committers == 2
