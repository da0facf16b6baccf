"""The kept license intervals equal the rules applied to the facts, whatever the writes.

Random sequences of writes of every kind, in random order, backdated, each committed as the
product commits them (some several to a transaction), on both databases. After each sequence
``verify`` finds no drift, and every count at several instants (inside the sequence's
history too) equals a recount of the rules' own rows done here in Python.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Connection, Engine

from seatledger.db import intervals, rules
from seatledger.db.ledger import Ledger
from seatledger.licensing import Scope, committer_totals_by_product, count_consumed, seat_totals
from seatledger.licensing import cost_centers, matching, pricing
from seatledger.licensing.copilot import assign_seats

T0 = dt.datetime(2025, 1, 1, 9, 0)
INSTANTS = [T0 + dt.timedelta(days=d, hours=h) for d, h in ((0, 1), (45, 0), (120, 3), (200, 0), (330, 5), (500, 0))]
LOGINS = ("ann", "ben", "cat", "dan", "eve", "fay")
PRESENT = {"ann": ["ann@x.test"], "ben": ["ben@x.test", "b2@x.test"], "cat": [], "dan": ["dan@x.test"]}
EMAILS = ("ann@x.test", "ben@x.test", "zed@x.test", "yo@x.test")
_serial = itertools.count()

day = st.integers(min_value=0, max_value=480)
login = st.sampled_from(("ann", "ben", "eve"))
email = st.sampled_from(EMAILS)
org = st.integers(0, 1)
repo = st.integers(0, 2)  # private, internal, public

OPS = st.one_of(
    st.tuples(st.just("user"), login, st.lists(email, max_size=2), st.booleans()),
    st.tuples(st.just("email"), login, email),
    st.tuples(st.just("suspend"), login, day),
    st.tuples(st.just("member"), org, login, st.sampled_from(["member", "owner", "billing_manager"]), day),
    st.tuples(st.just("end_member"), org, login, day),
    st.tuples(st.just("collaborator"), repo, login, day),
    st.tuples(st.just("end_collaborator"), repo, login, day),
    st.tuples(st.just("invite"), org, st.one_of(login, email), st.sampled_from(["member", "collaborator"]), repo, day),
    st.tuples(st.just("resolve_invite"), org, st.one_of(login, email), st.sampled_from(["accepted", "failed"]), day),
    st.tuples(st.just("server_account"), st.integers(1, 3), st.one_of(st.none(), email), st.booleans(), day),
    st.tuples(st.just("vs"), email, st.sampled_from(["active", "inactive"]), day),
    st.tuples(st.just("rematch"),),
    st.tuples(st.just("push"), repo, email, day),
    st.tuples(st.just("enable"), repo, st.booleans(), day),
    st.tuples(st.just("visibility"), repo, st.sampled_from(["private", "internal", "public"])),
    st.tuples(st.just("billing"), st.sampled_from(["volume", "metered"])),
    st.tuples(st.just("setup_user"), login),
    st.tuples(st.just("copilot"), org, login, day),
    st.tuples(st.just("price"), st.integers(1, 50), day),
    st.tuples(st.just("cost_center"), login),
)


def _world(conn: Connection) -> dict[str, Any]:
    n = next(_serial)
    led = Ledger(conn)
    eid = led.add_enterprise(f"e{n}", created_at=T0)
    orgs = [led.add_org(eid, f"e{n}-org{i}", created_at=T0) for i in range(2)]
    repos = [
        led.add_repo(eid, f"e{n}-org{i % 2}", f"r{i}", org_id=orgs[i % 2], visibility=v, created_at=T0)
        for i, v in enumerate(("private", "internal", "public"))
    ]
    server = led.add_server(eid, f"srv-{n}", f"ghes{n}.test", created_at=T0)
    users = {name: led.add_user(eid, name, emails=emails, created_at=T0) for name, emails in PRESENT.items()}
    return {"slug": f"e{n}", "eid": eid, "orgs": orgs, "repos": repos, "server": server, "users": users}


def _at(d: int) -> dt.datetime:
    return T0 + dt.timedelta(days=d, minutes=d)


def _apply(conn: Connection, w: dict[str, Any], op: tuple[Any, ...]) -> None:
    led = Ledger(conn)
    users: dict[str, int] = w["users"]
    kind = op[0]
    if kind == "user":
        if op[1] not in users:
            users[op[1]] = led.add_user(w["eid"], op[1], emails=list(dict.fromkeys(op[2])), is_bot=op[3] and op[1] == "fay", created_at=T0)
    elif kind == "email" and op[1] in users:
        led.upsert_user(w["eid"], op[1], emails=[op[2]])
    elif kind == "suspend" and op[1] in users:
        led.suspend_user(users[op[1]], _at(op[2]))
    elif kind == "member" and op[2] in users:
        led.ensure_membership(w["orgs"][op[1]], users[op[2]], op[3], at=_at(op[4]))
    elif kind == "end_member" and op[2] in users:
        led.end_membership(w["orgs"][op[1]], users[op[2]], _at(op[3]))
    elif kind == "collaborator" and op[2] in users:
        led.ensure_collaborator(w["repos"][op[1]], users[op[2]], at=_at(op[3]))
    elif kind == "end_collaborator" and op[2] in users:
        led.end_collaborator(w["repos"][op[1]], users[op[2]], _at(op[3]))
    elif kind == "invite":
        who = op[2]
        by_email = "@" in who
        role, repo_id = op[3], (w["repos"][op[4]] if op[3] == "collaborator" else None)
        org_id = w["orgs"][op[4] % 2] if repo_id is not None else w["orgs"][op[1]]
        led.add_invitation(org_id, role=role, login=None if by_email else who, email=who if by_email else None,
                           repository_id=repo_id, created_at=_at(op[5]))
    elif kind == "resolve_invite":
        who = op[2]
        by_email = "@" in who
        led.upsert_invitation(w["orgs"][op[1]], role="member", login=None if by_email else who,
                              email=who if by_email else None, status=op[3], at=_at(op[4]))
    elif kind == "server_account":
        led.upsert_server_account(w["server"], op[1], f"ghes{op[1]}", primary_email=op[2], suspended=op[3])
    elif kind == "vs":
        led.upsert_vs_subscription(w["eid"], op[1], status=op[2])
    elif kind == "rematch":
        matching.rematch(conn, w["eid"])
    elif kind == "push":
        led.add_commits(w["repos"][op[1]], [{
            "sha": f"{next(_serial):040x}", "author_email": op[2], "author_date": _at(op[3]) - dt.timedelta(days=30),
            "pushed_at": _at(op[3]),
        }])
    elif kind == "enable":
        led.set_repo_products(w["repos"][op[1]], code_security=op[2], secret_protection=not op[2], at=_at(op[3]))
    elif kind == "visibility":
        r = w["repos"][op[1]]
        led.upsert_repo(w["eid"], f"{w['slug']}-org{op[1] % 2}", f"r{op[1]}", visibility=op[2])
        assert r
    elif kind == "billing":
        led.set_product(w["eid"], "enterprise", billing=op[1], purchased=10 if op[1] == "volume" else 0)
    elif kind == "setup_user" and op[1] in users:
        led.set_setup_user(w["eid"], users[op[1]])
    elif kind == "copilot" and op[2] in users:
        assign_seats(conn, f"{w['slug']}-org{op[1]}", usernames=[op[2]], at=_at(op[3]))
    elif kind == "price":
        pricing.set_price(conn, w["eid"], "enterprise", Decimal(op[1]), effective_from=_at(op[2]).date())
    elif kind == "cost_center" and op[1] in users:
        cost_centers.create_cost_center(conn, w["eid"], f"cc-{next(_serial)}", at=T0)


def _holders(rows: list[tuple[Any, ...]], at: dt.datetime, org_id: int | None = None) -> set[str]:
    """People holding a seat at ``at``, recounted in Python from the rules' own rows."""
    out = set()
    for user_id, other_key, _reason, started, ended, row_org, _repo, _source in rows:
        if org_id is not None and row_org != org_id:
            continue
        if started <= at and (ended is None or ended > at):
            out.add(f"user:{user_id}" if user_id is not None else other_key)
    return out


