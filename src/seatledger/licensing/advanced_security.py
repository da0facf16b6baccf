"""Advanced Security active committers, per product (spec section 2.2).

A person counts for a product when a commit they authored (author email resolved through a
verified email) was *pushed* within ``ACTIVE_COMMITTER_WINDOW`` before ``as_of`` to a repository
that has the product enabled, the person holds an enterprise seat, and is not a bot. Public
repositories are free, except on data-residency enterprises and server deployments.

Every number is built from the same three pieces of SQL: the repositories that cost a license
(``_repositories``), the commits pushed to them in the window (``_window_commits``), and the
author emails that resolve to a licensed person (``_Pieces.emails``). Commits are reduced to
distinct (repository, email) pairs before anything is joined, so five million commits become a
few hundred thousand rows early.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterator, Literal, NamedTuple, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.committer_spans import ANY_REPOSITORY, enterprise_key, namespace_key, org_key, repository_key
from seatledger.db.streaming import stream_rows
from seatledger.errors import InvalidInput
from seatledger.licensing import seat_policy
from seatledger.licensing.scope import ResolvedScope, Scope, as_of_or_now, holds_at, resolve

ACTIVE_COMMITTER_WINDOW = dt.timedelta(days=90)
# Rows fetched per round trip when streaming (server-side cursor on PostgreSQL).
STREAM_BATCH = 2000
# Repositories whose breakdowns are fetched together (each chunk re-evaluates the seat rule).
BREAKDOWN_CHUNK = 2000

Product = Literal["secret_protection", "code_security"]
PRODUCTS: tuple[Product, ...] = ("code_security", "secret_protection")


@dataclass(frozen=True)
class CommitterTotals:
    product: Product
    total_committers: int  # distinct people in scope, never a sum of repository counts
    maximum_committers: int  # if every private/internal repository in scope enabled it
    purchased: int  # 0 when metered
    over_limit: int  # volume only
    billing: str  # metered | volume
    total_repositories: int  # enabled repositories in scope with at least one active committer


@dataclass(frozen=True)
class CommitterPush:
    """A person's latest push to one repository in the window (a row of the CSV)."""

    login: str
    repository: str  # "owner/name"
    last_pushed_date: dt.date  # latest author date of their commits pushed there
    last_pushed_email: str


@dataclass(frozen=True)
class RepositoryCommitters:
    repository: str  # "owner/name"
    committers: int
    unique_committers: int  # committers to this repository only (in the enterprise): disabling frees this many
    breakdown: tuple[CommitterPush, ...]  # ordered by login


@dataclass(frozen=True)
class OrganizationCommitters:
    organization: str  # org login, or the user namespace's login
    kind: Literal["organization", "user_namespace"]
    committers: int
    unique_committers: int  # committers to this org's repositories only


@dataclass(frozen=True)
class CommitterRepository:
    """A repository a person is an active committer to at an instant: a kept committer
    window holds there then."""

    repository: str  # "owner/name"
    visibility: str
    last_pushed_at: dt.datetime  # their latest push there up to the instant
    leaves_window_at: dt.datetime  # last push + ACTIVE_COMMITTER_WINDOW, unless they push again
    active_since: dt.datetime  # the first push of the kept window holding at the instant
    window_ends_at: dt.datetime  # the kept window's end (later pushes in the ledger included)
    licensed_for: tuple[Product, ...]  # products enabled there then, on a repository that costs a license


# -- the SQL pieces ------------------------------------------------------------------------

_r = t.repositories
_c = t.commits


def _check_product(product: str) -> Product:
    if product not in PRODUCTS:
        raise InvalidInput(f"advanced_security_product must be code_security or secret_protection, not {product!r}")
    return product


def _scope_conditions(rs: ResolvedScope) -> list[sa.ColumnElement[bool]]:
    """Repositories of the scope (always within its enterprise)."""
    conds: list[sa.ColumnElement[bool]] = [_r.c.enterprise_id == rs.enterprise.id]
    kind = rs.scope.kind
    if kind == "organization":
        conds.append(_r.c.organization_id == rs.organization_id)
    elif kind == "user_namespace":
        conds += [_r.c.organization_id.is_(None), _r.c.owner_login == rs.owner_login]
    elif kind == "repository":
        conds.append(_r.c.id == rs.repository_id)
    return conds


