"""Demo phase 1: organizations, people, their emails, roles, memberships and teams."""

from __future__ import annotations

import datetime as dt
import random
from typing import Iterator

import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.demo.names import TEAM_WORDS, UniqueNames, org_login, person_name
from seatledger.demo.world import Org, Person, World, Zipf, sample

BOTS = (
    ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"),
    ("renovate[bot]", "29139614+renovate[bot]@users.noreply.github.com"),
    ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"),
)
TEAM_SIZE_CAP = 25  # teams stay small even in the biggest organizations


def build_people(world: World, ledger: Ledger) -> None:
    """Create the orgs and every cloud account with its roles, memberships and teams."""
    rng = world.rng("people")
    _add_orgs(world, ledger, rng)
    world.people = _population(world, rng)
    world.progress.start("people", len(world.people))
    _insert_users(world, ledger, rng)
    _assign_orgs(world, rng)
    ledger.bulk_insert(t.org_memberships, _membership_rows(world, rng))
    _add_roles(world, ledger)
    _add_teams(world, ledger, rng)
    world.progress.advance(len(world.people))


def _add_orgs(world: World, ledger: Ledger, rng: random.Random) -> None:
    n = world.size.orgs
    for i in range(n):
        # Org 0 is the oldest (it receives the licenses of people in several orgs).
        created = world.now - dt.timedelta(days=1100 - 900 * i / n, hours=rng.uniform(0, 20))
        org = Org(org_login(world.slug, i), created.replace(microsecond=0))
        org.id = ledger.add_org(
            world.enterprise_id, org.login, name=org.login.replace("-", " ").title(), created_at=org.created_at
        )
        world.orgs.append(org)


def _population(world: World, rng: random.Random) -> list[Person]:
    domain = f"{world.slug}.example"
    names = UniqueNames()

    def person(kind: str, first: str, last: str, base: str | None = None) -> Person:
        base = names.take(base or f"{first}-{last}")
        p = Person(world.login(base), f"{first.title()} {last.title()}", kind, f"{base}@{domain}")
        if kind not in ("bot", "setup"):
            if rng.random() < 0.7:
                p.saml_name_id = f"{first}.{last}.{base[-4:]}@corp.{domain}"
            if rng.random() < 0.3:
                p.other_emails.append(f"{base}@mail.example")
            if rng.random() < 0.08:
                p.unverified_emails.append(f"{base}.old@oldcorp.example")
        return p

    people = [person("setup", "setup", "user", f"{world.slug}-setup")]
    people[0].name = "Enterprise Setup"
    for i in range(3):
        people.append(person("owner", *person_name(rng)))
    for i in range(2):
        people.append(person("billing_manager", *person_name(rng)))
    for login, email in BOTS:
        people.append(Person(login, login.removesuffix("[bot]"), "bot", email))
    for _ in range(int(world.size.people * 0.93)):
        r = rng.random()
        kind = (
            "outside"
            if r < 0.06
            else "billing_manager"
            if r < 0.072
            else "unaffiliated"
            if r < 0.092
            else "invitee"
            if r < 0.122
            else "member"
        )
        p = person(kind, *person_name(rng))
        if kind == "member":
            p.suspended = rng.random() < 0.02
            p.dormant = rng.random() < 0.05
        people.append(p)
    return people


def _insert_users(world: World, ledger: Ledger, rng: random.Random) -> None:
    def rows() -> Iterator[dict[str, object]]:
        for p in world.people:
            no_2fa = rng.random() < 0.06
            yield {
                "enterprise_id": world.enterprise_id,
                "login": p.login,
                "name": p.name,
                "saml_name_id": p.saml_name_id,
                "scim_user_name": p.primary_email if world.managed and p.kind != "bot" else None,
                "two_factor": False if no_2fa else True,
                "two_factor_required_by": (world.now + dt.timedelta(days=30)).date() if no_2fa else None,
                "suspended_at": world.ago(rng, 1, 60) if p.suspended else None,
                "dormant": p.dormant,
                "is_bot": p.kind == "bot",
                "created_at": world.ago(rng, 130, 1150),
            }

    ledger.bulk_insert(t.users, rows())
    u = t.users
    ids = {
        row.login: row.id
        for row in ledger.conn.execute(sa.select(u.c.login, u.c.id).where(u.c.enterprise_id == world.enterprise_id))
    }
    for p in world.people:
        p.id = ids[p.login]

    def email_rows() -> Iterator[dict[str, object]]:
        for p in world.people:
            yield {
                "user_id": p.id,
                "email": p.primary_email,
                "verified": True,
                "is_primary": True,
                "verified_domain": p.primary_email.endswith(f"@{world.slug}.example"),
            }
            for e in p.other_emails:
                yield {"user_id": p.id, "email": e, "verified": True, "is_primary": False, "verified_domain": False}
            for e in p.unverified_emails:
                yield {"user_id": p.id, "email": e, "verified": False, "is_primary": False, "verified_domain": False}

    ledger.bulk_insert(t.user_emails, email_rows())


