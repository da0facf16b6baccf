"""What changed between two instants: who started and who stopped consuming each license,
the rule that did it, when, and the net per product, such that for every product and scope

    total(end) - total(start) = added - removed

Every product's count at an instant is the people whose kept span holds then (seat spans,
committer spans, merged Copilot seats; disjoint per person), so the list is every start and
end of those spans in ``(start, end]``: somebody who came and went in between appears twice,
and the events add up to the difference of the totals exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, Iterable, Literal, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.errors import InvalidInput
from seatledger.licensing import advanced_security, copilot, seats
from seatledger.licensing.committer_changes import committer_events_by_product
from seatledger.licensing.seats import (
    REASON_ORG_MEMBER,
    REASON_ORG_OWNER,
    REASON_OUTSIDE_COLLABORATOR,
    REASON_PENDING_INVITATION,
    REASON_SERVER_USER,
    REASON_VISUAL_STUDIO,
)
from seatledger.licensing.scope import EnterpriseInfo, Scope, as_of_or_now, get_enterprise, org_id_in
from seatledger.licensing.seat_reasons import person_key

__all__ = ["CHANGE_PRODUCTS", "LicenseChange", "LicenseChanges", "ProductChange", "license_changes", "product_total"]

ChangeProduct = Literal["enterprise", "code_security", "secret_protection", "copilot"]
CHANGE_PRODUCTS: tuple[ChangeProduct, ...] = ("enterprise", "code_security", "secret_protection", "copilot")


@dataclass(frozen=True)
class LicenseChange:
    """One person starting or stopping to consume one license."""

    product: str  # one of CHANGE_PRODUCTS
    change: Literal["added", "removed"]
    at: dt.datetime
    person_key: str
    handle: str  # login, else email: what the person page and `seatledger explain` take
    name: str | None
    reason: str  # a short code: org_member, first_push, left_window, seat_cancelled, ...
    rule: str  # one sentence: "joined organization acme-web"


@dataclass(frozen=True)
class ProductChange:
    product: str
    at_start: int  # the product's total at the start instant
    at_end: int
    added: int
    removed: int

    JSON_EXTRA: ClassVar[tuple[str, ...]] = ("net",)

    @property
    def net(self) -> int:
        return self.added - self.removed


@dataclass(frozen=True)
class LicenseChanges:
    enterprise: str
    organization: str | None
    start: dt.datetime
    end: dt.datetime
    products: tuple[ProductChange, ...]
    changes: tuple[LicenseChange, ...]  # by time, then product, then person


def product_total(
    conn: Connection, enterprise: str, product: str, *, org: str | None = None, as_of: dt.datetime
) -> int:
    """The product's total at ``as_of`` for the enterprise or one org: the number its own page shows."""
    scope = Scope.org(org) if org else Scope.enterprise(enterprise)
    if product == "enterprise":
        return seats.count_consumed(conn, enterprise, org=org, as_of=as_of)
    if product == "copilot":
        return copilot.count_seat_holders(conn, scope, as_of=as_of)
    if product in advanced_security.PRODUCTS:
        return advanced_security.committer_totals(conn, scope, product, as_of=as_of).total_committers
    raise InvalidInput(f"product must be one of {', '.join(CHANGE_PRODUCTS)}, not {product!r}")