def _licensed_conditions(rs: ResolvedScope, product: Product | None, at: dt.datetime) -> list[sa.ColumnElement[bool]]:
    """Repositories that cost a license at ``at``: the product enabled then (``None``: as if it
    were, for the maximum), and not public unless the enterprise is on data residency (GHE.com)."""
    conds: list[sa.ColumnElement[bool]] = []
    if product is not None:
        ge = ti.ghas_enablements
        conds.append(
            sa.select(ge.c.id)
            .where(ge.c.repository_id == _r.c.id, ge.c.product == product, holds_at(ge.c.started_at, ge.c.ended_at, at))
            .exists()
        )
    if not rs.enterprise.data_residency:
        conds.append(_r.c.visibility != "public")
    return conds


def _repositories(
    rs: ResolvedScope, product: Product | None, at: dt.datetime, *, whole_enterprise: bool = False
) -> sa.Select[Any]:
    """SELECT id of the licensed repositories in scope (or in the whole enterprise) at ``at``."""
    scope = [_r.c.enterprise_id == rs.enterprise.id] if whole_enterprise else _scope_conditions(rs)
    return sa.select(_r.c.id).where(*scope, *_licensed_conditions(rs, product, at))


def _window_bounds(as_of: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return as_of - ACTIVE_COMMITTER_WINDOW, as_of


def _in_window(as_of: dt.datetime, repo_ids: sa.Select[Any]) -> list[sa.ColumnElement[bool]]:
    """Commits *pushed* in (as_of - window, as_of] to those repositories; the author date
    does not matter (a rebased old commit pushed today counts)."""
    start, end = _window_bounds(as_of)
    return [_c.c.pushed_at > start, _c.c.pushed_at <= end, _c.c.repository_id.in_(repo_ids)]


class _Pieces:
    """The latest pushes of one question (one scope, one instant) as named CTEs, so a
    statement stays flat (SQLite's parser limits nesting): for the CSV, the pushes in the window
    to the repositories licensed then of the people holding an enterprise seat then (the seat
    engine's own spans: never a billing manager or a suspended user); for a page of
    repositories, those of the people its kept repository spans count."""

    def __init__(self, conn: Connection, rs: ResolvedScope, as_of: dt.datetime) -> None:
        self.conn = conn
        self.rs = rs
        self.as_of = as_of

    def _holder_emails(self) -> sa.CTE:
        """(email, user_id) of the verified emails of seat holders (the CSV rows' commits)."""
        ue, u = t.user_emails, t.users
        # MATERIALIZED: computed once up front, never re-evaluated per row.
        holders = (
            seat_policy.consuming_user_ids(self.conn, self.rs.enterprise.id, self.as_of)
            .cte("seat_holders")
            .prefix_with("MATERIALIZED")
        )
        return (
            sa.select(ue.c.email, ue.c.user_id)
            .join(u, u.c.id == ue.c.user_id)
            .where(
                ue.c.verified == sa.true(),
                u.c.enterprise_id == self.rs.enterprise.id,
                u.c.is_bot == sa.false(),
                u.c.id.in_(sa.select(holders)),
            )
            .cte("committer_emails")
            .prefix_with("MATERIALIZED")
        )

    def _committer_emails(self, product: Product, repo_ids: Sequence[int]) -> sa.CTE:
        """(repository_id, author_email, user_id): each verified email of each person counted at
        the instant in ``repo_ids`` (their kept repository spans), with that repository: a page of
        repositories probes its own committers' emails, never a busy repository's window."""
        ue, cs = t.user_emails, ti.committer_spans
        return (
            sa.select(cs.c.repository_id, ue.c.email.label("author_email"), cs.c.user_id)
            .join(ue, ue.c.user_id == cs.c.user_id)
            .where(
                cs.c.repository_id.in_(repo_ids),
                cs.c.product == product,
                cs.c.enterprise_id == self.rs.enterprise.id,
                cs.c.ended_at > self.as_of,
                cs.c.started_at <= self.as_of,
                ue.c.verified == sa.true(),
            )
            .cte("page_committer_emails")
            .prefix_with("MATERIALIZED")
        )

    def latest_pushes(self, product: Product, repo_ids: Sequence[int] | None = None) -> sa.CTE:
        """Per (repository, person) their latest commit pushed in the window: repository_id,
        user_id, author_date, author_email. ``repo_ids`` narrows to the people counted in those
        repositories."""
        # Only what the rows need is ranked: the distinct (repository, licensed email) pairs,
        # then each pair's latest commit by one backward probe of
        # ix_commits_author_repo_latest, then per person the latest of their emails' latest.
        if repo_ids is not None:
            pairs = self._committer_emails(product, repo_ids)
        else:
            ce = self._holder_emails()
            pairs = (
                sa.select(_c.c.repository_id, _c.c.author_email, ce.c.user_id)
                # coalesce(): keeps SQLite from driving this through the author-email index
                # (every commit ever, read in random order); the window's own index leads instead.
                .join(ce, ce.c.email == sa.func.coalesce(_c.c.author_email, ""))
                .where(*_in_window(self.as_of, _repositories(self.rs, product, self.as_of)))
                .distinct()
                .cte("pushed_pairs")
                .prefix_with("MATERIALIZED")
            )
        start, end = _window_bounds(self.as_of)
        c2 = _c.alias("pair_commits")

        # coalesce(): the window is a filter here, not an index range, so SQLite does not walk
        # a busy repository's whole window for each of its committers.
        pushed_at = sa.func.coalesce(c2.c.pushed_at, c2.c.pushed_at)

        def latest(column: str) -> sa.ScalarSelect[Any]:
            # Each probe reads the same index entry (it covers both columns).
            return (
                sa.select(c2.c[column])
                .where(
                    c2.c.author_email == pairs.c.author_email,
                    c2.c.repository_id == pairs.c.repository_id,
                    pushed_at > start,
                    pushed_at <= end,
                )
                .order_by(c2.c.author_date.desc(), c2.c.sha.desc())
                .limit(1)
                .scalar_subquery()
            )

        pair_latest = (
            sa.select(
                pairs.c.repository_id,
                pairs.c.user_id,
                pairs.c.author_email,
                latest("author_date").label("author_date"),
                latest("sha").label("sha"),
            )
            .cte("pair_latest")
            .prefix_with("MATERIALIZED")
        )
        p = pair_latest.c
        rank = sa.func.row_number().over(
            partition_by=(p.repository_id, p.user_id), order_by=(p.author_date.desc(), p.sha.desc())
        )
        ranked = (
            sa.select(p.repository_id, p.user_id, p.author_date, p.author_email, rank.label("rank"))
            .where(p.author_date.is_not(None))  # an email of theirs that did not push there
            .cte("ranked")
        )
        return (
            sa.select(ranked.c.repository_id, ranked.c.user_id, ranked.c.author_date, ranked.c.author_email)
            .where(ranked.c.rank == 1)
            .cte("latest")
        )


def _stream(conn: Connection, stmt: sa.Executable) -> Iterator[sa.Row[*tuple[Any, ...]]]:
    return stream_rows(conn, stmt, STREAM_BATCH)


def _full_name() -> sa.ColumnElement[str]:
    return (_r.c.owner_login + "/" + _r.c.name).label("full_name")


def _span_key(rs: ResolvedScope) -> str:
    """The scope's key in ``committer_spans``."""
    kind = rs.scope.kind
    if kind == "organization":
        assert rs.organization_id is not None
        return org_key(rs.organization_id)
    if kind == "user_namespace":
        return namespace_key(rs.owner_login or rs.scope.name)
    if kind == "repository":
        assert rs.repository_id is not None
        return repository_key(rs.repository_id)
    return enterprise_key()


def _committers_at(rs: ResolvedScope, product: str, key: str, at: dt.datetime) -> sa.ScalarSelect[Any]:
    """People counted at ``at`` (a person's spans are disjoint: one holds, or none)."""
    cs = ti.committer_spans
    return (
        sa.select(sa.func.count())
        .where(
            cs.c.enterprise_id == rs.enterprise.id,
            cs.c.product == product,
            cs.c.scope_key == key,
            cs.c.ended_at > at,
            cs.c.started_at <= at,
        )
        .scalar_subquery()
    )


def _repositories_with_committers_at(
    rs: ResolvedScope, product: str, key: str, at: dt.datetime
) -> sa.ScalarSelect[Any]:
    """Enabled repositories of the scope with at least one person counted at ``at``."""
    cs = ti.committer_spans
    where = [cs.c.enterprise_id == rs.enterprise.id, cs.c.product == product, cs.c.ended_at > at, cs.c.started_at <= at]
    if rs.scope.kind == "enterprise":
        # Every repository's key in index order, grouped as read (no sort of the distinct keys).
        keys = sa.select(cs.c.scope_key).where(*where, _key_range(cs.c.scope_key, "r:")).group_by(cs.c.scope_key)
        return sa.select(sa.func.count()).select_from(keys.subquery("repository_keys")).scalar_subquery()
    if rs.scope.kind == "repository":
        where.append(cs.c.scope_key == key)
    else:
        where.append(cs.c.namespace == key)
    return sa.select(sa.func.count(sa.distinct(cs.c.scope_key))).where(*where).scalar_subquery()


# -- public functions ----------------------------------------------------------------------


def committer_totals(
    conn: Connection, scope: Scope, product: str, *, as_of: dt.datetime | None = None
) -> CommitterTotals:
    """Distinct active committers in scope, the maximum if every private/internal repository
    enabled the product, and the enterprise's purchase for it."""
    product = _check_product(product)
    return committer_totals_by_product(conn, scope, as_of=as_of, products=(product,))[product]


def committer_totals_by_product(
    conn: Connection, scope: Scope, *, as_of: dt.datetime | None = None, products: Sequence[Product] = PRODUCTS
) -> dict[Product, CommitterTotals]:
    """:func:`committer_totals` of each of ``products`` (every one by default), in one statement."""
    at = as_of_or_now(as_of)
    rs = resolve(conn, scope)
    ep = t.enterprise_products
    plans = {
        r.product: r
        for r in conn.execute(
            sa.select(ep.c.product, ep.c.billing, ep.c.purchased).where(ep.c.enterprise_id == rs.enterprise.id)
        )
    }
    key = _span_key(rs)
    counts: list[sa.ColumnElement[int]] = [_committers_at(rs, ANY_REPOSITORY, key, at)]
    billing: dict[Product, str] = {}
    purchased: dict[Product, int] = {}
    # Where each product's numbers are in the one row: (total, repositories, enterprise total).
    columns: dict[Product, tuple[int, int, int | None]] = {}
    for product in products:
        plan = plans.get(product)
        billing[product] = plan.billing if plan is not None else "metered"
        purchased[product] = int(plan.purchased) if plan is not None and billing[product] == "volume" else 0
        first = len(counts)
        counts.append(_committers_at(rs, product, key, at))
        counts.append(_repositories_with_committers_at(rs, product, key, at))
        measured = None
        # Over the limit is measured on the whole enterprise's count: the purchase is enterprise-wide.
        if billing[product] == "volume" and rs.scope.kind != "enterprise":
            measured = len(counts)
            counts.append(_committers_at(rs, product, enterprise_key(), at))
        columns[product] = (first, first + 1, measured)
    row = conn.execute(sa.select(*counts)).one()
    maximum = int(row[0])
    out: dict[Product, CommitterTotals] = {}
    for product, (total_at, repos_at, measured_at) in columns.items():
        total, repos = int(row[total_at]), int(row[repos_at])
        enterprise_total = int(row[measured_at]) if measured_at is not None else total
        over_limit = max(0, enterprise_total - purchased[product]) if billing[product] == "volume" else 0
        out[product] = CommitterTotals(
            product=product,
            total_committers=total,
            maximum_committers=maximum,
            purchased=purchased[product],
            over_limit=over_limit,
            billing=billing[product],
            total_repositories=repos,
        )
    return out


# PostgreSQL memory for the sorts and hashes of one CSV's statement, so a large report sorts
# and hashes in memory rather than spilling to disk.
REPORT_WORK_MEM = "64MB"


def iter_committer_pushes(
    conn: Connection, scope: Scope, product: Product, *, as_of: dt.datetime | None = None
) -> Iterator[CommitterPush]:
    """Rows of the Advanced Security CSV, ordered by login then repository, streamed."""
    _check_product(product)
    at = as_of_or_now(as_of)
    rs = resolve(conn, scope)
    latest = _Pieces(conn, rs, at).latest_pushes(product)
    u = t.users
    full_name = _full_name()
    stmt = (
        sa.select(u.c.login, full_name, latest.c.author_date, latest.c.author_email)
        .select_from(latest)
        .join(u, u.c.id == latest.c.user_id)
        .join(_r, _r.c.id == latest.c.repository_id)
        .order_by(u.c.login, _r.c.owner_login, _r.c.name)
    )
    if conn.dialect.name == "postgresql":
        # Its window functions and the final sort spill to disk at the default 4 MB; for this
        # statement only (to the end of the transaction the stream reads in).
        conn.execute(sa.text("SELECT set_config('work_mem', :size, true)"), {"size": REPORT_WORK_MEM})
    for row in _stream(conn, stmt):
        yield CommitterPush(row.login, row.full_name, row.author_date.date(), row.author_email)


def iter_repository_committers(
    conn: Connection,
    scope: Scope,
    product: Product,
    *,
    as_of: dt.datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
    breakdowns: bool = True,
) -> Iterator[RepositoryCommitters]:
    """Enabled repositories in scope with active committers, ordered by full name; without
    ``breakdowns`` only the counts (the kept spans alone, no commit read)."""
    _check_product(product)
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidInput("offset and limit cannot be negative")
    return _iter_repository_committers(
        conn, scope, product, as_of=as_of, offset=offset, limit=limit, breakdowns=breakdowns
    )


def _holding(cs: Any, rs: ResolvedScope, product: str, at: dt.datetime) -> list[sa.ColumnElement[bool]]:
    return [cs.c.enterprise_id == rs.enterprise.id, cs.c.product == product, cs.c.ended_at > at, cs.c.started_at <= at]


def _counts_query(conn: Connection, rs: ResolvedScope, product: Product, at: dt.datetime) -> sa.Select[Any]:
    """Per enabled repository of the scope with active committers at ``at``: its committers and
    those who commit to no other repository of the enterprise then, ordered by full name. Read
    from the kept committer spans of each repository ("r:" rows)."""
    cs = ti.committer_spans
    # Every repository span holding at the instant, each with in how many repositories its
    # person is active then (one sort by person, not a join of two sets); in a narrower scope
    # only the spans of the people active in it.
    holding = [*_holding(cs, rs, product, at), cs.c.repository_id.is_not(None)]
    mine = cs.alias("mine")
    if rs.scope.kind == "repository":
        narrowed = [mine.c.scope_key == _span_key(rs)]
    elif rs.scope.kind != "enterprise":
        narrowed = [mine.c.namespace == _span_key(rs)]
    else:
        narrowed = []
    if narrowed:
        people = sa.select(mine.c.user_id).where(*_holding(mine, rs, product, at), *narrowed)
        holding.append(cs.c.user_id.in_(people))
    everywhere = (
        sa.select(
            cs.c.repository_id,
            cs.c.scope_key,
            cs.c.namespace,
            cs.c.user_id,
            sa.func.count().over(partition_by=cs.c.user_id).label("places"),
        )
        .where(*holding)
        .subquery("everywhere")
    )
    in_scope: list[sa.ColumnElement[bool]] = []
    if rs.scope.kind == "repository":
        in_scope.append(everywhere.c.scope_key == _span_key(rs))
    elif rs.scope.kind != "enterprise":
        in_scope.append(everywhere.c.namespace == _span_key(rs))
    counts = (
        sa.select(
            everywhere.c.repository_id,
            sa.func.count().label("committers"),
            sa.func.count(sa.case((everywhere.c.places == 1, 1))).label("unique_committers"),
        )
        .where(*in_scope)
        .group_by(everywhere.c.repository_id)
        .cte("counts")
    )
    return (
        sa.select(counts.c.repository_id, counts.c.committers, counts.c.unique_committers, _r.c.owner_login, _r.c.name)
        .join(_r, _r.c.id == counts.c.repository_id)
        .order_by(_r.c.owner_login, _r.c.name)
    )


def _iter_repository_committers(
    conn: Connection,
    scope: Scope,
    product: Product,
    *,
    as_of: dt.datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
    breakdowns: bool = True,
) -> Iterator[RepositoryCommitters]:
    at = as_of_or_now(as_of)
    rs = resolve(conn, scope)
    counted: Iterator[Any]
    if limit is None:
        counted = _stream(conn, _counts_query(conn, rs, product, at).offset(offset))
    else:
        counted = iter(_page_counts(conn, rs, product, at, offset, limit))
    if not breakdowns:
        for r in counted:
            yield RepositoryCommitters(f"{r.owner_login}/{r.name}", int(r.committers), int(r.unique_committers), ())
        return
    yield from _with_breakdowns(conn, rs, product, at, counted)


class _Counted(NamedTuple):
    repository_id: int
    owner_login: str
    name: str
    committers: int
    unique_committers: int


def _page_counts(
    conn: Connection, rs: ResolvedScope, product: Product, at: dt.datetime, offset: int, limit: int
) -> list[_Counted]:
    """One page of :func:`_counts_query`'s rows, read from the page's repositories alone: the
    scope's repositories by full name with a repository span holding at ``at`` (an index probe
    each), then the spans of their committers."""
    cs = ti.committer_spans
    has_committers = (
        sa.select(cs.c.id)
        .where(cs.c.repository_id == _r.c.id, cs.c.product == product, cs.c.ended_at > at, cs.c.started_at <= at)
        .exists()
    )
    page = conn.execute(
        sa.select(_r.c.id, _r.c.owner_login, _r.c.name)
        .where(*_scope_conditions(rs), has_committers)
        .order_by(_r.c.owner_login, _r.c.name)
        .offset(offset)
        .limit(limit)
    ).all()
    if not page:
        return []
    people: dict[int, list[int]] = defaultdict(list)
    for row in conn.execute(
        sa.select(cs.c.repository_id, cs.c.user_id).where(
            *_holding(cs, rs, product, at), cs.c.repository_id.in_([r.id for r in page])
        )
    ):
        people[row.repository_id].append(row.user_id)
    committers = sorted({u for users in people.values() for u in users})
    places: dict[int, int] = {
        row.user_id: int(row.places)
        for row in conn.execute(
            sa.select(cs.c.user_id, sa.func.count().label("places"))
            .where(*_holding(cs, rs, product, at), cs.c.user_id.in_(committers), cs.c.repository_id.is_not(None))
            .group_by(cs.c.user_id)
        )
    }
    return [
        _Counted(
            r.id,
            r.owner_login,
            r.name,
            len(people[r.id]),
            len([u for u in people[r.id] if places.get(u) == 1]),
        )
        for r in page
    ]


def _with_breakdowns(
    conn: Connection, rs: ResolvedScope, product: Product, at: dt.datetime, counted: Iterator[Any]
) -> Iterator[RepositoryCommitters]:
    """Counted repositories (rows of :func:`_counts_query`) with their committers' latest pushes."""
    u = t.users
    while chunk := list(islice(counted, BREAKDOWN_CHUNK)):
        # The breakdowns of a chunk of repositories, named by id: an index lookup per repository
        # on both databases, whatever the size of the enterprise.
        names = {r.repository_id: f"{r.owner_login}/{r.name}" for r in chunk}
        latest = _Pieces(conn, rs, at).latest_pushes(product, repo_ids=list(names))
        stmt = (
            sa.select(latest.c.repository_id, u.c.login, latest.c.author_date, latest.c.author_email)
            .join(u, u.c.id == latest.c.user_id)
            .order_by(latest.c.repository_id, u.c.login)
        )
        breakdowns: dict[int, list[CommitterPush]] = {}
        for row in _stream(conn, stmt):
            full_name = names[row.repository_id]
            push = CommitterPush(row.login, full_name, row.author_date.date(), row.author_email)
            breakdowns.setdefault(row.repository_id, []).append(push)
        for r in chunk:
            yield RepositoryCommitters(
                repository=names[r.repository_id],
                committers=int(r.committers),
                unique_committers=int(r.unique_committers),
                breakdown=tuple(breakdowns.get(r.repository_id, ())),
            )


def iter_namespace_committers(
    conn: Connection, enterprise: str, product: Product, *, as_of: dt.datetime | None = None
) -> Iterator[OrganizationCommitters]:
    """The ORGANIZATION and USER NAMESPACED tables of the licensing page: organizations first,
    then user namespaces, each by login; only namespaces with active committers."""
    _check_product(product)
    return _iter_namespace_committers(conn, enterprise, product, as_of=as_of)


def _key_range(column: sa.ColumnElement[str], prefix: str) -> sa.ColumnElement[bool]:
    """The scope keys starting with ``prefix`` ("o:", "u:") as an index range (LIKE is not one
    on SQLite, whose LIKE ignores case)."""
    return sa.and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))


