"""The Advanced Security license CSV (spec 3.2), one download per product.

One row per (person consuming a license, repository with the product enabled they pushed to
in the active-committer window), carrying the author date and email of their latest commit
there. Scopes: enterprise, organization, user namespace, repository. Rows come from
:func:`licensing.iter_committer_pushes` ordered by login, then repository, so the distinct
logins of the file are the engine's ``total_committers``.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from sqlalchemy.engine import Connection

from seatledger.errors import InvalidInput
from seatledger.licensing import GHAS_PRODUCTS, GhasProduct, Scope, as_of_or_now, iter_committer_pushes, resolve
from seatledger.reports.writer import Progress, iter_csv

HEADER = ("User login", "Organization / repository", "Last pushed date", "Last pushed email")
SCOPES = ("enterprise", "organization", "user_namespace", "repository")


def check_product(product: str | None) -> GhasProduct:
    """The product named on the command line or in a URL; InvalidInput if it is not one."""
    if product not in GHAS_PRODUCTS:
        raise InvalidInput(
            f"the Advanced Security report needs a product: {' or '.join(GHAS_PRODUCTS)}, not {product!r}"
        )
    return product


def iter_report(
    conn: Connection,
    scope: Scope,
    product: str | None,
    *,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The CSV as encoded chunks; scope and product are checked now, rows read as taken."""
    checked = check_product(product)
    if scope.kind not in SCOPES:
        raise InvalidInput(f"the Advanced Security report has no {scope.kind} scope")
    resolve(conn, scope)  # NotFound before any byte is written
    rows = (
        (push.login, push.repository, push.last_pushed_date, push.last_pushed_email)
        for push in iter_committer_pushes(conn, scope, checked, as_of=as_of_or_now(as_of))
    )
    return iter_csv(HEADER, rows, progress=progress)
