"""The kept license intervals equal the rules applied to the facts, whatever the writes.

Random sequences of writes of every kind, in random order, backdated, each committed as the
product commits them (some several to a transaction), on both databases. After each sequence
``verify`` finds no drift, and every count at several instants (inside the sequence's
history too) equals a recount of the rules' own rows done here in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine

from seatledger.db import intervals, rules
from seatledger.db.ledger import Ledger
from seatledger.licensing import copilot
from seatledger.licensing import (
    Scope,
    committer_totals_by_product,
    count_consumed,
    iter_repository_committers,
    iter_unattributed_emails,
    seat_totals,
)
from tests.db.random_writes import INSTANTS, OPS, T0, apply, new_world


def _holders(rows: list[tuple[Any, ...]], at: dt.datetime, org_id: int | None = None) -> set[str]:
    """People holding a seat at ``at``, recounted in Python from the rules' own rows."""
    out = set()
    for user_id, other_key, _reason, started, ended, row_org, _repo, _source in rows:
        if org_id is not None and row_org != org_id:
            continue
        if started <= at and (ended is None or ended > at):
            out.add(f"user:{user_id}" if user_id is not None else other_key)
    return out


def _committers(
    conn: Connection,
    w: dict[str, Any],
    rows: list[tuple[Any, ...]],
    at: dt.datetime,
    latest: dict[tuple[str, int, int], tuple[Any, ...]] | None = None,
) -> dict[str, set[Any]]:
    """Per product (and "any" repository), the people counted at ``at``, recounted from the facts:
    a commit of one of their verified emails pushed in the 90 days up to ``at`` to a
    non-public repository with the product enabled then, while they hold a seat. ``latest``
    gets per (product, repository, person) their latest such commit (author date, sha, email)."""
    import sqlalchemy as sa

    from seatledger.db import tables as t
    from seatledger.db import tables_intervals as ti

    holders = {int(k.split(":")[1]) for k in _holders(rows, at) if k.startswith("user:")}
    owners: dict[str, set[int]] = {}
    for uid, email in conn.execute(
        sa.select(t.user_emails.c.user_id, t.user_emails.c.email)
        .join(t.users, t.users.c.id == t.user_emails.c.user_id)
        .where(
            t.users.c.enterprise_id == w["eid"], t.user_emails.c.verified == sa.true(), t.users.c.is_bot == sa.false()
        )
    ):
        owners.setdefault(email, set()).add(uid)
    ge = ti.ghas_enablements
    on = {
        (r, p)
        for r, p, a, b in conn.execute(sa.select(ge.c.repository_id, ge.c.product, ge.c.started_at, ge.c.ended_at))
        if a <= at and (b is None or b > at)
    }
    out: dict[str, set[Any]] = {
        "any": set(),
        "code_security": set(),
        "secret_protection": set(),
        "code_security repositories": set(),
        "secret_protection repositories": set(),
    }
    c = t.commits
    for repo_id, email, pushed, authored, sha in conn.execute(
        sa.select(c.c.repository_id, c.c.author_email, c.c.pushed_at, c.c.author_date, c.c.sha)
        .join(t.repositories, t.repositories.c.id == c.c.repository_id)
        .where(t.repositories.c.enterprise_id == w["eid"], t.repositories.c.visibility != "public")
    ):
        if not (at - dt.timedelta(days=90) < pushed <= at):
            continue
        people = owners.get(email, set()) & holders
        out["any"] |= people
        for product in ("code_security", "secret_protection"):
            if (repo_id, product) in on:
                out[product] |= people
                out[f"{product} repositories"] |= {repo_id} if people else set()
                for uid in people if latest is not None else ():
                    key = (product, repo_id, uid)
                    latest[key] = max(latest.get(key, (authored, sha, email)), (authored, sha, email))
    return out


def _unattributed(conn: Connection, w: dict[str, Any], at: dt.datetime) -> list[tuple[Any, ...]]:
    """(email, pushes, repositories, last push) of the author emails pushed in the 90 days up
    to ``at`` to a non-public repository that are nobody's verified email and not a bot's,
    recounted from every commit."""
    import sqlalchemy as sa

    from seatledger.bots import BOT_EMAILS, BOT_MARK
    from seatledger.db import tables as t

    known = set(
        conn.execute(
            sa.select(t.user_emails.c.email)
            .join(t.users, t.users.c.id == t.user_emails.c.user_id)
            .where(t.users.c.enterprise_id == w["eid"], t.user_emails.c.verified == sa.true())
        ).scalars()
    )
    pushes: dict[str, set[tuple[int, dt.datetime]]] = {}
    for repo_id, email, pushed in conn.execute(
        sa.select(t.commits.c.repository_id, t.commits.c.author_email, t.commits.c.pushed_at)
        .join(t.repositories, t.repositories.c.id == t.commits.c.repository_id)
        .where(t.repositories.c.enterprise_id == w["eid"], t.repositories.c.visibility != "public")
    ):
        if at - dt.timedelta(days=90) < pushed <= at and email not in known:
            if BOT_MARK not in email and email not in BOT_EMAILS:
                pushes.setdefault(email, set()).add((repo_id, pushed))
    rows = [(e, len(p), len({r for r, _ in p}), max(at for _, at in p)) for e, p in pushes.items()]
    return sorted(rows, key=lambda row: (-row[1], row[0]))