def _iter_namespace_committers(
    conn: Connection, enterprise: str, product: Product, *, as_of: dt.datetime | None = None
) -> Iterator[OrganizationCommitters]:
    at = as_of_or_now(as_of)
    rs = resolve(conn, Scope.enterprise(enterprise))
    # The namespaces' own spans: "o:<org id>" and "u:<login>" rows (no repository of their own),
    # each with in how many namespaces its person is active at the instant.
    cs = ti.committer_spans
    # Each kind of key is an index range of its own (an OR of the two would read the table).
    spans = sa.union_all(
        *(
            sa.select(cs.c.scope_key, cs.c.user_id).where(
                *_holding(cs, rs, product, at), _key_range(cs.c.scope_key, kind)
            )
            for kind in ("o:", "u:")
        )
    ).subquery("namespace_spans")
    everywhere = sa.select(
        spans.c.scope_key, sa.func.count().over(partition_by=spans.c.user_id).label("places")
    ).subquery("everywhere")
    counts = sa.select(
        everywhere.c.scope_key,
        sa.func.count().label("committers"),
        sa.func.count(sa.case((everywhere.c.places == 1, 1))).label("unique_committers"),
    ).group_by(everywhere.c.scope_key)
    orgs = dict(
        conn.execute(
            sa.select(t.organizations.c.id, t.organizations.c.login).where(
                t.organizations.c.enterprise_id == rs.enterprise.id
            )
        ).all()
    )
    rows = []
    for row in conn.execute(counts):
        kind, _, ident = row.scope_key.partition(":")
        if kind == "o":
            rows.append(
                OrganizationCommitters(
                    orgs[int(ident)], "organization", int(row.committers), int(row.unique_committers)
                )
            )
        else:
            rows.append(
                OrganizationCommitters(ident, "user_namespace", int(row.committers), int(row.unique_committers))
            )
    # Organizations first, then user namespaces, each by login (bytewise, as both databases sort).
    rows.sort(key=lambda r: (r.kind != "organization", r.organization.encode()))
    yield from rows


