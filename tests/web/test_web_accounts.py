"""Sign-in accounts (``web/accounts.py``): who may have a password, argon2 hashes, who a login
and password sign in, and the first enterprise owner the first start offers one to."""

from __future__ import annotations

import datetime as dt
import statistics
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound, PermissionDenied
from seatledger.web.accounts import (
    MIN_PASSWORD_LENGTH,
    any_operator,
    authenticate,
    find_user,
    first_enterprise_owner,
    may_operate,
    set_password,
)

from test_web_routes_auth import T0, _people

LATER = dt.datetime(2026, 2, 1)


def test_only_owners_billing_managers_and_org_owners_may_get_a_password(engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        for who in ("owner", "billing", "orgowner"):
            set_password(conn, ids[who], f"{who}-password")
        with pytest.raises(PermissionDenied):
            set_password(conn, ids["member"], "member-password")


def test_a_password_is_stored_as_an_argon2id_hash_and_setting_it_again_replaces_it(engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        assert not any_operator(conn)
        set_password(conn, ids["owner"], "first-password")
        set_password(conn, ids["owner"], "second-password")
        assert any_operator(conn)
        hashes = conn.execute(sa.select(t.operators.c.password_hash)).scalars().all()
        assert len(hashes) == 1 and hashes[0].startswith("$argon2id$") and "second-password" not in hashes[0]
        assert authenticate(conn, "owner", "first-password") is None
        assert authenticate(conn, "owner", "second-password") == ids["owner"]


def test_a_password_shorter_than_the_minimum_is_refused(engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn, pytest.raises(InvalidInput) as refused:
        set_password(conn, ids["owner"], "x" * (MIN_PASSWORD_LENGTH - 1))
    assert refused.value.message == f"a password needs at least {MIN_PASSWORD_LENGTH} characters"


def test_a_person_whose_role_ended_or_who_is_suspended_no_longer_signs_in(engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["orgowner"], "orgowner-password")
        set_password(conn, ids["billing"], "billing-password")
        ledger = Ledger(conn)
        ledger.end_membership(ledger.org_id("acme-web"), ids["orgowner"], LATER)
        conn.execute(sa.update(t.users).where(t.users.c.id == ids["billing"]).values(suspended_at=LATER))
    with engine.connect() as conn:
        assert may_operate(conn, ids["orgowner"], as_of=LATER - dt.timedelta(seconds=1))
        assert not may_operate(conn, ids["orgowner"])
        assert authenticate(conn, "orgowner", "orgowner-password") is None
        assert authenticate(conn, "billing", "billing-password") is None, "suspended"


def test_a_login_in_two_enterprises_signs_in_as_the_one_whose_password_matches(engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["twin-globex"], "globex-password")
    with engine.connect() as conn:
        assert authenticate(conn, "twin", "globex-password") == ids["twin-globex"]
        assert authenticate(conn, "twin", "acme-password") is None


def test_find_user_names_the_enterprise_when_a_login_is_ambiguous_or_unknown(engine: Engine) -> None:
    ids = _people(engine)
    with engine.connect() as conn:
        assert find_user(conn, "owner") == ids["owner"]
        assert find_user(conn, "twin", "globex") == ids["twin-globex"]
        with pytest.raises(InvalidInput, match=r"'twin' exists in several enterprises \(acme, globex\)"):
            find_user(conn, "twin")
        with pytest.raises(NotFound) as unknown:
            find_user(conn, "owner", "globex")
    assert unknown.value.message == "no user 'owner' in enterprise 'globex'"


def test_the_first_start_offers_the_first_enterprises_earliest_owner_who_is_not_suspended(engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        assert first_enterprise_owner(conn) == (ids["owner"], "owner")
        ledger = Ledger(conn)
        second = ledger.add_user(ledger.enterprise_id("acme"), "second", created_at=T0)
        ledger.add_enterprise_role(ledger.enterprise_id("acme"), second, "owner", started_at=T0)
        conn.execute(sa.update(t.users).where(t.users.c.id == ids["owner"]).values(suspended_at=T0))
        assert first_enterprise_owner(conn) == (second, "second"), "never the twin, owner of the second enterprise"


def test_an_unknown_login_takes_as_long_to_refuse_as_a_wrong_password(engine: Engine) -> None:
    ids = _people(engine)
    with engine.begin() as conn:
        set_password(conn, ids["owner"], "owner-password")

    def seconds(login: str) -> float:
        with engine.connect() as conn:
            start = time.perf_counter()
            assert authenticate(conn, login, "not-the-password") is None
            return time.perf_counter() - start

    seconds("nobody")  # the dummy hash is made once, on first use
    known = statistics.median(seconds("owner") for _ in range(3))
    unknown = statistics.median(seconds("nobody") for _ in range(3))
    assert unknown > known / 3, (unknown, known)