def _committers(conn: Connection, w: dict[str, Any], rows: list[tuple[Any, ...]], at: dt.datetime) -> dict[str, set[int]]:
    """Per product (and "any" repository), the people counted at ``at``, recounted from the facts:
    a commit of one of their verified emails pushed in the 90 days up to ``at`` to a
    non-public repository with the product enabled then, while they hold a seat."""
    import sqlalchemy as sa

    from seatledger.db import tables as t
    from seatledger.db import tables_intervals as ti

    holders = {int(k.split(":")[1]) for k in _holders(rows, at) if k.startswith("user:")}
    owners: dict[str, set[int]] = {}
    for uid, email in conn.execute(
        sa.select(t.user_emails.c.user_id, t.user_emails.c.email).join(t.users, t.users.c.id == t.user_emails.c.user_id)
        .where(t.users.c.enterprise_id == w["eid"], t.user_emails.c.verified == sa.true(), t.users.c.is_bot == sa.false())
    ):
        owners.setdefault(email, set()).add(uid)
    ge = ti.ghas_enablements
    on = {
        (r, p) for r, p, a, b in conn.execute(sa.select(ge.c.repository_id, ge.c.product, ge.c.started_at, ge.c.ended_at))
        if a <= at and (b is None or b > at)
    }
    out: dict[str, set[int]] = {"any": set(), "code_security": set(), "secret_protection": set()}
    for repo_id, email, pushed in conn.execute(
        sa.select(t.commits.c.repository_id, t.commits.c.author_email, t.commits.c.pushed_at)
        .join(t.repositories, t.repositories.c.id == t.commits.c.repository_id)
        .where(t.repositories.c.enterprise_id == w["eid"], t.repositories.c.visibility != "public")
    ):
        if not (at - dt.timedelta(days=90) < pushed <= at):
            continue
        people = owners.get(email, set()) & holders
        out["any"] |= people
        for product in ("code_security", "secret_protection"):
            if (repo_id, product) in on:
                out[product] |= people
    return out


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
            assert count_consumed(conn, w["slug"], org=f"{w['slug']}-org{i}", as_of=at) == len(_holders(rows, at, org_id))
        committers = _committers(conn, w, rows, at)
        totals_by_product = committer_totals_by_product(conn, Scope.enterprise(w["slug"]), as_of=at)
        for product in ("code_security", "secret_protection"):
            assert totals_by_product[product].total_committers == len(committers[product]), (product, at)
            assert totals_by_product[product].maximum_committers == len(committers["any"])