def committers_among(
    conn: Connection, enterprise_slug: str, user_ids: list[int] | None, *, as_of: dt.datetime | None = None
) -> dict[Product, frozenset[int]]:
    """Which of ``user_ids`` (None: anybody) count as active committers at ``as_of``, per product
    (the license usage report's "code security / secret protection license user" columns): a
    kept committer span of the enterprise holds then."""
    at = as_of_or_now(as_of)
    if user_ids is not None and not user_ids:
        return {p: frozenset() for p in PRODUCTS}
    rs = resolve(conn, Scope.enterprise(enterprise_slug))
    cs = ti.committer_spans
    stmt = sa.select(cs.c.product, cs.c.user_id).where(
        cs.c.enterprise_id == rs.enterprise.id,
        cs.c.ended_at > at,
        cs.c.started_at <= at,
        # Written as expressions when naming people: their user index leads, not the instant's.
        *(
            [cs.c.scope_key.concat("") == enterprise_key(), cs.c.product.concat("").in_(PRODUCTS)]
            if user_ids is not None
            else [cs.c.scope_key == enterprise_key(), cs.c.product.in_(PRODUCTS)]
        ),
    )
    found: dict[Product, set[int]] = {p: set() for p in PRODUCTS}
    if user_ids is None:
        for row in conn.execute(stmt):
            found[row.product].add(row.user_id)
    else:
        for i in range(0, len(user_ids), 900):
            for row in conn.execute(stmt.where(cs.c.user_id.in_(user_ids[i : i + 900]))):
                found[row.product].add(row.user_id)
    return {p: frozenset(ids) for p, ids in found.items()}


