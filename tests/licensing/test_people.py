"""One person's licenses and why (``licensing.describe_person``) say what the counts count:
for every person of the demo enterprise, their seat is their row of the license usage report,
their Advanced Security products add up to the committer totals and their Copilot seat is
the one the seat list bills."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.engine import Engine

from seatledger import licensing
from seatledger.demo import build_demo
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import Scope

ANCHOR = dt.datetime(2026, 11, 1)
AT = ANCHOR - dt.timedelta(hours=1)


@pytest.fixture
def demo(engine: Engine) -> Engine:
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    return engine


def test_every_seat_holder_is_described_as_their_license_usage_row_and_committer_counts(demo: Engine) -> None:
    counted = {"code_security": 0, "secret_protection": 0}
    with demo.connect() as conn:
        people = list(licensing.iter_licensed_people(conn, "acme", as_of=AT))
        assert people
        for person in people:
            found = licensing.describe_person(conn, "acme", person.key, as_of=AT)
            assert found.seat == person
            assert found.seat_reasons and {r.reason for r in found.seat_reasons} == set(person.reasons)
            products = {c.product: c.counted for c in found.advanced_security}
            if person.user_id is not None:
                assert products["code_security"] == person.code_security_user
                assert products["secret_protection"] == person.secret_protection_user
            for product, is_counted in products.items():
                counted[product] += is_counted
        for product, n in counted.items():
            assert n == licensing.committer_totals(conn, Scope.enterprise("acme"), product, as_of=AT).total_committers  # type: ignore[arg-type]


def test_the_copilot_seat_a_person_is_explained_by_is_the_one_the_seat_list_counts(demo: Engine) -> None:
    with demo.connect() as conn:
        listed = list(licensing.iter_copilot_seats(conn, Scope.enterprise("acme"), as_of=AT))
        assert listed
        for seat in listed:
            found = licensing.describe_person(conn, "acme", seat.login, as_of=AT)
            assert found.copilot_seats[0] == seat
            assert "copilot_" + seat.plan in found.licenses


def test_a_person_is_found_by_login_any_case_and_by_an_email(demo: Engine) -> None:
    with demo.connect() as conn:
        person = next(
            p for p in licensing.iter_licensed_people(conn, "acme", as_of=AT) if p.login and p.verified_domain_emails
        )
        by_login = licensing.describe_person(conn, "acme", person.login.upper(), as_of=AT)  # type: ignore[union-attr]
        by_email = licensing.describe_person(conn, "acme", person.verified_domain_emails[0], as_of=AT)
        assert by_login == by_email and by_login.key == person.key


def test_server_only_and_invited_people_are_explained_by_their_email(demo: Engine) -> None:
    with demo.connect() as conn:
        people = list(licensing.iter_licensed_people(conn, "acme", as_of=AT))
        server = next(p for p in people if p.key.startswith("server:"))
        invited = next(p for p in people if p.invited_email)
        s = licensing.describe_person(conn, "acme", server.key.removeprefix("server:"), as_of=AT)
        assert s.key == server.key and s.server_logins and s.seat_reasons[0].reason == "server_user"
        assert s.timeline and s.timeline[0].license == "enterprise"
        i = licensing.describe_person(conn, "acme", invited.invited_email, as_of=AT)  # type: ignore[arg-type]
        assert i.key == invited.key and [r.reason for r in i.seat_reasons] == ["pending_invitation"]


def test_a_person_without_a_license_at_the_instant_is_described_with_none(demo: Engine) -> None:
    with demo.connect() as conn:
        person = next(iter(licensing.iter_licensed_people(conn, "acme", as_of=AT)))
        before = person.license_started_at - dt.timedelta(seconds=1)  # type: ignore[operator]
        found = licensing.describe_person(conn, "acme", person.key, as_of=before)
        assert found.seat is None and found.seat_reasons == () and "enterprise" not in found.licenses
        assert found.timeline  # their later license is still on the timeline


def test_an_unknown_person_or_empty_name_is_a_clear_error(demo: Engine) -> None:
    with demo.connect() as conn:
        with pytest.raises(NotFound, match="no person 'nobody-at-all'"):
            licensing.describe_person(conn, "acme", "nobody-at-all")
        with pytest.raises(NotFound, match="no person"):
            licensing.describe_person(conn, "acme", "user:999999")
        with pytest.raises(InvalidInput):
            licensing.describe_person(conn, "acme", "  ")
        with pytest.raises(NotFound, match="no enterprise"):
            licensing.describe_person(conn, "nope", "x")


def test_search_finds_people_by_login_name_email_and_server_login_paged(demo: Engine) -> None:
    with demo.connect() as conn:
        people = list(licensing.iter_licensed_people(conn, "acme", as_of=AT))
        cloud = next(p for p in people if p.login and p.verified_domain_emails and p.name)
        server = next(p for p in people if p.key.startswith("server:"))
        for text in (cloud.login, cloud.name, cloud.verified_domain_emails[0].upper()):
            found = licensing.search_people(conn, "acme", text)  # type: ignore[arg-type]
            assert cloud.key in {m.key for m in found.people}, text
        email = server.key.removeprefix("server:")
        found = licensing.search_people(conn, "acme", email)
        assert [m.key for m in found.people] == [server.key] and found.people[0].handle == email
        everyone = licensing.search_people(conn, "acme", "ac", limit=100)
        page2 = licensing.search_people(conn, "acme", "ac", limit=5, offset=5)
        assert page2.total == everyone.total and page2.people == everyone.people[5:10]
        assert licensing.search_people(conn, "acme", "%_").total == 0  # LIKE's wildcards match themselves
        with pytest.raises(InvalidInput):
            licensing.search_people(conn, "acme", "a")
