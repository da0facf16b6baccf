"""Demo phase 3: a skewed commit history over the last 120 days.

A few heavy committers and a long tail (Zipf over authors), commits pushed at most 120 days
before the anchor, authored a little before their push — and some long before, which is why
the 90-day rule looks at the push. Some author emails are unverified or belong to nobody.
Rows are generated lazily and streamed through the ledger's bulk path (COPY on PostgreSQL), so
memory stays flat.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from dataclasses import dataclass
from typing import Iterator

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.demo.world import HISTORY, World, Zipf

PROGRESS_EVERY = 10_000
COLUMNS = ("repository_id", "sha", "author_email", "author_name", "author_date", "pushed_at")


@dataclass(frozen=True)
class _Author:
    name: str
    emails: tuple[str, ...]  # the first is used most; the others now and then
    repo_ids: tuple[int, ...]  # where this author pushes


def build_commits(world: World, ledger: Ledger) -> int:
    """Write ``world.size.commits`` commits; returns how many were written."""
    rng = world.rng("commits")
    authors = _authors(world, rng)
    world.progress.start("commits", world.size.commits)
    return ledger.bulk_insert_rows(t.commits, COLUMNS, _counted(world, _commit_rows(world, rng, authors)))


def _authors(world: World, rng: random.Random) -> list[_Author]:
    authors: list[_Author] = []
    for p in world.people:
        if p.kind in ("member", "owner", "setup") and p.orgs and not p.suspended:
            orgs = [world.orgs[o] for o in p.orgs if world.orgs[o].repos]
            repos = (
                {world.repos[rng.choice(rng.choice(orgs).repos)].id for _ in range(rng.randint(1, 4))}
                if orgs
                else set()
            )
        elif p.kind == "outside" and p.repos:
            repos = {world.repos[i].id for i in p.repos}
        else:
            continue
        if repos:
            emails = [p.primary_email, *p.other_emails, *p.unverified_emails]
            authors.append(_Author(p.name, tuple(emails), tuple(sorted(repos))))
    # Namespace owners push to their own repositories.
    by_login = {p.login: p for p in world.people}
    for repo in world.repos:
        if repo.org is None:
            owner = by_login[repo.owner_login]
            authors.append(_Author(owner.name, (owner.primary_email,), (repo.id,)))
    rng.shuffle(authors)
    # People whose email matches no account (contractors on a shared machine, typos).
    for k in range(max(3, len(authors) // 50)):
        authors.append(
            _Author(
                f"External Dev {k}",
                (f"ext-dev{k}@contractor.example",),
                (world.repos[rng.randrange(len(world.repos))].id,),
            )
        )
    # Bots push a lot, to many repositories; they never take a license.
    for p in world.people:
        if p.kind == "bot":
            bot_repos = tuple(sorted({r.id for r in (rng.choice(world.repos) for _ in range(20))}))
            authors.insert(rng.randrange(0, 5), _Author(p.name, (p.primary_email,), bot_repos))
    return authors


def _commit_rows(world: World, rng: random.Random, authors: list[_Author]) -> Iterator[tuple[object, ...]]:
    cum = Zipf(len(authors), 1.1).cum
    total = cum[-1]
    window = HISTORY.total_seconds()
    start = world.now - HISTORY
    rate = 1.0 / (window / max(1, world.size.commits))
    # Bound methods and the Zipf draw inlined: millions of rows, the same draws in the same order.
    rand, expovariate, uniform = rng.random, rng.expovariate, rng.uniform
    choice, getrandbits = rng.choice, rng.getrandbits
    timedelta = dt.timedelta
    offset = 0.0
    for _ in range(world.size.commits):
        a = authors[bisect(cum, rand() * total)]
        # Pushes arrive in time order (a Poisson stream): realistic, and the push-time index
        # grows at its end instead of being rewritten all over during a large load. The offset
        # never passes the window, so a push is never after the anchor.
        offset = min(window, offset + expovariate(rate))
        pushed = start + timedelta(0, int(offset))
        r = rand()
        # Most commits are pushed within hours; some after days; a few were authored long ago.
        lag = r * 10_800 if r < 0.9 else rand() * 864_000 if r < 0.98 else uniform(100, 400) * 86_400
        e = rand()
        emails = a.emails
        email = emails[0] if e < 0.85 or len(emails) == 1 else emails[1 + int(e * 100) % (len(emails) - 1)]
        yield (choice(a.repo_ids), f"{getrandbits(160):040x}", email, a.name, pushed - timedelta(0, int(lag)), pushed)


def _counted(world: World, rows: Iterator[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    for n, row in enumerate(rows, 1):
        if n % PROGRESS_EVERY == 0:
            world.progress.advance(PROGRESS_EVERY)
        yield row
