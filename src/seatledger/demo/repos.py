"""Demo phase 2: repositories (org-owned and user-namespace), outside collaborators, invitations."""

from __future__ import annotations

import datetime as dt
import random
from typing import Iterator

import sqlalchemy as sa

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.demo.names import UniqueNames, repo_name
from seatledger.demo.world import Repo, World, Zipf


def build_repos(world: World, ledger: Ledger) -> None:
    """Create repositories, outside-collaborator access and invitations of every kind."""
    rng = world.rng("repos")
    world.progress.start("repositories", world.size.repos)
    _plan_repos(world, rng)
    ledger.bulk_insert(t.repositories, _repo_rows(world, rng))
    r = t.repositories
    ids = {
        (row.owner_login, row.name): row.id
        for row in ledger.conn.execute(
            sa.select(r.c.id, r.c.owner_login, r.c.name).where(r.c.enterprise_id == world.enterprise_id)
        )
    }
    for repo in world.repos:
        repo.id = ids[(repo.owner_login, repo.name)]
    world.progress.advance(len(world.repos))
    ledger.bulk_insert(t.repo_collaborators, _collaborator_rows(world, rng))
    ledger.bulk_insert(t.invitations, _invitation_rows(world, rng))


def _plan_repos(world: World, rng: random.Random) -> None:
    n_user = max(4, world.size.repos // 200)
    n_org = max(len(world.orgs), world.size.repos - n_user)
    zipf = Zipf(len(world.orgs), 1.0)
    names: dict[str, UniqueNames] = {}
    for k in range(n_org):
        o = k if k < len(world.orgs) else zipf.draw(rng)  # every org owns at least one repository
        org = world.orgs[o]
        r = rng.random()
        visibility = "private" if r < 0.55 else "internal" if r < 0.8 else "public"
        name = names.setdefault(org.login, UniqueNames()).take(repo_name(rng))
        org.repos.append(len(world.repos))
        world.repos.append(Repo(org.login, name, visibility, o))
    members = [p for p in world.people if p.kind == "member"]
    for _ in range(n_user):
        owner = rng.choice(members)
        name = names.setdefault(owner.login, UniqueNames()).take(repo_name(rng))
        world.repos.append(Repo(owner.login, name, "private" if rng.random() < 0.7 else "public", None))


def _repo_rows(world: World, rng: random.Random) -> Iterator[dict[str, object]]:
    owner_ids = {p.login: p.id for p in world.people}
    for repo in world.repos:
        private = repo.visibility != "public"
        org = world.orgs[repo.org] if repo.org is not None else None
        earliest = (world.now - org.created_at).days if org else 700
        yield {
            "enterprise_id": world.enterprise_id,
            "organization_id": org.id if org else None,
            "owner_user_id": None if org else owner_ids[repo.owner_login],
            "owner_login": repo.owner_login,
            "name": repo.name,
            "visibility": repo.visibility,
            "is_fork": rng.random() < 0.04,
            "created_at": world.ago(rng, 10, max(11, earliest)),
            # Secret Protection and Code Security on a subset; a few public repos use the free features.
            "secret_protection_enabled": rng.random() < (0.45 if private else 0.05),
            "code_security_enabled": rng.random() < (0.35 if private else 0.03),
        }


def _collaborator_rows(world: World, rng: random.Random) -> Iterator[dict[str, object]]:
    private = [i for i, r in enumerate(world.repos) if r.org is not None and r.visibility != "public"]
    public = [i for i, r in enumerate(world.repos) if r.org is not None and r.visibility == "public"]
    for p in world.people:
        if p.kind != "outside":
            continue
        if rng.random() < 0.75 or not public:
            p.repos = sorted({rng.choice(private) for _ in range(rng.randint(1, 3))})
        if rng.random() < 0.3 and public:  # some only on public repositories: no license
            p.repos.append(rng.choice(public))
        for i in p.repos:
            removed = rng.random() < 0.05
            yield {
                "repository_id": world.repos[i].id,
                "user_id": p.id,
                "permission": rng.choice(("read", "write", "write", "maintain")),
                "started_at": world.ago(rng, 45, 500),
                "ended_at": world.ago(rng, 1, 40) if removed else None,
            }


# Every kind of invitation the seat rules distinguish: (role, addressed to, repository, status).
INVITATION_KINDS = (
    ("member", "new_login", None, "pending"),
    ("member", "new_email", None, "pending"),
    ("owner", "new_login", None, "pending"),
    ("member", "member_login", None, "pending"),  # already consumes: no extra license
    ("member", "member_email", None, "pending"),  # to a verified email of a member: no extra license
    ("collaborator", "new_login", "private", "pending"),
    ("collaborator", "new_email", "private", "pending"),
    ("collaborator", "member_email", "private", "pending"),  # by email: uses a seat until accepted
    ("collaborator", "new_login", "public", "pending"),  # public repository: no license
    ("billing_manager", "new_email", None, "pending"),
    ("member", "new_email", None, "failed"),
    ("member", "member_login", None, "accepted"),
    ("collaborator", "new_login", "private", "failed"),
)


def _invitation_rows(world: World, rng: random.Random) -> Iterator[dict[str, object]]:
    invitees = [p for p in world.people if p.kind == "invitee"]
    members = [p for p in world.people if p.kind == "member" and p.orgs]
    by_visibility: dict[str, list[Repo]] = {"private": [], "public": []}
    for r in world.repos:
        if r.org is not None:
            by_visibility["public" if r.visibility == "public" else "private"].append(r)
    n = max(2 * len(INVITATION_KINDS), int(world.size.people * 0.04))
    for k in range(n):
        role, to, visibility, status = INVITATION_KINDS[k % len(INVITATION_KINDS)]
        repo = rng.choice(by_visibility[visibility]) if visibility and by_visibility[visibility] else None
        if visibility and repo is None:
            continue
        org = world.orgs[repo.org] if repo and repo.org is not None else world.orgs[rng.randrange(len(world.orgs))]
        login = user_id = email = None
        if to == "new_login" and invitees:
            invitee = invitees[k % len(invitees)]
            login, user_id = invitee.login, invitee.id
        elif to in ("member_login", "member_email"):
            member = rng.choice(members)
            if to == "member_login":
                login, user_id = member.login, member.id
            else:
                email = member.primary_email
        else:
            email = f"new.hire{k}@mail.example" if role != "collaborator" else f"contractor{k}@agency.example"
        created = world.ago(rng, 1, 30)
        yield {
            "organization_id": org.id,
            "repository_id": repo.id if repo else None,
            "role": role,
            "invitee_login": login,
            "invitee_user_id": user_id,
            "invitee_email": email,
            "status": status,
            "created_at": created,
            "resolved_at": None
            if status == "pending"
            else min(world.now, created + dt.timedelta(hours=rng.uniform(1, 48))).replace(microsecond=0),
        }
