"""Reclaim: which Enterprise and Copilot seats could be taken back at an instant, and the
Copilot cancel of a dry run's selection (through the seat API's cancel, recorded)."""

from __future__ import annotations

import datetime as dt
from typing import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger import licensing
from seatledger.db.ledger import Ledger
from seatledger.db.tables_reclaims import copilot_reclaims
from seatledger.errors import InvalidInput
from seatledger.licensing import ReclaimRules, Scope

LONG_AGO = dt.datetime(2025, 1, 1)
AS_OF = dt.datetime(2026, 6, 15, 12, 0)
DAY = dt.timedelta(days=1)


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as c:
        yield c


@pytest.fixture
def acme(conn: Connection) -> dict[str, int]:
    """One person per category, and a busy member who is in none."""
    led = Ledger(conn)
    eid = led.add_enterprise("acme", created_at=LONG_AGO)
    org = led.add_org(eid, "octo", created_at=LONG_AGO)
    ids = {"eid": eid, "org": org}

    def person(login: str, **kw: object) -> int:
        kw.setdefault("created_at", LONG_AGO)
        ids[login] = led.add_user(eid, login, emails=[f"{login}@acme.test"], **kw)  # type: ignore[arg-type]
        return ids[login]

    led.add_membership(org, person("busy"), started_at=LONG_AGO)
    led.add_membership(org, person("sleepy", dormant=True), started_at=LONG_AGO)
    led.add_invitation(org, email="old@elsewhere.test", created_at=AS_OF - 40 * DAY)
    led.add_invitation(org, email="new@elsewhere.test", created_at=AS_OF - 5 * DAY)
    quiet = led.add_repo(eid, "octo", "quiet", org_id=org, created_at=LONG_AGO)
    lively = led.add_repo(eid, "octo", "lively", org_id=org, created_at=LONG_AGO)
    led.add_collaborator(quiet, person("outsider"), started_at=LONG_AGO)
    led.add_collaborator(lively, person("helper"), started_at=LONG_AGO)
    led.add_commits(
        lively,
        [{"sha": "a1", "author_email": "busy@acme.test", "author_date": AS_OF - 3 * DAY, "pushed_at": AS_OF - 3 * DAY}],
    )
    led.add_commits(
        quiet,
        [
            {
                "sha": "b1",
                "author_email": "busy@acme.test",
                "author_date": AS_OF - 200 * DAY,
                "pushed_at": AS_OF - 200 * DAY,
            }
        ],
    )
    server = led.add_server(eid, "ghes-1", "ghes.acme.test", created_at=LONG_AGO)
    gone = person("gone", suspended_at=AS_OF - 10 * DAY)
    led.add_server_account(server, 7, "gone", primary_email="gone@acme.test", created_at=LONG_AGO)
    licensing.rematch(conn, eid)
    # Copilot: never used, idle 100 days, active, and a newcomer who never used theirs.
    led.add_copilot_seat(org, ids["busy"], created_at=LONG_AGO, last_activity_at=AS_OF - DAY)
    ids["seat_sleepy"] = led.add_copilot_seat(org, ids["sleepy"], created_at=LONG_AGO)
    ids["seat_helper"] = led.add_copilot_seat(
        org, ids["helper"], created_at=LONG_AGO, last_activity_at=AS_OF - 100 * DAY
    )
    led.add_membership(org, person("newbie", created_at=AS_OF - 10 * DAY), started_at=AS_OF - 10 * DAY)
    led.add_copilot_seat(org, ids["newbie"], created_at=AS_OF - 10 * DAY)
    assert gone
    return ids


def _listed(found: licensing.Reclaim) -> set[tuple[str, str]]:
    return {(c.category, c.login or c.person_key) for c in found.candidates}


def test_each_enterprise_seat_category_lists_exactly_its_people(conn: Connection, acme: dict[str, int]) -> None:
    found = licensing.reclaim(conn, "acme", "enterprise", as_of=AS_OF)
    assert _listed(found) == {
        ("dormant", "sleepy"),
        ("stale_invitation", "invite:old@elsewhere.test"),
        ("idle_collaborator", "outsider"),
        ("suspended_server", "gone"),
    }
    assert found.counts == {"dormant": 1, "stale_invitation": 1, "idle_collaborator": 1, "suspended_server": 1}
    # Everyone listed holds a seat: reclaiming is only ever about seats counted now.
    held = {p.key for p in licensing.iter_licensed_people(conn, "acme", as_of=AS_OF)}
    assert {c.person_key for c in found.candidates} <= held


