"""Advanced Security what-if, both directions: for chosen repositories and a product, the
committers that enabling them would add and that disabling them would free, by name, at an
instant; and, with N spare licenses, which repositories cover the most.

All of it reads the kept committer spans (``committer_spans``): the product's spans are who
counts now, and the ``any`` spans of a repository are who would count on it were the product
enabled (the person's push window on it, cut to their seat, on a repository that costs a
license). So the answers are the totals the ledger would keep after the change, not an estimate.

The plan is greedy: each step enables the repository that adds the fewest new committers
given the steps before it (repositories whose committers already hold the license cost none
and come first), the most recently pushed first among equals, until the spare licenses run out.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import heapq
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.committer_spans import ANY_REPOSITORY, enterprise_key
from seatledger.errors import InvalidInput
from seatledger.licensing.advanced_security import PRODUCTS, Product
from seatledger.licensing.scope import as_of_or_now, get_enterprise

GHAS_PRODUCTS = PRODUCTS  # the products a what-if asks about
VISIBILITIES = ("public", "private", "internal")
MAX_SPARE = 10_000_000


@dataclass(frozen=True)
class RepositorySelection:
    """Repositories chosen by full name (``owner/name``) or name, by organization, by a glob
    pattern on the full name, and by visibility: each kind given narrows the choice, any of
    its values matches. Nothing given: every repository of the enterprise."""

    names: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    pattern: str | None = None
    visibilities: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        wrong = [v for v in self.visibilities if v not in VISIBILITIES]
        if wrong:
            raise InvalidInput(f"visibility must be one of {', '.join(VISIBILITIES)}, not {wrong[0]!r}")

    def matches(self, full_name: str, owner: str, visibility: str) -> bool:
        name = full_name.casefold()
        return (
            (not self.names or any(n.casefold() in (name, name.partition("/")[2]) for n in self.names))
            and (not self.orgs or owner.casefold() in {o.casefold() for o in self.orgs})
            and (not self.pattern or fnmatch.fnmatchcase(name, self.pattern.casefold()))
            and (not self.visibilities or visibility in self.visibilities)
        )


@dataclass(frozen=True)
class WhatIfPerson:
    login: str
    name: str | None
    repositories: tuple[str, ...]  # the chosen repositories that make them count (or would)


@dataclass(frozen=True)
class GhasWhatIf:
    enterprise: str
    product: Product
    as_of: dt.datetime
    repositories: tuple[str, ...]  # the chosen repositories, by full name
    total_committers: int  # counted now
    enabling_adds: tuple[WhatIfPerson, ...]
    disabling_frees: tuple[WhatIfPerson, ...]

    JSON_EXTRA = ("total_if_enabled", "total_if_disabled")

    @property
    def total_if_enabled(self) -> int:
        return self.total_committers + len(self.enabling_adds)

    @property
    def total_if_disabled(self) -> int:
        return self.total_committers - len(self.disabling_frees)


@dataclass(frozen=True)
class PlanStep:
    repository: str
    new_committers: int  # licenses this step takes
    licenses_used: int  # by this step and the ones before
    last_pushed_at: dt.datetime | None


@dataclass(frozen=True)
class GhasPlan:
    enterprise: str
    product: Product
    as_of: dt.datetime
    spare: int
    steps: tuple[PlanStep, ...]
    left_out: int  # repositories of the choice not enabled yet that the spare licenses do not cover


@dataclass
class _Repos:
    names: dict[int, str]  # id -> full name, the chosen ones
    enabled: set[int]  # of those, with the product enabled at the instant
    counted: dict[int, set[int]]  # repo -> people counted through it now (product spans)
    potential: dict[int, set[int]]  # repo -> people who would count were it enabled (any spans)


def _check(product: str) -> Product:
    if product not in PRODUCTS:
        raise InvalidInput(f"product must be code_security or secret_protection, not {product!r}")
    return product


def _chosen(conn: Connection, enterprise_id: int, selection: RepositorySelection) -> dict[int, str]:
    r = t.repositories
    rows = conn.execute(
        sa.select(r.c.id, r.c.owner_login, r.c.name, r.c.visibility).where(r.c.enterprise_id == enterprise_id)
    )
    chosen = {
        row.id: f"{row.owner_login}/{row.name}"
        for row in rows
        if selection.matches(f"{row.owner_login}/{row.name}", row.owner_login, row.visibility)
    }
    if not chosen:
        raise InvalidInput("no repository of the enterprise matches the choice")
    return chosen


def _spans_at(
    conn: Connection, enterprise_id: int, product: str, at: dt.datetime, repo_ids: list[int]
) -> dict[int, set[int]]:
    """Repository -> the people whose ``product`` span on it holds at ``at``."""
    cs = ti.committer_spans
    out: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(repo_ids), 900):
        chunk = repo_ids[start : start + 900]
        for row in conn.execute(
            sa.select(cs.c.repository_id, cs.c.user_id).where(
                cs.c.enterprise_id == enterprise_id,
                cs.c.product == product,
                cs.c.repository_id.in_(chunk),
                cs.c.started_at <= at,
                cs.c.ended_at > at,
            )
        ):
            out[row.repository_id].add(row.user_id)
    return out


def _counted_now(conn: Connection, enterprise_id: int, product: str, at: dt.datetime) -> set[int]:
    cs = ti.committer_spans
    return set(
        conn.execute(
            sa.select(cs.c.user_id).where(
                cs.c.enterprise_id == enterprise_id,
                cs.c.product == product,
                cs.c.scope_key == enterprise_key(),
                cs.c.started_at <= at,
                cs.c.ended_at > at,
            )
        ).scalars()
    )


def _enabled(conn: Connection, product: str, at: dt.datetime, repo_ids: list[int]) -> set[int]:
    ge = ti.ghas_enablements
    found: set[int] = set()
    for start in range(0, len(repo_ids), 900):
        found |= set(
            conn.execute(
                sa.select(ge.c.repository_id).where(
                    ge.c.repository_id.in_(repo_ids[start : start + 900]),
                    ge.c.product == product,
                    ge.c.started_at <= at,
                    sa.or_(ge.c.ended_at.is_(None), ge.c.ended_at > at),
                )
            ).scalars()
        )
    return found


def _repos(
    conn: Connection, enterprise_id: int, product: str, at: dt.datetime, selection: RepositorySelection
) -> _Repos:
    names = _chosen(conn, enterprise_id, selection)
    ids = sorted(names)
    return _Repos(
        names,
        _enabled(conn, product, at, ids),
        _spans_at(conn, enterprise_id, product, at, ids),
        _spans_at(conn, enterprise_id, ANY_REPOSITORY, at, ids),
    )


def _people(conn: Connection, by_user: dict[int, set[str]]) -> tuple[WhatIfPerson, ...]:
    u = t.users
    found = []
    ids = sorted(by_user)
    for start in range(0, len(ids), 900):
        for row in conn.execute(sa.select(u.c.id, u.c.login, u.c.name).where(u.c.id.in_(ids[start : start + 900]))):
            found.append(WhatIfPerson(row.login, row.name, tuple(sorted(by_user[row.id]))))
    return tuple(sorted(found, key=lambda p: p.login.casefold()))


def ghas_what_if(
    conn: Connection,
    enterprise: str,
    product: str,
    selection: RepositorySelection,
    *,
    as_of: dt.datetime | None = None,
) -> GhasWhatIf:
    """Who enabling ``product`` on the chosen repositories at ``as_of`` would add, and who
    disabling it there would free (people counted through those repositories only)."""
    product = _check(product)
    at = as_of_or_now(as_of)
    info = get_enterprise(conn, enterprise)
    repos = _repos(conn, info.id, product, at, selection)
    counted = _counted_now(conn, info.id, product, at)
    adds: dict[int, set[str]] = defaultdict(set)
    through_chosen: dict[int, set[str]] = defaultdict(set)
    for repo_id, name in repos.names.items():
        for user in repos.potential.get(repo_id, set()) - counted:
            adds[user].add(name)
        for user in repos.counted.get(repo_id, set()):
            through_chosen[user].add(name)
    elsewhere = _counted_elsewhere(conn, info.id, product, at, set(repos.names), sorted(through_chosen))
    frees = {user: names for user, names in through_chosen.items() if user not in elsewhere}
    return GhasWhatIf(
        info.slug,
        product,
        at,
        tuple(sorted(repos.names.values())),
        len(counted),
        _people(conn, adds),
        _people(conn, frees),
    )


def _counted_elsewhere(
    conn: Connection, enterprise_id: int, product: str, at: dt.datetime, chosen: set[int], user_ids: list[int]
) -> set[int]:
    """Of ``user_ids``, those counted at ``at`` through a repository outside ``chosen``."""
    cs = ti.committer_spans
    found: set[int] = set()
    for start in range(0, len(user_ids), 900):
        for row in conn.execute(
            sa.select(cs.c.user_id, cs.c.repository_id).where(
                cs.c.enterprise_id == enterprise_id,
                cs.c.product == product,
                cs.c.repository_id.is_not(None),
                cs.c.user_id.in_(user_ids[start : start + 900]),
                cs.c.started_at <= at,
                cs.c.ended_at > at,
            )
        ):
            if row.repository_id not in chosen:
                found.add(row.user_id)
    return found


def ghas_plan(
    conn: Connection,
    enterprise: str,
    product: str,
    spare: int,
    selection: RepositorySelection | None = None,
    *,
    as_of: dt.datetime | None = None,
) -> GhasPlan:
    """With ``spare`` licenses, the chosen repositories (all by default) to enable at
    ``as_of``, greedily covering the most repositories (see the module's docstring)."""
    product = _check(product)
    if isinstance(spare, bool) or not isinstance(spare, int) or not 0 <= spare <= MAX_SPARE:
        raise InvalidInput(f"spare must be a whole number of licenses from 0 to {MAX_SPARE}, not {spare!r}")
    at = as_of_or_now(as_of)
    info = get_enterprise(conn, enterprise)
    repos = _repos(conn, info.id, product, at, selection or RepositorySelection())
    covered = _counted_now(conn, info.id, product, at)
    pushed = _last_pushes(conn, at, sorted(repos.names))
    todo = {r: repos.potential.get(r, set()) - covered for r in repos.names if r not in repos.enabled}
    holders: dict[int, set[int]] = defaultdict(set)  # person -> repositories they would add cost to
    for repo_id, people in todo.items():
        for user in people:
            holders[user].add(repo_id)

    def entry(repo_id: int) -> tuple[int, float, str, int]:
        last = pushed.get(repo_id)
        return (len(todo[repo_id]), -last.timestamp() if last else 0.0, repos.names[repo_id], repo_id)

    heap = [entry(r) for r in todo]
    heapq.heapify(heap)
    steps: list[PlanStep] = []
    used = 0
    while heap:
        cost, _, _, repo_id = heapq.heappop(heap)
        if repo_id not in todo or cost != len(todo[repo_id]):
            continue  # a stale entry: its cost fell since
        if used + cost > spare:
            break  # every other repository costs at least as much
        used += cost
        steps.append(PlanStep(repos.names[repo_id], cost, used, pushed.get(repo_id)))
        for user in todo.pop(repo_id):
            for other in holders.pop(user, set()) - {repo_id}:
                if other in todo:
                    todo[other].discard(user)
                    heapq.heappush(heap, entry(other))
    return GhasPlan(info.slug, product, at, spare, tuple(steps), len(todo))


def _last_pushes(conn: Connection, at: dt.datetime, repo_ids: list[int]) -> dict[int, dt.datetime]:
    """Each repository's last push up to ``at`` (the push date, never the author date)."""
    c = t.commits
    found: dict[int, dt.datetime] = {}
    for start in range(0, len(repo_ids), 900):
        found.update(
            (row.repository_id, row.pushed_at)
            for row in conn.execute(
                sa.select(c.c.repository_id, sa.func.max(c.c.pushed_at).label("pushed_at"))
                .where(c.c.repository_id.in_(repo_ids[start : start + 900]), c.c.pushed_at <= at)
                .group_by(c.c.repository_id)
            )
        )
    return found
