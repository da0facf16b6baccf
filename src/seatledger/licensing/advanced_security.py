"""Advanced Security active committers, per product (spec section 2.2).

A person counts for a product when a commit they authored (author email resolved through a
verified email) was *pushed* within ``ACTIVE_COMMITTER_WINDOW`` before ``as_of`` to a repository
that has the product enabled, the person holds an enterprise seat, and is not a bot. Public
repositories are free, except on data-residency enterprises and server deployments.

IMPLEMENTATION PENDING: signatures and types are the contract other modules build on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator, Literal

from sqlalchemy.engine import Connection

from seatledger.licensing.scope import Scope

ACTIVE_COMMITTER_WINDOW = dt.timedelta(days=90)

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
class UnresolvedEmail:
    email: str
    commits: int
    repositories: int


def committer_totals(
    conn: Connection, scope: Scope, product: Product, *, as_of: dt.datetime | None = None
) -> CommitterTotals:
    raise NotImplementedError


def iter_committer_pushes(
    conn: Connection, scope: Scope, product: Product, *, as_of: dt.datetime | None = None
) -> Iterator[CommitterPush]:
    """Rows of the Advanced Security CSV, ordered by login then repository, streamed."""
    raise NotImplementedError


def iter_repository_committers(
    conn: Connection,
    scope: Scope,
    product: Product,
    *,
    as_of: dt.datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[RepositoryCommitters]:
    """Enabled repositories in scope with active committers, ordered by full name."""
    raise NotImplementedError


def iter_namespace_committers(
    conn: Connection, enterprise: str, product: Product, *, as_of: dt.datetime | None = None
) -> Iterator[OrganizationCommitters]:
    """The ORGANIZATION and USER NAMESPACED tables of the licensing page."""
    raise NotImplementedError


def iter_unresolved_emails(
    conn: Connection, scope: Scope, product: Product, *, as_of: dt.datetime | None = None
) -> Iterator[UnresolvedEmail]:
    """Author emails pushed in the window that resolve to no person (they do not count)."""
    raise NotImplementedError