def license_changes(
    conn: Connection,
    enterprise: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    products: Sequence[str] = CHANGE_PRODUCTS,
    org: str | None = None,
) -> LicenseChanges:
    """Who started or stopped consuming each of ``products`` in ``(start, end]``, in the
    enterprise or through one of its organizations."""
    t1, t2 = as_of_or_now(start), as_of_or_now(end)
    if t2 < t1:
        raise InvalidInput(f"the range ends ({t2:%Y-%m-%d %H:%M:%S}) before it starts ({t1:%Y-%m-%d %H:%M:%S})")
    for product in products:
        if product not in CHANGE_PRODUCTS:
            raise InvalidInput(f"product must be one of {', '.join(CHANGE_PRODUCTS)}, not {product!r}")
    info = get_enterprise(conn, enterprise)
    org_id = org_id_in(conn, info, org)
    found: list[LicenseChange] = []
    summary: list[ProductChange] = []
    # Both Advanced Security products from one reading of the windows and of each total.
    ghas = [p for p in advanced_security.PRODUCTS if p in products]
    ghas_events = _committer_changes(conn, info, org, org_id, ghas, t1, t2) if ghas else {}
    scope = Scope.org(org) if org else Scope.enterprise(enterprise)
    ghas_totals = (
        {at: advanced_security.committer_totals_by_product(conn, scope, as_of=at, products=ghas) for at in (t1, t2)}
        if ghas
        else {}
    )
    for product in CHANGE_PRODUCTS:
        if product not in products:
            continue
        if product in advanced_security.PRODUCTS:
            events = ghas_events[product]
            at_start, at_end = (ghas_totals[at][product].total_committers for at in (t1, t2))
        else:
            events = (_seat_changes if product == "enterprise" else _copilot_changes)(conn, info, org_id, t1, t2)
            at_start = product_total(conn, enterprise, product, org=org, as_of=t1)
            at_end = product_total(conn, enterprise, product, org=org, as_of=t2)
        found += events
        summary.append(
            ProductChange(
                product=product,
                at_start=at_start,
                at_end=at_end,
                added=sum(1 for e in events if e.change == "added"),
                removed=sum(1 for e in events if e.change == "removed"),
            )
        )
    order: dict[str, int] = {p: i for i, p in enumerate(CHANGE_PRODUCTS)}
    found.sort(key=lambda e: (e.at, order[e.product], e.change, e.handle, e.person_key))
    return LicenseChanges(info.slug, org, t1, t2, tuple(summary), tuple(found))


