"""Who started or stopped counting as an Advanced Security committer, and why
(``licensing/committer_changes.py``): each start and end of a kept committer span in the range,
named by the condition that changed at that instant. The change list's reconciliation with the
totals is held by test_changes.py."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy.engine import Engine

from factories import T0, EnterpriseBuilder
from seatledger import licensing
from seatledger.db.ledger import Ledger
from seatledger.licensing.committer_changes import committer_events_by_product

DAY = dt.timedelta(days=1)
ALICE_PUSH = dt.datetime(2026, 2, 1, 10, 0)
BOB_PUSH = dt.datetime(2026, 2, 5, 10, 0)
CARL_PUSH = dt.datetime(2026, 1, 20, 10, 0)
LIB_ENABLED = dt.datetime(2026, 2, 10, 8, 0)
CARL_JOINED = dt.datetime(2026, 2, 15, 8, 0)
DAVE_LEFT = dt.datetime(2026, 2, 20, 8, 0)
LIB_DISABLED = dt.datetime(2026, 3, 1, 8, 0)
TO = dt.datetime(2026, 3, 15, 12, 0)


@pytest.fixture
def world(engine: Engine) -> dict[str, int]:
    """octo/app has Code Security from the start, octo/lib from LIB_ENABLED to LIB_DISABLED;
    labs/tools (another org) from the start. Each person's span starts or ends by one rule."""
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        app = b.repo("octo", "app", code_security=True)
        lib = b.repo("octo", "lib")
        tools = b.repo("labs", "tools", code_security=True)
        for login in ("alice", "bob", "dave"):
            b.member("octo", login, emails=[f"{login}@acme.test"])
        b.member("labs", "erin", emails=["erin@acme.test"])
        carl = b.user("carl", emails=["carl@acme.test"])

        shas = itertools.count(1)

        def push(repo: int, login: str, at: dt.datetime) -> None:
            b.ledger.add_commits(
                repo,
                [
                    {
                        "sha": f"{next(shas):040x}",
                        "author_email": f"{login}@acme.test",
                        "author_date": at,
                        "pushed_at": at,
                    }
                ],
            )

        push(app, "alice", ALICE_PUSH)
        push(lib, "bob", BOB_PUSH)
        push(app, "carl", CARL_PUSH)
        push(app, "dave", ALICE_PUSH - DAY)
        push(tools, "erin", ALICE_PUSH + DAY)
    with engine.begin() as conn:  # later changes, each in a transaction of its own as an import makes them
        ledger = Ledger(conn)
        ledger.set_repo_products(lib, code_security=True, at=LIB_ENABLED)
        ledger.add_membership(b.orgs["octo"], carl, "member", started_at=CARL_JOINED)
        ledger.end_membership(b.orgs["octo"], b.users["dave"], DAVE_LEFT)
    with engine.begin() as conn:
        Ledger(conn).set_repo_products(lib, code_security=False, at=LIB_DISABLED)
    return {**b.users, "octo": b.orgs["octo"], "labs": b.orgs["labs"]}


def _events(
    engine: Engine, t1: dt.datetime, t2: dt.datetime, org: tuple[str, int] | None = None, product: str = "code_security"
) -> list[tuple[str, dt.datetime, int, str, str]]:
    with engine.connect() as conn:
        info = licensing.get_enterprise(conn, "acme")
        found = committer_events_by_product(conn, info, org, (product,), t1, t2)[product]
    return sorted((e.change, e.at, e.user_id, e.reason, e.rule) for e in found)


def test_each_start_and_end_is_named_by_the_rule_that_changed_then(engine: Engine, world: dict[str, int]) -> None:
    got = _events(engine, T0, TO)
    assert got == sorted(
        [
            ("added", ALICE_PUSH, world["alice"], "first_push", "pushed to octo/app, a Code Security repository"),
            ("added", ALICE_PUSH - DAY, world["dave"], "first_push", "pushed to octo/app, a Code Security repository"),
            (
                "added",
                ALICE_PUSH + DAY,
                world["erin"],
                "first_push",
                "pushed to labs/tools, a Code Security repository",
            ),
            (
                "added",
                LIB_ENABLED,
                world["bob"],
                "product_enabled",
                "Code Security enabled on octo/lib, where they push",
            ),
            (
                "added",
                CARL_JOINED,
                world["carl"],
                "seat_started",
                "a Code Security committer who started holding an enterprise seat",
            ),
            ("removed", DAVE_LEFT, world["dave"], "seat_ended", "stopped holding an enterprise seat"),
            ("removed", LIB_DISABLED, world["bob"], "product_disabled", "Code Security disabled on octo/lib"),
        ]
    )


def test_a_span_ends_when_the_last_push_leaves_the_90_day_window(engine: Engine, world: dict[str, int]) -> None:
    out = ALICE_PUSH + 90 * DAY
    got = [e for e in _events(engine, TO, out + DAY) if e[2] == world["alice"]]
    assert got == [
        ("removed", out, world["alice"], "left_window", "left the 90-day window of octo/app (last push 2026-02-01)")
    ]


def test_the_range_is_open_at_its_start_and_closed_at_its_end(engine: Engine, world: dict[str, int]) -> None:
    assert [e[3] for e in _events(engine, LIB_ENABLED, CARL_JOINED)] == ["seat_started"], (
        "LIB_ENABLED itself is before the range; CARL_JOINED is its last instant"
    )
    assert _events(engine, ALICE_PUSH + 2 * DAY, LIB_ENABLED - DAY) == []


def test_through_an_organization_only_its_repositories_count(engine: Engine, world: dict[str, int]) -> None:
    labs = _events(engine, T0, TO, org=("labs", world["labs"]))
    assert [(e[0], e[2]) for e in labs] == [("added", world["erin"])]
    assert world["erin"] not in {e[2] for e in _events(engine, T0, TO, org=("octo", world["octo"]))}


def test_a_product_no_repository_has_lists_no_change(engine: Engine, world: dict[str, int]) -> None:
    assert _events(engine, T0, TO, product="secret_protection") == []