def active_committer_ids(
    conn: Connection, enterprise_slug: str, *, as_of: dt.datetime | None = None
) -> dict[Product, frozenset[int]]:
    """Every user id that is an active committer at ``as_of``, per product (see
    :func:`committers_among`); the license usage report describes everyone with it."""
    return committers_among(conn, enterprise_slug, None, as_of=as_of)


def counted_committer_ids(
    conn: Connection,
    scope: Scope,
    product: Product,
    *,
    as_of: dt.datetime | None = None,
    user_ids: Sequence[int] | None = None,
) -> frozenset[int]:
    """The people :func:`committer_totals` counts for ``product`` in ``scope`` at ``as_of``
    (its ``total_committers`` is their number): the same kept spans, listed instead of
    counted; ``user_ids`` asks about those people only."""
    _check_product(product)
    at = as_of_or_now(as_of)
    rs = resolve(conn, scope)
    cs = ti.committer_spans
    query = sa.select(cs.c.user_id).where(
        cs.c.enterprise_id == rs.enterprise.id,
        cs.c.product == product,
        cs.c.scope_key == _span_key(rs),
        cs.c.ended_at > at,
        cs.c.started_at <= at,
    )
    if user_ids is not None:
        query = query.where(cs.c.user_id.in_(list(user_ids)))
    return frozenset(int(uid) for uid in conn.execute(query).scalars())


