"""Mapping an unattributed commit email to a person: it becomes their verified email (so their
pushes count for them at once), and what cannot be anybody's, or is already another's, is refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.errors import InvalidInput, NotFound
from seatledger.ingest.email_mapping import map_email
from tests.factories import EnterpriseBuilder


def _emails(conn: sa.Connection, user_id: int) -> set[tuple[str, bool]]:
    ue = t.user_emails
    return {
        (r.email, r.verified) for r in conn.execute(sa.select(ue.c.email, ue.c.verified).where(ue.c.user_id == user_id))
    }


def test_an_email_becomes_the_persons_verified_email_and_says_what_changed(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann = b.user("ann", emails=["ann@x.test"], unverified_emails=["old@x.test"])
        assert map_email(conn, "acme", " New@X.test ", "ann") == "created"
        assert map_email(conn, "acme", "old@x.test", "ann") == "updated"
        assert map_email(conn, "acme", "new@x.test", "ann") == "unchanged"
        assert _emails(conn, ann) == {("ann@x.test", True), ("old@x.test", True), ("new@x.test", True)}


@pytest.mark.parametrize(
    ("email", "login", "error", "message"),
    [
        ("not-an-email", "ann", InvalidInput, "is not an email address"),
        ("a b@x.test", "ann", InvalidInput, "is not an email address"),
        ("noreply@github.com", "ann", InvalidInput, "is a bot's email"),
        ("ann@x.test", "bob", InvalidInput, "already a verified email of ann"),
        ("robot@x.test", "robot", InvalidInput, "robot is a bot"),
        ("x@x.test", "nobody", NotFound, "no user 'nobody' in enterprise 'acme'"),
    ],
)
def test_what_cannot_be_the_persons_email_is_refused_and_nothing_is_written(
    engine: Engine, email: str, login: str, error: type[Exception], message: str
) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.user("ann", emails=["ann@x.test"])
        b.user("bob")
        b.user("robot", is_bot=True)
        before = conn.execute(sa.select(sa.func.count()).select_from(t.user_emails)).scalar()
        with pytest.raises(error, match=message):
            map_email(conn, "acme", email, login)
        assert conn.execute(sa.select(sa.func.count()).select_from(t.user_emails)).scalar() == before