def _run(engine: Engine, ops: list[tuple[Any, ...]], group: int) -> None:
    with engine.begin() as conn:
        w = _world(conn)
    for chunk in (ops[i : i + group] for i in range(0, len(ops), group)):
        with engine.begin() as conn:
            for op in chunk:
                try:
                    with conn.begin_nested():
                        _apply(conn, w, op)
                except Exception as exc:  # noqa: BLE001 - a write the product refuses changes nothing
                    if type(exc).__name__ not in ("InvalidInput", "NotFound", "Conflict"):
                        raise
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
@example(ops=[("invite", 0, "eve", "member", 0, 3), ("user", "eve", ["zed@x.test"], False), ("resolve_invite", 0, "eve", "accepted", 40)], group=1)
@example(ops=[("invite", 0, "ben@x.test", "member", 0, 0), ("email", "ann", "ben@x.test")], group=1)
@example(ops=[("invite", 1, "yo@x.test", "member", 0, 3), ("email", "ann", "yo@x.test"), ("billing", "metered"), ("billing", "volume")], group=1)
@example(ops=[("server_account", 1, "zed@x.test", False, 0), ("vs", "zed@x.test", "active", 0), ("server_account", 1, "yo@x.test", False, 0), ("vs", "zed@x.test", "inactive", 0)], group=1)
@example(ops=[("server_account", 2, "ann@x.test", False, 0), ("rematch",), ("server_account", 2, "ann@x.test", True, 0), ("setup_user", "ann")], group=1)
@example(ops=[("member", 0, "ann", "member", 0), ("push", 0, "ann@x.test", 100), ("enable", 0, True, 50)], group=1)
@example(ops=[("member", 0, "ann", "member", 0), ("push", 0, "ann@x.test", 100), ("visibility", 0, "public")], group=1)
@example(ops=[("member", 1, "ben", "owner", 5), ("suspend", "ben", 30), ("push", 0, "b2@x.test", 10), ("email", "ann", "zed@x.test"), ("push", 1, "zed@x.test", 20)], group=1)
def test_kept_intervals_equal_a_full_derivation_after_any_writes(engine: Engine, ops: list[tuple[Any, ...]], group: int) -> None:
    _run(engine, ops, group)


def test_a_write_read_back_in_its_own_transaction_is_counted(engine: Engine) -> None:
    with engine.begin() as conn:
        w = _world(conn)
        led = Ledger(conn)
        uid = led.add_user(w["eid"], "eve", emails=["eve@x.test"], created_at=T0)
        led.add_membership(w["orgs"][0], uid, started_at=T0)
        assert count_consumed(conn, w["slug"], as_of=INSTANTS[1]) == 1  # before the commit


def test_verify_finds_a_tampered_interval_and_repair_rewrites_it(engine: Engine) -> None:
    from seatledger.db import tables_intervals as ti
    import sqlalchemy as sa

    with engine.begin() as conn:
        w = _world(conn)
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
        w = _world(conn)
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
