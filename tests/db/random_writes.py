"""Random writes of every kind, backdated, for the differential tests: ``OPS`` draws one write,
``new_world`` makes an enterprise (two orgs, three repositories of each visibility, a server
and four people) and ``apply`` performs a write through the ledger's own write paths."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import strategies as st
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound
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
    st.tuples(
        st.just("rematch"),
    ),
    st.tuples(st.just("push"), repo, email, day),
    st.tuples(st.just("enable"), repo, st.booleans(), day),
    st.tuples(st.just("visibility"), repo, st.sampled_from(["private", "internal", "public"])),
    st.tuples(st.just("billing"), st.sampled_from(["volume", "metered"])),
    st.tuples(st.just("setup_user"), login),
    st.tuples(st.just("copilot"), org, login, day),
    st.tuples(st.just("end_copilot"), org, login, day),
    st.tuples(st.just("price"), st.integers(1, 50), day),
    st.tuples(st.just("cost_center"), login),
    st.tuples(st.just("assign_cost_center"), login, day),
    st.tuples(st.just("assign_org_cost_center"), org, day),
)


def new_world(conn: Connection) -> dict[str, Any]:
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


def at(d: int) -> dt.datetime:
    return T0 + dt.timedelta(days=d, minutes=d)


def apply(conn: Connection, w: dict[str, Any], op: tuple[Any, ...]) -> None:
    """Perform ``op`` in a savepoint: a write the product refuses changes nothing."""
    try:
        with conn.begin_nested():
            _apply(conn, w, op)
    except (InvalidInput, NotFound):
        pass


def _apply(conn: Connection, w: dict[str, Any], op: tuple[Any, ...]) -> None:
    led = Ledger(conn)
    users: dict[str, int] = w["users"]
    kind = op[0]
    if kind == "user":
        if op[1] not in users:
            users[op[1]] = led.add_user(
                w["eid"], op[1], emails=list(dict.fromkeys(op[2])), is_bot=op[3] and op[1] == "fay", created_at=T0
            )
    elif kind == "email" and op[1] in users:
        led.upsert_user(w["eid"], op[1], emails=[op[2]])
    elif kind == "suspend" and op[1] in users:
        led.suspend_user(users[op[1]], at(op[2]))
    elif kind == "member" and op[2] in users:
        led.ensure_membership(w["orgs"][op[1]], users[op[2]], op[3], at=at(op[4]))
    elif kind == "end_member" and op[2] in users:
        led.end_membership(w["orgs"][op[1]], users[op[2]], at(op[3]))
    elif kind == "collaborator" and op[2] in users:
        led.ensure_collaborator(w["repos"][op[1]], users[op[2]], at=at(op[3]))
    elif kind == "end_collaborator" and op[2] in users:
        led.end_collaborator(w["repos"][op[1]], users[op[2]], at(op[3]))
    elif kind == "invite":
        who = op[2]
        by_email = "@" in who
        role, repo_id = op[3], (w["repos"][op[4]] if op[3] == "collaborator" else None)
        org_id = w["orgs"][op[4] % 2] if repo_id is not None else w["orgs"][op[1]]
        led.add_invitation(
            org_id,
            role=role,
            login=None if by_email else who,
            email=who if by_email else None,
            repository_id=repo_id,
            created_at=at(op[5]),
        )
    elif kind == "resolve_invite":
        who = op[2]
        by_email = "@" in who
        led.upsert_invitation(
            w["orgs"][op[1]],
            role="member",
            login=None if by_email else who,
            email=who if by_email else None,
            status=op[3],
            at=at(op[4]),
        )
    elif kind == "server_account":
        led.upsert_server_account(w["server"], op[1], f"ghes{op[1]}", primary_email=op[2], suspended=op[3])
    elif kind == "vs":
        led.upsert_vs_subscription(w["eid"], op[1], status=op[2])
    elif kind == "rematch":
        matching.rematch(conn, w["eid"])
    elif kind == "push":
        led.add_commits(
            w["repos"][op[1]],
            [
                {
                    "sha": f"{next(_serial):040x}",
                    "author_email": op[2],
                    "author_date": at(op[3]) - dt.timedelta(days=30),
                    "pushed_at": at(op[3]),
                }
            ],
        )
    elif kind == "enable":
        led.set_repo_products(w["repos"][op[1]], code_security=op[2], secret_protection=not op[2], at=at(op[3]))
    elif kind == "visibility":
        r = w["repos"][op[1]]
        led.upsert_repo(w["eid"], f"{w['slug']}-org{op[1] % 2}", f"r{op[1]}", visibility=op[2])
        assert r
    elif kind == "billing":
        led.set_product(w["eid"], "enterprise", billing=op[1], purchased=10 if op[1] == "volume" else 0)
    elif kind == "setup_user" and op[1] in users:
        led.set_setup_user(w["eid"], users[op[1]])
    elif kind == "copilot" and op[2] in users:
        assign_seats(conn, f"{w['slug']}-org{op[1]}", usernames=[op[2]], at=at(op[3]))
    elif kind == "end_copilot" and op[2] in users:
        seats = t.copilot_seats
        for seat in conn.execute(
            sa.select(seats.c.id, seats.c.created_at).where(
                seats.c.organization_id == w["orgs"][op[1]], seats.c.user_id == users[op[2]], seats.c.ended_at.is_(None)
            )
        ):
            if at(op[3]) > seat.created_at:
                led.withdraw_copilot_seat(seat.id, "sync", at(op[3]))
    elif kind == "price":
        pricing.set_price(conn, w["eid"], "ghec_licenses", Decimal(op[1]), effective_from=at(op[2]).date())
    elif kind == "cost_center" and op[1] in users:
        cost_centers.create_cost_center(conn, w["eid"], f"cc-{next(_serial)}", at=T0)
    elif kind == "assign_org_cost_center":
        center = cost_centers.create_cost_center(conn, w["eid"], f"cc-{next(_serial)}", at=T0)
        cost_centers.add_resources(conn, w["eid"], center.id, [("Org", f"{w['slug']}-org{op[1]}")], at=at(op[2]))
    elif kind == "assign_cost_center" and op[1] in users:
        center = cost_centers.create_cost_center(conn, w["eid"], f"cc-{next(_serial)}", at=T0)
        cost_centers.add_resources(conn, w["eid"], center.id, [("User", op[1])], at=at(op[2]))