def test_a_push_within_the_window_keeps_an_outside_collaborator_off_the_list(
    conn: Connection, acme: dict[str, int]
) -> None:
    rules = ReclaimRules(collaborator_days=250)  # the quiet repository's push is 200 days old
    assert ("idle_collaborator", "outsider") not in _listed(
        licensing.reclaim(conn, "acme", "enterprise", rules=rules, as_of=AS_OF)
    )


def test_copilot_lists_never_used_and_idle_seats_but_not_newcomers_or_the_excluded(
    conn: Connection, acme: dict[str, int]
) -> None:
    found = licensing.reclaim(conn, "acme", "copilot", as_of=AS_OF)
    assert _listed(found) == {("never_used", "sleepy"), ("idle", "helper")}
    assert set(found.seat_ids) == {acme["seat_sleepy"], acme["seat_helper"]}
    assert _listed(licensing.reclaim(conn, "acme", "copilot", rules=ReclaimRules(idle_days=120), as_of=AS_OF)) == {
        ("never_used", "sleepy")
    }
    assert _listed(licensing.reclaim(conn, "acme", "copilot", rules=ReclaimRules(joined_days=0), as_of=AS_OF)) == {
        ("never_used", "sleepy"),
        ("idle", "helper"),
    }  # the newbie's seat is 10 days old: not idle 90 days
    excluded = licensing.reclaim(conn, "acme", "copilot", rules=ReclaimRules(exclude=("Sleepy", "x@y.z")), as_of=AS_OF)
    assert _listed(excluded) == {("idle", "helper")}


def test_cancelling_a_dry_runs_selection_cancels_exactly_those_seats_and_records_who(
    conn: Connection, acme: dict[str, int]
) -> None:
    dry = licensing.reclaim(conn, "acme", "copilot", as_of=AS_OF)
    before = licensing.copilot_totals(conn, Scope.enterprise("acme"), as_of=AS_OF).breakdown.pending_cancellation
    done = licensing.cancel_reclaimed_seats(
        conn, "acme", dry.seat_ids, rules=dry.rules, by_user_id=acme["busy"], at=AS_OF
    )
    assert {c.seat_id for c in done} == set(dry.seat_ids)
    after = licensing.copilot_totals(conn, Scope.enterprise("acme"), as_of=AS_OF).breakdown.pending_cancellation
    assert after - before == len(dry.seat_ids)
    log = conn.execute(
        sa.select(copilot_reclaims.c.seat_id, copilot_reclaims.c.cancelled_by_user_id, copilot_reclaims.c.cancelled_at)
    ).all()
    assert sorted(log) == sorted((s, acme["busy"], AS_OF) for s in dry.seat_ids)
    assert licensing.reclaim(conn, "acme", "copilot", as_of=AS_OF).candidates == ()  # pending ones are not listed again


def test_a_seat_used_since_the_dry_run_is_not_cancelled(conn: Connection, acme: dict[str, int]) -> None:
    dry = licensing.reclaim(conn, "acme", "copilot", as_of=AS_OF)
    Ledger(conn).upsert_copilot_seat(
        acme["org"], acme["helper"], created_at=LONG_AGO, last_activity_at=AS_OF - DAY, at=AS_OF
    )  # the seat list's next import
    done = licensing.cancel_reclaimed_seats(
        conn, "acme", dry.seat_ids, rules=dry.rules, by_user_id=acme["busy"], at=AS_OF
    )
    assert [c.seat_id for c in done] == [acme["seat_sleepy"]]


@pytest.mark.parametrize("bad", [{"idle_days": -1}, {"joined_days": 99999}, {"invitation_days": True}])
def test_bad_thresholds_are_refused_with_the_name(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match=next(iter(bad))):
        ReclaimRules(**bad)  # type: ignore[arg-type]


def test_an_unknown_product_is_refused(conn: Connection, acme: dict[str, int]) -> None:
    with pytest.raises(InvalidInput, match="product"):
        licensing.reclaim(conn, "acme", "ghas", as_of=AS_OF)
