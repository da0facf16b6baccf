"""Who consumes a GitHub Enterprise seat, and why (spec section 2.1).

One license per person. A person is a cloud account, or — for server accounts that match no
cloud account — the group of server accounts sharing a primary email, or the email an
invitation went to. The rules (``db/rules.py``) ran when the facts were written; a person
consumes when they have at least one kept reason, and every count here reads the merged
spans of each person's reasons (``seat_spans``): at an instant, an index-range count.

Billing: the ``enterprise`` row of ``enterprise_products`` says metered or volume (no row:
metered). Under metered billing, whether pending *org* invitations consume is the
enterprise's ``pending_invites_consume_metered`` setting (the docs disagree).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables_intervals as ti
from seatledger.errors import InvalidInput
from seatledger.licensing import seat_people
from seatledger.licensing.history import end_of_day, held_at_instants
from seatledger.licensing.scope import as_of_or_now, get_enterprise, month_start, next_month_start, org_id_in
from seatledger.licensing.seat_people import (
    LICENSE_TYPE_ENTERPRISE,
    LICENSE_TYPE_VISUAL_STUDIO,
    LicensedPerson,
    SeatReason,
)
from seatledger.licensing.seat_policy import consuming_user_ids, load_product, policy_for, spans
from seatledger.licensing.seat_reasons import (
    REASON_ORG_MEMBER,
    REASON_ORG_OWNER,
    REASON_OUTSIDE_COLLABORATOR,
    REASON_PENDING_INVITATION,
    REASON_SERVER_USER,
    REASON_VISUAL_STUDIO,
    Policy,
    Window,
)

__all__ = [
    "LICENSE_TYPE_ENTERPRISE",
    "LICENSE_TYPE_VISUAL_STUDIO",
    "REASON_ORG_MEMBER",
    "REASON_ORG_OWNER",
    "REASON_OUTSIDE_COLLABORATOR",
    "REASON_PENDING_INVITATION",
    "REASON_SERVER_USER",
    "REASON_VISUAL_STUDIO",
    "LicensedPerson",
    "SeatReason",
    "SeatTotals",
    "billable_in_month",
    "consumed_and_purchased",
    "consuming_user_ids",
    "count_consumed",
    "explain",
    "iter_licensed_people",
    "licensed_person",
    "seat_history",
    "seat_totals",
]

# People are streamed in batches of this many; each batch costs a handful of IN (...) queries.
PEOPLE_BATCH = 1000


@dataclass(frozen=True)
class SeatTotals:
    """Enterprise-seat numbers for one enterprise (or one org of it) at one instant."""

    consumed: int
    purchased: int  # 0 when metered
    available: int | None  # purchased - consumed, never below 0 (see over_limit); None when metered
    over_limit: int  # consumed beyond purchased (volume only), else 0
    billing: str  # metered | volume
    expires_at: dt.date | None
    enterprise_licenses: int  # consumed with license type Enterprise
    visual_studio_licenses: int  # consumed with license type Visual Studio subscription
    cloud_users: int  # consumed by a person with a cloud account
    server_only_users: int  # consumed by people known only from server instances
    invited_only_users: int  # consumed by people known only by an invitation (not yet accepted)
    billable_this_month: int  # distinct people who consumed at any point this billing month


def _count(conn: Connection, policy: Policy, window: Window, org_id: int | None = None) -> int:
    """People holding a seat at ``window.start``, or at some instant of the window."""
    s, where = spans(policy, org_id)
    return int(conn.execute(sa.select(sa.func.count()).where(*where, window.first_overlap(s))).scalar_one())


def count_consumed(
    conn: Connection, enterprise: str, *, org: str | None = None, as_of: dt.datetime | None = None
) -> int:
    """Just the consumed count (what consumed-licenses' total and the usage CSV's row count equal)."""
    info = get_enterprise(conn, enterprise)
    return _count(conn, policy_for(conn, info), Window(as_of_or_now(as_of)), org_id_in(conn, info, org))


def consumed_and_purchased(conn: Connection, enterprise: str, *, as_of: dt.datetime | None = None) -> tuple[int, int]:
    """(consumed, purchased) of the enterprise's seats, as consumed-licenses answers them
    (purchased 0 when metered): :func:`seat_totals` without the numbers it does not show."""
    info = get_enterprise(conn, enterprise)
    product = load_product(conn, info.id)
    consumed = _count(conn, policy_for(conn, info, product), Window(as_of_or_now(as_of)))
    return consumed, product.purchased if product.billing == "volume" else 0


def seat_totals(
    conn: Connection, enterprise: str, *, org: str | None = None, as_of: dt.datetime | None = None
) -> SeatTotals:
    """Seat totals for the enterprise, or the people consuming through one of its orgs.

    ``purchased``/``available``/``over_limit`` always describe the enterprise's pool (licenses
    are bought per enterprise), also when ``org`` narrows ``consumed``. ``billable_this_month``
    counts people consuming at any instant from the 1st of ``as_of``'s month up to ``as_of``.
    """
    at = as_of_or_now(as_of)
    info = get_enterprise(conn, enterprise)
    product = load_product(conn, info.id)
    policy = policy_for(conn, info, product)
    org_id = org_id_in(conn, info, org)
    s, where = spans(policy, org_id)
    # One walk of the covering count index over the spans started by ``at``.
    holds = sa.or_(s.c.ended_at.is_(None), s.c.ended_at > at)
    # 'This month': people holding at some instant of [1st of the month, at], each counted by
    # the first of their spans that reaches into the month.
    this_month = Window(month_start(at), at + dt.timedelta(microseconds=1))
    row = conn.execute(
        sa.select(
            sa.func.count(sa.case((holds, 1))).label("consumed"),
            sa.func.count(sa.case((sa.and_(holds, s.c.user_id.is_not(None)), 1))).label("cloud"),
            sa.func.count(sa.case((sa.and_(holds, s.c.other_key.startswith("server:")), 1))).label("server_only"),
            sa.func.count(sa.case((sa.and_(holds, s.c.other_key.startswith("invite:")), 1))).label("invited_only"),
            sa.func.count(sa.case((this_month.first_overlap(s), 1))).label("billable"),
        ).where(*where, s.c.started_at <= at)
    ).one()
    billable = int(row.billable)
    # Visual Studio is a license type, not a place: of the people holding a seat here (the
    # enterprise, or one org), those who also hold one through a Visual Studio subscription,
    # as the report's "License type" column says of each row.
    v = ti.seat_spans.alias("vs")
    vs_at = [
        v.c.enterprise_id == policy.enterprise.id,
        v.c.scope == ti.SCOPE_VISUAL_STUDIO,
        v.c.org_id == 0,
        Window(at).overlaps(v.c.started_at, v.c.ended_at),
    ]
    if org_id is None:  # everyone with a Visual Studio span holds an enterprise seat: count them
        vs = int(conn.execute(sa.select(sa.func.count()).where(*vs_at)).scalar_one())
    else:
        # Two probes, each by its own index (one OR would read every Visual Studio span per person).
        vs_holder = sa.or_(
            sa.exists().where(*vs_at, v.c.user_id == s.c.user_id),
            sa.and_(s.c.user_id.is_(None), sa.exists().where(*vs_at, v.c.other_key == s.c.other_key)),
        )
        vs = int(
            conn.execute(
                sa.select(sa.func.count()).where(*where, Window(at).overlaps(s.c.started_at, s.c.ended_at), vs_holder)
            ).scalar_one()
        )
    consumed = int(row.consumed)
    pool = consumed if org_id is None else _count(conn, policy, Window(at))
    volume = product.billing == "volume"
    return SeatTotals(
        consumed=consumed,
        purchased=product.purchased if volume else 0,
        available=max(product.purchased - pool, 0) if volume else None,
        over_limit=max(0, pool - product.purchased) if volume else 0,
        billing=product.billing,
        expires_at=product.expires_at,
        enterprise_licenses=consumed - vs,
        visual_studio_licenses=vs,
        cloud_users=int(row.cloud),
        server_only_users=int(row.server_only),
        invited_only_users=int(row.invited_only),
        billable_this_month=billable,
    )


def billable_in_month(conn: Connection, enterprise: str, year: int, month: int) -> int:
    """Distinct people who consumed at any instant of that billing month (metered billing)."""
    if not 1 <= month <= 12:
        raise InvalidInput(f"month must be 1 to 12, not {month}")
    info = get_enterprise(conn, enterprise)
    start = dt.datetime(year, month, 1)
    return _count(conn, policy_for(conn, info), Window(start, next_month_start(start)))


def seat_history(conn: Connection, enterprise: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """Consumed seats at the end of each day from ``start`` to ``end`` inclusive: a sweep over
    the kept spans that start or end in the range (:func:`history.held_at_instants`)."""
    if end < start:
        raise InvalidInput(f"the history ends ({end}) before it starts ({start})")
    s, where = spans(policy_for(conn, get_enterprise(conn, enterprise)), None)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    return list(zip(days, held_at_instants(conn, s, where, [end_of_day(d) for d in days])))


def iter_licensed_people(
    conn: Connection,
    enterprise: str,
    *,
    org: str | None = None,
    as_of: dt.datetime | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[LicensedPerson]:
    """The people consuming a seat, ordered by login (server-only and invite people after,
    by key), streamed in batches; ``offset``/``limit`` page through the same order.

    With ``org`` the people are those consuming through that org, but each person is still
    described whole (all their roles and reasons in the enterprise).
    """
    if offset < 0 or (limit is not None and limit < 0):
        raise InvalidInput("offset and limit cannot be negative")
    at = as_of_or_now(as_of)
    info = get_enterprise(conn, enterprise)
    org_id = org_id_in(conn, info, org)
    policy = policy_for(conn, info)
    return seat_people.stream(conn, policy, at, org_id=org_id, offset=offset, limit=limit, batch=PEOPLE_BATCH)


def explain(conn: Connection, enterprise: str, login: str, as_of: dt.datetime | None = None) -> list[SeatReason]:
    """Why ``login`` consumes a seat at ``as_of``: one entry per rule that holds (empty: they
    do not consume). ``login`` is a cloud login, or the email of a server-only or invited person."""
    at = as_of_or_now(as_of)
    info = get_enterprise(conn, enterprise)
    return seat_people.explain(conn, policy_for(conn, info), at, login)


def licensed_person(
    conn: Connection, enterprise: str, key: str, *, as_of: dt.datetime | None = None
) -> LicensedPerson | None:
    """The row :func:`iter_licensed_people` gives the person ``key`` (``user:<id>``,
    ``server:<email>``, ``invite:<email or login>``) at ``as_of``, described through the same
    batch path as a page of it; None when they hold no seat then."""
    at = as_of_or_now(as_of)
    policy = policy_for(conn, get_enterprise(conn, enterprise))
    user_id = int(key.removeprefix("user:")) if key.startswith("user:") else None
    other = None if user_id is not None else key
    s, where = spans(policy, None)
    holder = s.c.user_id == user_id if user_id is not None else s.c.other_key == other
    if (
        conn.execute(sa.select(s.c.id).where(*where, holder, Window(at).overlaps(s.c.started_at, s.c.ended_at))).first()
        is None
    ):
        return None
    return next(iter(seat_people.describe_keys(conn, policy, at, [(user_id, other)], batch=1)), None)