def committer_span_key(scope: ResolvedScope) -> str:
    """The key of ``scope``'s kept committer spans (``committer_spans.scope_key``)."""
    return _span_key(scope)


def committer_repositories(
    conn: Connection, enterprise: str, user_id: int, *, as_of: dt.datetime | None = None
) -> tuple[CommitterRepository, ...]:
    """The repositories ``user_id`` is an active committer to at ``as_of`` (a kept window holds),
    by full name, each with their last push and the products it is licensed for then. Whether
    they *count* also needs an enterprise seat (:func:`counted_committer_ids`)."""
    return committer_repositories_by_user(conn, enterprise, [user_id], as_of=as_of).get(user_id, ())


# People whose repositories are looked up per statement (bound parameters stay few).
LOOKUP_CHUNK = 2000


def committer_repositories_by_user(
    conn: Connection, enterprise: str, user_ids: Sequence[int], *, as_of: dt.datetime | None = None
) -> dict[int, tuple[CommitterRepository, ...]]:
    """:func:`committer_repositories` of many people at once (a few statements per
    ``LOOKUP_CHUNK`` people); people with none are left out."""
    at = as_of_or_now(as_of)
    rs = resolve(conn, Scope.enterprise(enterprise))
    out: dict[int, tuple[CommitterRepository, ...]] = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), LOOKUP_CHUNK):
        out.update(_committer_repositories(conn, rs, ids[start : start + LOOKUP_CHUNK], at))
    return out