def _in_range(column: sa.ColumnElement[Any], t1: dt.datetime, t2: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(column > t1, column <= t2)


class _People:
    """Logins and names of the people in a change list, fetched once."""

    def __init__(self, conn: Connection, user_ids: Iterable[int]) -> None:
        ids = sorted(set(user_ids))
        u = t.users
        self.users = (
            {row.id: row for row in conn.execute(sa.select(u.c.id, u.c.login, u.c.name).where(u.c.id.in_(ids)))}
            if ids
            else {}
        )

    def handle(self, key: str) -> tuple[str, str | None]:
        if key.startswith("user:"):
            row = self.users.get(int(key[5:]))
            return (row.login, row.name) if row is not None else (key, None)
        suffix = key.split(":", 1)[1]
        return (suffix if "@" in suffix or key.startswith("invite:") else key), None


# -- enterprise seats ---------------------------------------------------------------------


def _seat_changes(
    conn: Connection, info: EnterpriseInfo, org_id: int | None, t1: dt.datetime, t2: dt.datetime
) -> list[LicenseChange]:
    s = ti.seat_spans
    scope = ti.SCOPE_ENTERPRISE if org_id is None else ti.SCOPE_ORGANIZATION
    spans = conn.execute(
        sa.select(s.c.user_id, s.c.other_key, s.c.started_at, s.c.ended_at).where(
            s.c.enterprise_id == info.id,
            s.c.scope == scope,
            s.c.org_id == (org_id or 0),
            sa.or_(s.c.ended_at.is_(None), s.c.ended_at > s.c.started_at),
            sa.or_(_in_range(s.c.started_at, t1, t2), _in_range(s.c.ended_at, t1, t2)),
        )
    ).all()
    if not spans:
        return []
    reasons = _reason_rows(conn, info, org_id, spans, t1, t2)
    people = _People(conn, [row.user_id for row in spans if row.user_id is not None])
    out = []
    for span in spans:
        key = f"user:{span.user_id}" if span.user_id is not None else span.other_key
        handle, name = people.handle(key)
        change: Literal["added", "removed"]
        for change, at in (("added", span.started_at), ("removed", span.ended_at)):
            if at is None or not t1 < at <= t2:
                continue
            reason, rule = _seat_rule(reasons.get((key, change, at)), change)
            out.append(LicenseChange("enterprise", change, at, key, handle, name, reason, rule))
    return out


def _reason_rows(
    conn: Connection,
    info: EnterpriseInfo,
    org_id: int | None,
    spans: Sequence[sa.Row[*tuple[Any, ...]]],
    t1: dt.datetime,
    t2: dt.datetime,
) -> dict[tuple[str, str, dt.datetime], sa.Row[*tuple[Any, ...]]]:
    """The reason rows starting or ending in the range of the spans' people, with what they
    name, by (person, "added" or "removed", instant of that edge)."""
    r, o, repo, inv, acct, si, v, u = (
        ti.seat_reason_intervals,
        t.organizations,
        t.repositories,
        t.invitations,
        t.server_accounts,
        t.server_instances,
        t.vs_subscriptions,
        t.users,
    )
    user_ids = sorted({s.user_id for s in spans if s.user_id is not None})
    keys = sorted({s.other_key for s in spans if s.other_key is not None})
    query = (
        sa.select(
            r.c.user_id,
            r.c.other_key,
            r.c.reason,
            r.c.started_at,
            r.c.ended_at,
            o.c.login.label("org"),
            (repo.c.owner_login + "/" + repo.c.name).label("repository"),
            inv.c.status.label("invitation_status"),
            (si.c.hostname + ":" + acct.c.login).label("server_account"),
            v.c.subscriber_email.label("vs_email"),
            u.c.suspended_at,
        )
        .select_from(
            r.outerjoin(o, o.c.id == r.c.org_id)
            .outerjoin(repo, repo.c.id == r.c.repository_id)
            .outerjoin(inv, sa.and_(r.c.reason == REASON_PENDING_INVITATION, inv.c.id == r.c.source_id))
            .outerjoin(acct, sa.and_(r.c.reason == REASON_SERVER_USER, acct.c.id == r.c.source_id))
            .outerjoin(si, si.c.id == acct.c.server_instance_id)
            .outerjoin(v, sa.and_(r.c.reason == REASON_VISUAL_STUDIO, v.c.id == r.c.source_id))
            .outerjoin(u, u.c.id == r.c.user_id)
        )
        .where(
            r.c.enterprise_id == info.id,
            sa.or_(r.c.user_id.in_(user_ids), r.c.other_key.in_(keys)),
            sa.or_(_in_range(r.c.started_at, t1, t2), _in_range(r.c.ended_at, t1, t2)),
        )
        .order_by(r.c.reason, r.c.source_id)
    )
    if org_id is not None:
        query = query.where(r.c.org_id == org_id)
    # The first row (in the query's order) of each (person, edge, instant).
    out: dict[tuple[str, str, dt.datetime], sa.Row[*tuple[Any, ...]]] = {}
    for row in conn.execute(query):
        key = person_key(row.user_id, row.other_key)
        out.setdefault((key, "added", row.started_at), row)
        if row.ended_at is not None:
            out.setdefault((key, "removed", row.ended_at), row)
    return out


def _seat_rule(row: sa.Row[*tuple[Any, ...]] | None, change: str) -> tuple[str, str]:
    """(reason code, sentence) for the reason row that opened or closed a seat span."""
    if row is None:
        return (
            ("seat_started", "started holding a seat")
            if change == "added"
            else ("seat_ended", "stopped holding a seat")
        )
    reason = row.reason
    if change == "added":
        if reason in (REASON_ORG_MEMBER, REASON_ORG_OWNER):
            role = " as owner" if reason == REASON_ORG_OWNER else ""
            return reason, f"joined organization {row.org}{role}"
        if reason == REASON_OUTSIDE_COLLABORATOR:
            return reason, f"added as a collaborator on {row.repository}"
        if reason == REASON_PENDING_INVITATION:
            target = f"to collaborate on {row.repository}" if row.repository else f"to join {row.org}"
            return reason, f"invited {target}"
        if reason == REASON_SERVER_USER:
            return reason, f"Enterprise Server account {row.server_account} became active"
        return reason, f"Visual Studio subscription {row.vs_email} matched"
    if row.suspended_at is not None and row.suspended_at == row.ended_at:
        return "suspended", "account suspended"
    if reason in (REASON_ORG_MEMBER, REASON_ORG_OWNER):
        return "left_organization", f"left organization {row.org}"
    if reason == REASON_OUTSIDE_COLLABORATOR:
        return "collaborator_removed", f"no longer a collaborator on {row.repository}"
    if reason == REASON_PENDING_INVITATION:
        target = row.repository or row.org
        if row.invitation_status == "accepted":
            return "invitation_accepted", f"invitation to {target} accepted"
        if row.invitation_status == "failed":
            return "invitation_failed", f"invitation to {target} failed or expired"
        return "invitation_cancelled", f"invitation to {target} cancelled"
    if reason == REASON_SERVER_USER:
        return "server_account_ended", f"Enterprise Server account {row.server_account} suspended or removed"
    return "visual_studio_ended", f"Visual Studio subscription {row.vs_email} ended or unmatched"


# -- Copilot seats --------------------------------------------------------------------------


def _copilot_changes(
    conn: Connection, info: EnterpriseInfo, org_id: int | None, t1: dt.datetime, t2: dt.datetime
) -> list[LicenseChange]:
    """Per person the merged span of their seats in scope (the enterprise counts one seat a
    person); each start and end in the range is a change, named by the seat that made it."""
    cs, o, tm = t.copilot_seats, t.organizations, t.teams
    in_scope = o.c.enterprise_id == info.id if org_id is None else o.c.id == org_id
    moved = (
        sa.select(cs.c.user_id)
        .join(o, o.c.id == cs.c.organization_id)
        .where(in_scope, sa.or_(_in_range(cs.c.created_at, t1, t2), _in_range(cs.c.ended_at, t1, t2)))
    )
    rows = conn.execute(
        sa.select(
            cs.c.user_id,
            cs.c.plan,
            cs.c.created_at,
            cs.c.ended_at,
            cs.c.pending_cancellation_date,
            o.c.login.label("org"),
            tm.c.slug.label("team"),
        )
        .join(o, o.c.id == cs.c.organization_id)
        .outerjoin(tm, tm.c.id == cs.c.assigning_team_id)
        .where(in_scope, cs.c.user_id.in_(moved), sa.or_(cs.c.ended_at.is_(None), cs.c.ended_at > cs.c.created_at))
        .order_by(cs.c.user_id, cs.c.created_at, cs.c.id)
    ).all()
    people = _People(conn, [row.user_id for row in rows])
    out: list[LicenseChange] = []
    by_user: dict[int, list[sa.Row[*tuple[Any, ...]]]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    for user_id, user_seats in by_user.items():
        key = f"user:{user_id}"
        handle, name = people.handle(key)
        for opened, closed in _merged(user_seats):
            if t1 < opened.created_at <= t2:
                via = f" through team {opened.team}" if opened.team else ""
                out.append(
                    LicenseChange(
                        "copilot",
                        "added",
                        opened.created_at,
                        key,
                        handle,
                        name,
                        "seat_assigned",
                        f"Copilot {opened.plan.capitalize()} seat assigned in {opened.org}{via}",
                    )
                )
            if closed is not None and closed.ended_at is not None and t1 < closed.ended_at <= t2:
                if closed.pending_cancellation_date is not None:
                    reason, rule = (
                        "seat_cancelled",
                        f"Copilot seat in {closed.org} cancelled (ended at the cycle's start)",
                    )
                else:
                    reason, rule = "seat_revoked", f"Copilot seat in {closed.org} revoked"
                out.append(LicenseChange("copilot", "removed", closed.ended_at, key, handle, name, reason, rule))
    return out


def _merged(
    rows: Sequence[sa.Row[*tuple[Any, ...]]],
) -> list[tuple[sa.Row[*tuple[Any, ...]], sa.Row[*tuple[Any, ...]] | None]]:
    """A person's seats (by start) merged into spans: (the seat that opened each span, the one
    whose end closed it; None while it holds)."""
    spans: list[tuple[sa.Row[*tuple[Any, ...]], sa.Row[*tuple[Any, ...]] | None, dt.datetime | None]] = []
    for row in rows:
        if spans:
            opened, closed, ends = spans[-1]
            if ends is None or row.created_at <= ends:  # overlaps or touches the current span
                if ends is not None and (row.ended_at is None or row.ended_at > ends):
                    spans[-1] = (opened, row, row.ended_at)
                continue
        spans.append((row, row, row.ended_at))
    return [(opened, closed if ends is not None else None) for opened, closed, ends in spans]


# -- Advanced Security ---------------------------------------------------------------------


def _committer_changes(
    conn: Connection,
    info: EnterpriseInfo,
    org: str | None,
    org_id: int | None,
    products: Sequence[str],
    t1: dt.datetime,
    t2: dt.datetime,
) -> dict[str, list[LicenseChange]]:
    scope_org = (org, org_id) if org is not None and org_id is not None else None
    by_product = committer_events_by_product(conn, info, scope_org, products, t1, t2)
    people = _People(conn, [e.user_id for events in by_product.values() for e in events])
    return {
        product: [
            LicenseChange(
                product, e.change, e.at, f"user:{e.user_id}", *people.handle(f"user:{e.user_id}"), e.reason, e.rule
            )
            for e in events
        ]
        for product, events in by_product.items()
    }
