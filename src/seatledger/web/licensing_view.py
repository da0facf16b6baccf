"""What the Licensing pages show, gathered from the counting engine.

Nothing here counts: each number is one ``licensing`` call.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from operator import attrgetter
from typing import Any, Callable, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger import licensing
from seatledger.db import tables as t
from seatledger.db.versions import wrote_in_transaction
from seatledger.errors import NotFound
from seatledger.licensing import (
    GHAS_PRODUCTS,
    CommitterTotals,
    CopilotTotals,
    DataGap,
    GhasProduct,
    IntervalCheck,
    OrganizationCommitters,
    RepositoryCommitters,
    Scope,
    SeatTotals,
    SourceFreshness,
    UnattributedEmail,
    committer_totals_by_product,
    last_interval_check,
    price_on,
)
from seatledger.web.table_view import TablePage, TableState, page_of

# The list price used when no price catalog is installed (GitHub Enterprise, per user/month).
FALLBACK_PRICE_PER_USER = Decimal("21")
HISTORY_DAYS = 90
ENTERPRISE_SKU = "ghec_licenses"
PRODUCT_LABELS = {"code_security": "Code Security", "secret_protection": "Secret Protection"}

T = TypeVar("T")


@dataclass(frozen=True)
class SeatCard:
    totals: SeatTotals
    price_per_user: Decimal | None
    estimated_monthly_cost: Decimal | None


@dataclass(frozen=True)
class NamespaceRow:
    name: str
    kind: str  # organization | user_namespace
    counts: dict[str, OrganizationCommitters]  # by product


@dataclass(frozen=True)
class RepositoryRow:
    name: str
    counts: dict[str, RepositoryCommitters]


@dataclass(frozen=True)
class ServerRow:
    server_id: str
    hostname: str
    version: str | None
    last_event: str  # GitHub's labels: "Server usage uploaded", "GitHub Connect server usage synced", ...
    last_event_at: dt.datetime | None
    last_status: str | None
    last_error: str | None


@dataclass
class LicensingPage:
    level: str  # enterprise | organization
    enterprise: str
    enterprise_name: str
    org: str | None
    as_of: dt.datetime
    seats: SeatCard
    advanced_security: dict[GhasProduct, CommitterTotals]
    copilot: CopilotTotals
    namespaces: list[NamespaceRow] = field(default_factory=list)
    repositories: list[RepositoryRow] = field(default_factory=list)
    servers: list[ServerRow] = field(default_factory=list)
    history: list[tuple[dt.date, int]] = field(default_factory=list)
    interval_check: IntervalCheck | None = None  # the last `seatledger verify` (enterprise level)
    sources: list[SourceFreshness] = field(default_factory=list)  # freshness and coverage (enterprise level)
    data_gaps: list[DataGap] = field(default_factory=list)  # sources with no data before the page's instant
    history_gaps: list[DataGap] = field(default_factory=list)  # ... before the history's first day


def _price_per_user(conn: Connection, enterprise_id: int, day: dt.date) -> Decimal:
    try:
        price = price_on(conn, enterprise_id, ENTERPRISE_SKU, day)
    except (NotFound, sa.exc.SQLAlchemyError):
        return FALLBACK_PRICE_PER_USER
    discount = Decimal(price.discount_percent or 0)
    return (Decimal(price.price_per_unit) * (Decimal(100) - discount) / Decimal(100)).quantize(Decimal("0.01"))


def _seat_card(conn: Connection, enterprise_id: int, slug: str, org: str | None, as_of: dt.datetime) -> SeatCard:
    totals = licensing.seat_totals(conn, slug, org=org, as_of=as_of)
    if totals.billing != "metered":
        return SeatCard(totals, None, None)
    price = _price_per_user(conn, enterprise_id, as_of.date())
    return SeatCard(totals, price, (price * totals.consumed).quantize(Decimal("0.01")))


def _namespaces(conn: Connection, slug: str, as_of: dt.datetime) -> list[NamespaceRow]:
    rows: dict[tuple[str, str], NamespaceRow] = {}
    for product in GHAS_PRODUCTS:
        for item in licensing.iter_namespace_committers(conn, slug, product, as_of=as_of):
            key = (item.kind, item.organization)
            rows.setdefault(key, NamespaceRow(item.organization, item.kind, {})).counts[product] = item
    return [rows[k] for k in sorted(rows)]


def _repository_counts(
    conn: Connection, org: str, product: GhasProduct, as_of: dt.datetime, limit: int | None
) -> list[licensing.RepositoryCommitters]:
    return list(
        licensing.iter_repository_committers(conn, Scope.org(org), product, as_of=as_of, limit=limit, breakdowns=False)
    )


def _repositories(counts: dict[GhasProduct, list[licensing.RepositoryCommitters]]) -> list[RepositoryRow]:
    """One row per repository with its count of each product."""
    rows: dict[str, RepositoryRow] = {}
    for product in GHAS_PRODUCTS:
        for item in counts[product]:
            rows.setdefault(item.repository, RepositoryRow(item.repository, {})).counts[product] = item
    return [rows[k] for k in sorted(rows)]


_EVENT_LABELS = {"upload": "Server usage uploaded", "connect": "GitHub Connect server usage synced"}


def enterprise_ids(conn: Connection) -> list[tuple[int, str]]:
    """Every enterprise's id and slug."""
    e = t.enterprises
    return [(r.id, r.slug) for r in conn.execute(sa.select(e.c.id, e.c.slug).order_by(e.c.slug))]