def _committer_repositories(
    conn: Connection, rs: ResolvedScope, user_ids: list[int], at: dt.datetime
) -> dict[int, tuple[CommitterRepository, ...]]:
    w, ue = ti.committer_windows, t.user_emails
    windows = conn.execute(
        sa.select(w.c.user_id, w.c.repository_id, w.c.started_at, w.c.ended_at, _full_name(), _r.c.visibility)
        .join(_r, _r.c.id == w.c.repository_id)
        .where(
            w.c.enterprise_id == rs.enterprise.id, w.c.user_id.in_(user_ids), w.c.started_at <= at, w.c.ended_at > at
        )
        .order_by(w.c.user_id, _full_name())
    ).all()
    if not windows:
        return {}
    repo_ids = sorted({row.repository_id for row in windows})
    # A kept window ends ACTIVE_COMMITTER_WINDOW after the last push of its island: that push
    # is the last one up to the instant unless the island runs on past it (later pushes in
    # the ledger); only those pairs need the commits read.
    later = [row for row in windows if row.ended_at - ACTIVE_COMMITTER_WINDOW > at]
    last_push: dict[tuple[int, int], dt.datetime] = {}
    if later:
        start, end = _window_bounds(at)
        last_push = {
            (row.user_id, row.repository_id): row.pushed_at
            for row in conn.execute(
                sa.select(ue.c.user_id, _c.c.repository_id, sa.func.max(_c.c.pushed_at).label("pushed_at"))
                .join(ue, ue.c.email == _c.c.author_email)
                .where(
                    ue.c.user_id.in_(sorted({row.user_id for row in later})),
                    ue.c.verified == sa.true(),
                    _c.c.repository_id.in_(sorted({row.repository_id for row in later})),
                    _c.c.pushed_at >= start,
                    _c.c.pushed_at <= end,
                )
                .group_by(ue.c.user_id, _c.c.repository_id)
            )
        }
    licensed: dict[Product, set[int]] = {
        p: set(conn.execute(_repositories(rs, p, at, whole_enterprise=True).where(_r.c.id.in_(repo_ids))).scalars())
        for p in PRODUCTS
    }
    out: dict[int, list[CommitterRepository]] = {}
    for row in windows:
        pushed = last_push.get((row.user_id, row.repository_id)) or min(row.ended_at - ACTIVE_COMMITTER_WINDOW, at)
        out.setdefault(row.user_id, []).append(
            CommitterRepository(
                repository=row.full_name,
                visibility=row.visibility,
                last_pushed_at=pushed,
                leaves_window_at=pushed + ACTIVE_COMMITTER_WINDOW,
                active_since=row.started_at,
                window_ends_at=row.ended_at,
                licensed_for=tuple(p for p in PRODUCTS if row.repository_id in licensed[p]),
            )
        )
    return {user: tuple(repos) for user, repos in out.items()}
