"""Who gets the digest: only an owner or billing manager, weekly or monthly, listed by
enterprise and login; mail goes to their primary verified email."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from seatledger.db.ledger import Ledger
from seatledger.digests.subscriptions import email_of, list_subscriptions, may_read, subscribe, unsubscribe
from seatledger.errors import InvalidInput, NotFound, PermissionDenied
from tests.digests.digest_world import NOW, T0, build_acme


def test_subscribing_needs_a_role_and_a_known_frequency(engine: Engine) -> None:
    ids = build_acme(engine)
    with engine.begin() as conn:
        with pytest.raises(PermissionDenied, match="m1 is not an owner or billing manager"):
            subscribe(conn, "acme", "m1", "weekly")
        with pytest.raises(InvalidInput, match="weekly or monthly"):
            subscribe(conn, "acme", "mona", "daily")
        with pytest.raises(NotFound, match="no user 'zed'"):
            subscribe(conn, "acme", "zed", "weekly")
        with pytest.raises(NotFound, match="does not subscribe"):
            unsubscribe(conn, "acme", "mona")
        sub = subscribe(conn, "acme", "mona", " Monthly ", now=NOW)
    assert (sub.user_id, sub.enterprise, sub.login, sub.frequency) == (ids["mona"], "acme", "mona", "monthly")
    assert (sub.subscribed_at, sub.last_sent_at) == (NOW, None)


def test_subscribing_again_changes_the_frequency_and_the_list_is_by_enterprise_then_login(engine: Engine) -> None:
    build_acme(engine)
    with engine.begin() as conn:
        led = Ledger(conn)
        other = led.add_enterprise("beta", "Beta", created_at=T0)
        led.add_enterprise_role(
            other, led.add_user(other, "abe", emails=["abe@beta.test"], created_at=T0), "owner", started_at=T0
        )
        for slug, login in (("beta", "abe"), ("acme", "mona"), ("acme", "bob")):
            subscribe(conn, slug, login, "weekly", now=NOW)
        again = subscribe(conn, "acme", "mona", "monthly", now=NOW + dt.timedelta(days=1))
        assert (again.frequency, again.subscribed_at) == ("monthly", NOW)  # the same subscription
        assert [(s.enterprise, s.login, s.frequency) for s in list_subscriptions(conn)] == [
            ("acme", "bob", "weekly"),
            ("acme", "mona", "monthly"),
            ("beta", "abe", "weekly"),
        ]
        unsubscribe(conn, "acme", "bob")
        assert [s.login for s in list_subscriptions(conn, "acme")] == ["mona"]
        with pytest.raises(NotFound):
            list_subscriptions(conn, "nope")


def test_only_a_role_held_then_by_an_unsuspended_person_may_read(engine: Engine) -> None:
    ids = build_acme(engine)
    eid, day = ids["enterprise"], dt.timedelta(days=1)
    with engine.begin() as conn:
        led = Ledger(conn)
        led.end_enterprise_role(eid, ids["bob"], "owner", at=NOW)
        led.suspend_user(ids["carol"], at=NOW)
        assert may_read(conn, eid, ids["mona"], NOW)
        assert not may_read(conn, eid, ids["m1"], NOW)  # a member only
        for login in ("bob", "carol"):
            assert may_read(conn, eid, ids[login], NOW - day) and not may_read(conn, eid, ids[login], NOW + day), login


def test_mail_goes_to_the_primary_verified_email_else_the_first_verified(engine: Engine) -> None:
    ids = build_acme(engine)
    with engine.begin() as conn:
        led = Ledger(conn)
        led.add_email(ids["mona"], "mona.work@acme.test")
        assert email_of(conn, ids["mona"]) == "mona@acme.test"
        ed = led.add_user(ids["enterprise"], "ed", unverified_emails=["ed@acme.test"], created_at=T0)
        assert email_of(conn, ed) is None
        led.add_email(ed, "ed.second@acme.test")
        led.add_email(ed, "ed.third@acme.test")
        assert email_of(conn, ed) == "ed.second@acme.test"