def _check(conn: Connection, w: dict[str, Any]) -> None:
    assert intervals.verify(conn, w["eid"]) == []
    rows = [tuple(r) for r in conn.execute(rules.seat_reasons(rules.load_policy(conn, w["eid"]), rules.EVERYONE))]
    for at in INSTANTS:
        assert count_consumed(conn, w["slug"], as_of=at) == len(_holders(rows, at))
        totals = seat_totals(conn, w["slug"], as_of=at)
        assert totals.consumed == len(_holders(rows, at))
        month = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        billable = {  # anyone holding at some instant of [1st of the month, at]
            f"user:{u}" if u is not None else k
            for u, k, _r, started, ended, _o, _rp, _s in rows
            if started <= at and (ended is None or ended > month)
        }
        assert totals.billable_this_month == len(billable), at
        for i, org_id in enumerate(w["orgs"]):
            assert count_consumed(conn, w["slug"], org=f"{w['slug']}-org{i}", as_of=at) == len(
                _holders(rows, at, org_id)
            )
        unattributed = [
            (e.email, e.pushes, e.repositories, e.last_push)
            for e in iter_unattributed_emails(conn, w["slug"], as_of=at)
        ]
        assert unattributed == _unattributed(conn, w, at), at
        for scope in [Scope.enterprise(w["slug"]), *(Scope.org(f"{w['slug']}-org{i}") for i in range(len(w["orgs"])))]:
            holders = copilot.count_seat_holders(conn, scope, as_of=at)
            assert holders == copilot.copilot_totals(conn, scope, as_of=at).breakdown.total, (scope, at)
        latest: dict[tuple[str, int, int], tuple[Any, ...]] = {}
        committers = _committers(conn, w, rows, at, latest)
        totals_by_product = committer_totals_by_product(conn, Scope.enterprise(w["slug"]), as_of=at)
        for product in ("code_security", "secret_protection"):
            assert totals_by_product[product].total_committers == len(committers[product]), (product, at)
            assert totals_by_product[product].maximum_committers == len(committers["any"])
            repositories = len(committers[f"{product} repositories"])
            assert totals_by_product[product].total_repositories == repositories, (product, at)
            _pages_agree(conn, w, product, at)
            _breakdowns_agree(conn, w, product, at, latest)


def _pages_agree(conn: Connection, w: dict[str, Any], product: str, at: dt.datetime) -> None:
    """The repositories with committers read a page at a time (each page from its own
    repositories) are the whole list's rows, in its order."""
    for scope in [Scope.enterprise(w["slug"]), Scope.org(f"{w['slug']}-org0")]:
        whole = list(iter_repository_committers(conn, scope, product, as_of=at))
        for offset, limit in ((0, 1), (1, 2), (0, 100)):
            page = list(iter_repository_committers(conn, scope, product, as_of=at, offset=offset, limit=limit))
            assert page == whole[offset : offset + limit], (scope, product, at, offset, limit)


def _breakdowns_agree(
    conn: Connection,
    w: dict[str, Any],
    product: str,
    at: dt.datetime,
    latest: dict[tuple[str, int, int], tuple[Any, ...]],
) -> None:
    """Each repository's breakdown lists its counted committers with their latest push."""
    import sqlalchemy as sa

    from seatledger.db import tables as t

    logins = {uid: login for uid, login in conn.execute(sa.select(t.users.c.id, t.users.c.login))}
    names = {
        r.id: f"{r.owner_login}/{r.name}"
        for r in conn.execute(sa.select(t.repositories.c.id, t.repositories.c.owner_login, t.repositories.c.name))
    }
    expected: dict[str, list[tuple[Any, ...]]] = {}
    for (p, repo_id, uid), (authored, _sha, email) in latest.items():
        if p == product:
            expected.setdefault(names[repo_id], []).append((logins[uid], authored.date(), email))
    found = {
        r.repository: sorted((b.login, b.last_pushed_date, b.last_pushed_email) for b in r.breakdown)
        for r in iter_repository_committers(conn, Scope.enterprise(w["slug"]), product, as_of=at)
    }
    assert found == {k: sorted(v) for k, v in expected.items()}, (product, at)