def org_logins(conn: Connection, enterprise_id: int) -> list[str]:
    """The enterprise's organizations, by login."""
    o = t.organizations
    return list(
        conn.execute(sa.select(o.c.login).where(o.c.enterprise_id == enterprise_id).order_by(o.c.login)).scalars()
    )


def servers(conn: Connection, enterprise_id: int) -> list[ServerRow]:
    """The enterprise's server instances with their latest license-sync event."""
    never = "GitHub Connect server usage never synced"
    return [
        ServerRow(r.server_id, r.hostname, r.version, never, None, None, None)
        if (e := r.last) is None
        else ServerRow(
            r.server_id, r.hostname, r.version, _EVENT_LABELS.get(e.kind, never), e.occurred_at, e.status, e.error
        )
        for r in licensing.iter_server_syncs(conn, enterprise_id)
    ]


# Parts of a page counted side by side: the engine's statements spend their time in the
# database, which counts on every core (SQLite and PostgreSQL alike), not in Python.
PAGE_THREADS = 3


class _SideBySide:
    """Parts of a page, each computed on a connection of its own, side by side; or one after the
    other on ``conn`` when its transaction wrote (another connection would not see the write)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pool = (
            None
            if wrote_in_transaction(conn)
            else ThreadPoolExecutor(max_workers=PAGE_THREADS, thread_name_prefix="seatledger-page")
        )

    def start(self, fn: Callable[[Connection], T]) -> Future[T]:
        if self.pool is not None:
            return self.pool.submit(self._on_own_connection, fn)
        done: Future[T] = Future()
        done.set_result(fn(self.conn))
        return done

    def _on_own_connection(self, fn: Callable[[Connection], T]) -> T:
        with self.conn.engine.connect() as own:
            return fn(own)

    def __enter__(self) -> _SideBySide:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def enterprise_page(conn: Connection, slug: str, as_of: dt.datetime) -> LicensingPage:
    info = licensing.get_enterprise(conn, slug)
    start = as_of.date() - dt.timedelta(days=HISTORY_DAYS - 1)
    scope = Scope.enterprise(slug)
    with _SideBySide(conn) as parts:
        seats = parts.start(lambda c: _seat_card(c, info.id, slug, None, as_of))
        by_product = parts.start(lambda c: committer_totals_by_product(c, scope, as_of=as_of))
        copilot = parts.start(lambda c: licensing.copilot_totals(c, scope, as_of=as_of))
        namespaces = parts.start(lambda c: _namespaces(c, slug, as_of))
        history = parts.start(lambda c: licensing.seat_history(c, slug, start, as_of.date()))
    return LicensingPage(
        level="enterprise",
        enterprise=slug,
        enterprise_name=info.name,
        org=None,
        as_of=as_of,
        seats=seats.result(),
        advanced_security=by_product.result(),
        copilot=copilot.result(),
        namespaces=namespaces.result(),
        servers=servers(conn, info.id),
        history=history.result(),
        interval_check=last_interval_check(conn, slug),
        sources=licensing.source_freshness(conn, slug),
        data_gaps=licensing.data_gaps(conn, slug, as_of),
        history_gaps=licensing.data_gaps(conn, slug, dt.datetime.combine(start, dt.time(23, 59, 59))),
    )


def org_page(conn: Connection, org: str, as_of: dt.datetime, *, repository_limit: int | None = None) -> LicensingPage:
    resolved = licensing.resolve(conn, Scope.org(org))
    info = resolved.enterprise
    scope = Scope.org(org)
    with _SideBySide(conn) as parts:
        seats = parts.start(lambda c: _seat_card(c, info.id, info.slug, org, as_of))
        by_product = parts.start(lambda c: committer_totals_by_product(c, scope, as_of=as_of))
        copilot = parts.start(lambda c: licensing.copilot_totals(c, scope, as_of=as_of))
        # Each product's repositories on a connection of its own: an org can have thousands.
        repositories = {
            product: parts.start(
                partial(_repository_counts, org=org, product=product, as_of=as_of, limit=repository_limit)
            )
            for product in GHAS_PRODUCTS
        }
    return LicensingPage(
        level="organization",
        enterprise=info.slug,
        enterprise_name=info.name,
        org=org,
        as_of=as_of,
        seats=seats.result(),
        advanced_security=by_product.result(),
        copilot=copilot.result(),
        repositories=_repositories({product: f.result() for product, f in repositories.items()}),
    )


# The columns the committer tables sort by: the name, or a product's committers.
TABLE_SORTS = ("name", *GHAS_PRODUCTS)


def _committers_of(product: str) -> Callable[[NamespaceRow | RepositoryRow], int]:
    return lambda row: row.counts[product].committers if product in row.counts else 0


def committer_table(
    rows: list[NamespaceRow] | list[RepositoryRow], state: TableState, query: list[tuple[str, str]]
) -> TablePage[NamespaceRow | RepositoryRow]:
    """One page of a committer table (ORGANIZATION, USER NAMESPACED, an org's repositories)."""
    keys: dict[str, Callable[[Any], Any]] = {"name": lambda r: r.name.casefold()}
    keys.update({p: _committers_of(p) for p in GHAS_PRODUCTS})
    return page_of(rows, state, name=lambda r: r.name, keys=keys, query=query)


# The columns the server instances table sorts by: the host name, or the last sync.
SERVER_SORTS = ("name", "synced")
_NEVER = dt.datetime.min


def server_table(rows: list[ServerRow], state: TableState, query: list[tuple[str, str]]) -> TablePage[ServerRow]:
    """One page of the enterprise's server instances, filtered by host name."""
    keys: dict[str, Callable[[Any], Any]] = {
        "name": lambda r: r.hostname.casefold(),
        "synced": lambda r: r.last_event_at or _NEVER,
    }
    return page_of(rows, state, name=lambda r: r.hostname, keys=keys, query=query)


# The columns the unattributed emails table sorts by (``email_sort=``).
EMAIL_SORTS = ("email", "pushes", "repositories", "last_push")


def unattributed_table(
    rows: list[UnattributedEmail], state: TableState, query: list[tuple[str, str]]
) -> TablePage[UnattributedEmail]:
    """One page of the unattributed commit emails, filtered by the email."""
    keys: dict[str, Callable[[Any], Any]] = {"email": lambda r: r.email.casefold()}
    keys.update({f: attrgetter(f) for f in EMAIL_SORTS[1:]})
    return page_of(rows, state, name=attrgetter("email"), keys=keys, query=query)


def product_label(product: GhasProduct | str) -> str:
    return PRODUCT_LABELS[product]