def _assign_orgs(world: World, rng: random.Random) -> None:
    """Which orgs each person is in now; the big orgs are few (Zipf)."""
    zipf = Zipf(len(world.orgs), 1.0)
    for i, p in enumerate(world.people):
        if p.kind == "member":
            k = 1 if rng.random() < 0.7 else 2 if rng.random() < 0.73 else 3
            picked: list[int] = []
            for _ in range(k):
                o = zipf.draw(rng)
                if o not in picked:
                    picked.append(o)
            p.orgs = picked
        elif p.kind == "billing_manager" and i > 6:  # org billing managers; the first two are enterprise-wide
            p.orgs = [rng.randrange(len(world.orgs))]
        elif p.kind in ("setup", "owner") and i <= 2:
            p.orgs = [i - 1 if i else 0]  # the setup user and two owners own orgs 0 and 1
        for o in p.orgs:
            world.orgs[o].members.append(i)


def _membership_rows(world: World, rng: random.Random) -> Iterator[dict[str, object]]:
    for org in world.orgs:
        owners = 0
        for i in org.members:
            p = world.people[i]
            if p.kind == "billing_manager":
                role = "billing_manager"
            elif p.kind in ("setup", "owner") or owners < 2 or rng.random() < 0.02:
                role = "owner"
            else:
                role = "member"
            owners += role == "owner"
            started = max(org.created_at, world.now - dt.timedelta(days=900)) + dt.timedelta(days=rng.uniform(0, 880))
            yield {
                "organization_id": org.id,
                "user_id": p.id,
                "role": role,
                "started_at": min(started, world.now).replace(microsecond=0),
                "ended_at": None,
            }
    # History: people who left an org (or the enterprise) in the last weeks still show up in
    # this month's billable count.
    for i, p in enumerate(world.people):
        if p.kind == "member" and rng.random() < 0.04:
            o = rng.randrange(len(world.orgs))
            org = world.orgs[o]
            if o not in p.orgs:
                yield {
                    "organization_id": org.id,
                    "user_id": p.id,
                    "role": "member",
                    "started_at": world.ago(rng, 200, 600),
                    "ended_at": world.ago(rng, 1, 40),
                }


def _add_roles(world: World, ledger: Ledger) -> None:
    setup = world.people[0]
    ledger.set_setup_user(world.enterprise_id, setup.id)
    start = world.now - dt.timedelta(days=1200)
    rows = [
        {"enterprise_id": world.enterprise_id, "user_id": p.id, "role": "owner", "started_at": start, "ended_at": None}
        for p in world.people[0:4]
    ]
    rows += [
        {
            "enterprise_id": world.enterprise_id,
            "user_id": p.id,
            "role": "billing_manager",
            "started_at": start,
            "ended_at": None,
        }
        for p in world.people[4:6]
    ]
    ledger.bulk_insert(t.enterprise_roles, rows)


def _add_teams(world: World, ledger: Ledger, rng: random.Random) -> None:
    members: list[dict[str, int]] = []
    for o, org in enumerate(world.orgs):
        for k in range(2):
            slug = TEAM_WORDS[(o + k) % len(TEAM_WORDS)]
            tid = ledger.add_team(world.enterprise_id, slug, org_id=org.id, created_at=org.created_at)
            org.teams.append(tid)
            people = [i for i in org.members if world.people[i].kind != "billing_manager"]
            members += [{"team_id": tid, "user_id": world.people[i].id} for i in sample(rng, people, TEAM_SIZE_CAP)]
    leads = [i for org in world.orgs[:10] for i in org.members[:3]]
    world.enterprise_team_id = ledger.add_team(
        world.enterprise_id,
        "engineering-leads",
        name="Engineering leads",
        created_at=world.now - dt.timedelta(days=400),
    )
    members += [{"team_id": world.enterprise_team_id, "user_id": world.people[i].id} for i in sorted(set(leads))]
    ledger.bulk_insert(t.team_members, members)