def _run(engine: Engine, ops: list[tuple[Any, ...]], group: int) -> None:
    with engine.begin() as conn:
        w = new_world(conn)
    for chunk in (ops[i : i + group] for i in range(0, len(ops), group)):
        with engine.begin() as conn:
            for op in chunk:
                apply(conn, w, op)
    with engine.connect() as conn:
        try:
            _check(conn, w)
        except AssertionError as exc:
            raise AssertionError(f"after {ops} in transactions of {group}: {exc}") from exc


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(OPS, min_size=1, max_size=18), group=st.integers(1, 4))
# Each kind of write that ends, moves or re-resolves a reason, alone in its transaction:
@example(ops=[("member", 0, "ann", "member", 5), ("end_member", 0, "ann", 50)], group=1)
@example(ops=[("collaborator", 0, "ben", 5), ("end_collaborator", 0, "ben", 60), ("visibility", 0, "public")], group=1)
@example(
    ops=[
        ("invite", 0, "eve", "member", 0, 3),
        ("user", "eve", ["zed@x.test"], False),
        ("resolve_invite", 0, "eve", "accepted", 40),
    ],
    group=1,
)
@example(ops=[("invite", 0, "ben@x.test", "member", 0, 0), ("email", "ann", "ben@x.test")], group=1)
@example(
    ops=[
        ("invite", 1, "yo@x.test", "member", 0, 3),
        ("email", "ann", "yo@x.test"),
        ("billing", "metered"),
        ("billing", "volume"),
    ],
    group=1,
)
@example(
    ops=[
        ("server_account", 1, "zed@x.test", False, 0),
        ("vs", "zed@x.test", "active", 0),
        ("server_account", 1, "yo@x.test", False, 0),
        ("vs", "zed@x.test", "inactive", 0),
    ],
    group=1,
)
@example(
    ops=[
        ("server_account", 2, "ann@x.test", False, 0),
        ("rematch",),
        ("server_account", 2, "ann@x.test", True, 0),
        ("setup_user", "ann"),
    ],
    group=1,
)
@example(ops=[("member", 0, "ann", "member", 0), ("push", 0, "ann@x.test", 100), ("enable", 0, True, 50)], group=1)
@example(ops=[("member", 0, "ann", "member", 0), ("push", 0, "ann@x.test", 100), ("visibility", 0, "public")], group=1)
@example(
    ops=[
        ("member", 1, "ben", "owner", 5),
        ("suspend", "ben", 30),
        ("push", 0, "b2@x.test", 10),
        ("email", "ann", "zed@x.test"),
        ("push", 1, "zed@x.test", 20),
    ],
    group=1,
)
# Two pushes of one person to one repository in a window: the breakdown shows the later.
@example(
    ops=[
        ("member", 0, "ann", "member", 0),
        ("enable", 0, True, 0),
        ("push", 0, "ann@x.test", 100),
        ("push", 0, "ann@x.test", 110),
    ],
    group=1,
)
def test_kept_intervals_equal_a_full_derivation_after_any_writes(
    engine: Engine, ops: list[tuple[Any, ...]], group: int
) -> None:
    _run(engine, ops, group)


def test_a_write_read_back_in_its_own_transaction_is_counted(engine: Engine) -> None:
    with engine.begin() as conn:
        w = new_world(conn)
        led = Ledger(conn)
        uid = led.add_user(w["eid"], "eve", emails=["eve@x.test"], created_at=T0)
        led.add_membership(w["orgs"][0], uid, started_at=T0)
        assert count_consumed(conn, w["slug"], as_of=INSTANTS[1]) == 1  # before the commit


def test_verify_finds_a_tampered_interval_and_repair_rewrites_it(engine: Engine) -> None:
    from seatledger.db import tables_intervals as ti
    import sqlalchemy as sa

    with engine.begin() as conn:
        w = new_world(conn)
        led = Ledger(conn)
        uid = led.add_user(w["eid"], "eve", emails=["eve@x.test"], created_at=T0)
        led.add_membership(w["orgs"][0], uid, started_at=T0)
    with engine.begin() as conn:
        conn.execute(sa.delete(ti.seat_spans).where(ti.seat_spans.c.user_id == uid))
        diffs = intervals.check(conn, w["eid"])
        assert {d.table for d in diffs} == {"seat_spans"} and all(d.person == f"user:{uid}" for d in diffs)
        assert all(d.stored is None for d in diffs)
        assert intervals.last_check(conn, w["eid"]).differences == len(diffs)  # type: ignore[union-attr]
        intervals.check(conn, w["eid"], repair=True)
        assert intervals.verify(conn, w["eid"]) == []
        assert count_consumed(conn, w["slug"], as_of=INSTANTS[1]) == 1


def test_a_deleted_repository_webhook_ends_its_collaborators_seats_at_once(engine: Engine) -> None:
    from seatledger.ingest.webhook_events import apply_event

    with engine.begin() as conn:
        w = new_world(conn)
        Ledger(conn).add_collaborator(w["repos"][0], w["users"]["cat"], started_at=T0)
    at = INSTANTS[3]
    with engine.connect() as conn:
        assert count_consumed(conn, w["slug"], as_of=at) == 1
    payload = {
        "action": "deleted",
        "repository": {"name": "r0", "owner": {"login": f"{w['slug']}-org0"}, "private": True},
        "organization": {"login": f"{w['slug']}-org0"},
    }
    with engine.begin() as conn:
        apply_event(conn, w["eid"], "repository", payload, INSTANTS[2])
    with engine.connect() as conn:
        assert intervals.verify(conn, w["eid"]) == []
        assert count_consumed(conn, w["slug"], as_of=at) == 0
        assert count_consumed(conn, w["slug"], as_of=INSTANTS[1]) == 1  # before the deletion it held
