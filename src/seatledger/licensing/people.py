"""One person: every license they hold at an instant and why, and their license timeline
(what the person page, ``seatledger explain`` and the people endpoint show), and finding
people by login, name, any email or server login.

A person is a cloud account (``user:<id>``), a group of unmatched server accounts
(``server:<email>``) or somebody only invited (``invite:<email or login>``), as the seat rules
key them. Everything here reads the kept intervals through the counting functions, so what
it says a person holds is what the totals count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import advanced_security, copilot, seats
from seatledger.licensing.scope import EnterpriseInfo, Scope, as_of_or_now, get_enterprise

__all__ = [
    "CommitterLicense",
    "LicenseSpan",
    "PeoplePage",
    "PersonLicenses",
    "PersonMatch",
    "describe_person",
    "search_people",
]

# A search returns at most this many people per page.
MAX_SEARCH_LIMIT = 100
# Shorter search text matches too much to be worth a query.
MIN_SEARCH_LENGTH = 2

_KEY_PREFIXES = ("user:", "server:", "invite:")


@dataclass(frozen=True)
class CommitterLicense:
    """One Advanced Security product for one person at an instant."""

    product: str  # code_security | secret_protection
    counted: bool  # counted by committer_totals: a seat and an active window on a repository licensed for it
    repositories: tuple[advanced_security.CommitterRepository, ...]  # licensed for this product


@dataclass(frozen=True)
class LicenseSpan:
    """A stretch of the person's license timeline."""

    license: str  # enterprise | organization | visual_studio | copilot | committer
    started_at: dt.datetime
    ended_at: dt.datetime | None  # None: still holds
    place: str | None = None  # the organization (seat, Copilot) or repository (committer)
    detail: str | None = None  # the Copilot plan


@dataclass(frozen=True)
class PersonLicenses:
    """Everything one person holds at ``as_of`` and why."""

    key: str  # user:<id> | server:<email> | invite:<email or login>
    handle: str  # what names them in a URL or a command: their login, else their email
    login: str | None
    name: str | None
    emails: tuple[str, ...]  # verified emails of a cloud account; the key's email otherwise
    server_logins: tuple[str, ...]  # "hostname:login" of their server accounts
    as_of: dt.datetime
    seat: seats.LicensedPerson | None  # their row of the license usage report; None: no seat
    seat_reasons: tuple[seats.SeatReason, ...]
    advanced_security: tuple[CommitterLicense, ...]  # one per product
    copilot_seats: tuple[copilot.CopilotSeat, ...]  # held at as_of, the one counted first
    timeline: tuple[LicenseSpan, ...]  # by start

    JSON_EXTRA: ClassVar[tuple[str, ...]] = ("licenses",)

    @property
    def licenses(self) -> tuple[str, ...]:
        """The licenses held at ``as_of``, by name."""
        held = ["enterprise"] if self.seat is not None else []
        held += [c.product for c in self.advanced_security if c.counted]
        if self.copilot_seats:
            held.append("copilot_" + self.copilot_seats[0].plan)
        return tuple(held)


@dataclass(frozen=True)
class PersonMatch:
    key: str
    handle: str
    login: str | None
    name: str | None
    matched: str  # the login, name, email or server login the text was found in


@dataclass(frozen=True)
class PeoplePage:
    total: int
    people: tuple[PersonMatch, ...]


def describe_person(
    conn: Connection, enterprise: str, person: str, *, as_of: dt.datetime | None = None
) -> PersonLicenses:
    """Every license ``person`` (a cloud login, any of their emails, or a person key) holds at
    ``as_of`` and why, and their timeline; NotFound when the enterprise does not know them."""
    at = as_of_or_now(as_of)
    info = get_enterprise(conn, enterprise)
    key = _resolve(conn, info, person, at)
    user_id = int(key.removeprefix("user:")) if key.startswith("user:") else None
    login = name = None
    emails: tuple[str, ...]
    if user_id is not None:
        u, ue = t.users, t.user_emails
        row = conn.execute(sa.select(u.c.login, u.c.name).where(u.c.id == user_id)).one()
        login, name = row.login, row.name
        emails = tuple(
            conn.execute(
                sa.select(ue.c.email).where(ue.c.user_id == user_id, ue.c.verified == sa.true()).order_by(ue.c.email)
            ).scalars()
        )
    else:
        suffix = key.split(":", 1)[1]
        emails = (suffix,) if "@" in suffix else ()
        login = suffix if key.startswith("invite:") and "@" not in suffix else None
    seat = seats.licensed_person(conn, enterprise, key, as_of=at)
    reasons = tuple(seats.explain(conn, enterprise, key, at)) if seat is not None else ()
    committers: tuple[CommitterLicense, ...] = ()
    held_copilot: tuple[copilot.CopilotSeat, ...] = ()
    if user_id is not None:
        repos = advanced_security.committer_repositories(conn, enterprise, user_id, as_of=at)
        committers = tuple(
            CommitterLicense(
                product=p,
                # The kept committer span the totals count, not a second reading of the rule.
                counted=bool(
                    advanced_security.counted_committer_ids(
                        conn, Scope.enterprise(enterprise), p, as_of=at, user_ids=[user_id]
                    )
                ),
                repositories=tuple(r for r in repos if p in r.licensed_for),
            )
            for p in advanced_security.PRODUCTS
        )
        held_copilot = copilot.seats_held_by(conn, enterprise, user_id, as_of=at)
    return PersonLicenses(
        key=key,
        handle=login or (emails[0] if emails and user_id is None else key),
        login=login,
        name=name,
        emails=emails,
        server_logins=_server_logins(conn, info, user_id, key),
        as_of=at,
        seat=seat,
        seat_reasons=reasons,
        advanced_security=committers,
        copilot_seats=held_copilot,
        timeline=_timeline(conn, info, user_id, key),
    )


def _holder(table: sa.Table, user_id: int | None, key: str) -> sa.ColumnElement[bool]:
    return table.c.user_id == user_id if user_id is not None else table.c.other_key == key


def _resolve(conn: Connection, info: EnterpriseInfo, text: str, at: dt.datetime) -> str:
    """The person key ``text`` names in the enterprise."""
    text = text.strip()
    if not text:
        raise InvalidInput("name a person: a login, an email or a person key")
    u, ue = t.users, t.user_emails
    if text.startswith(_KEY_PREFIXES):
        prefix, rest = text.split(":", 1)
        if prefix == "user":
            found = (
                rest.isdigit()
                and conn.execute(sa.select(u.c.id).where(u.c.id == int(rest), u.c.enterprise_id == info.id)).first()
            )
            if found:
                return text
        elif _known_key(conn, info, text):
            return text
        raise NotFound(f"no person {text!r} in enterprise {info.slug!r}")
    uid = conn.execute(sa.select(u.c.id).where(u.c.enterprise_id == info.id, u.c.login == text)).scalar()
    if uid is None:  # logins are case-insensitive on GitHub
        uid = conn.execute(
            sa.select(u.c.id)
            .where(u.c.enterprise_id == info.id, sa.func.lower(u.c.login) == text.lower())
            .order_by(u.c.id)
        ).scalar()
    if uid is not None:
        return f"user:{uid}"
    lowered = text.lower()
    candidates = [k for k in (f"server:{lowered}", f"invite:{lowered}", f"invite:{text}") if _known_key(conn, info, k)]
    if candidates:
        # Server and invite people with the same email are two license units; the one holding
        # a seat at the instant first.
        s = ti.seat_spans
        holding = set(
            conn.execute(
                sa.select(s.c.other_key).where(
                    s.c.enterprise_id == info.id,
                    s.c.other_key.in_(candidates),
                    s.c.started_at <= at,
                    sa.or_(s.c.ended_at.is_(None), s.c.ended_at > at),
                )
            ).scalars()
        )
        return next((k for k in candidates if k in holding), candidates[0])
    if "@" in text:
        uid = conn.execute(
            sa.select(ue.c.user_id)
            .join(u, u.c.id == ue.c.user_id)
            .where(u.c.enterprise_id == info.id, ue.c.verified == sa.true(), sa.func.lower(ue.c.email) == lowered)
            .order_by(ue.c.user_id)
        ).scalar()
        if uid is not None:
            return f"user:{uid}"
    raise NotFound(f"no person {text!r} in enterprise {info.slug!r}")


def _known_key(conn: Connection, info: EnterpriseInfo, key: str) -> bool:
    r = ti.seat_reason_intervals
    return (
        conn.execute(sa.select(r.c.id).where(r.c.enterprise_id == info.id, r.c.other_key == key).limit(1)).first()
        is not None
    )


def _server_logins(conn: Connection, info: EnterpriseInfo, user_id: int | None, key: str) -> tuple[str, ...]:
    acct, si = t.server_accounts, t.server_instances
    if user_id is not None:
        which = acct.c.matched_user_id == user_id
    elif key.startswith("server:"):
        # The key's suffix is the (normalised) primary email the rules grouped the accounts by.
        which = sa.and_(acct.c.matched_user_id.is_(None), acct.c.primary_email == key.removeprefix("server:"))
    else:
        return ()
    rows = conn.execute(
        sa.select(si.c.hostname, acct.c.login)
        .join(si, si.c.id == acct.c.server_instance_id)
        .where(si.c.enterprise_id == info.id, which)
        .order_by(si.c.hostname, acct.c.login)
    )
    return tuple(f"{row.hostname}:{row.login}" for row in rows)


_SPAN_LICENSE = {
    ti.SCOPE_ENTERPRISE: "enterprise",
    ti.SCOPE_ORGANIZATION: "organization",
    ti.SCOPE_VISUAL_STUDIO: "visual_studio",
}


def _timeline(conn: Connection, info: EnterpriseInfo, user_id: int | None, key: str) -> tuple[LicenseSpan, ...]:
    """The person's kept seat spans (enterprise, per organization, Visual Studio), Copilot seats
    and committer windows, every one ever kept, by start."""
    s, o = ti.seat_spans, t.organizations
    spans = [
        LicenseSpan(_SPAN_LICENSE[row.scope], row.started_at, row.ended_at, row.login)
        for row in conn.execute(
            sa.select(s.c.scope, s.c.started_at, s.c.ended_at, o.c.login)
            .outerjoin(o, o.c.id == s.c.org_id)
            .where(s.c.enterprise_id == info.id, _holder(s, user_id, key))
        )
    ]
    if user_id is not None:
        cs = t.copilot_seats
        spans += [
            LicenseSpan("copilot", row.created_at, row.ended_at, row.login, row.plan)
            for row in conn.execute(
                sa.select(cs.c.created_at, cs.c.ended_at, cs.c.plan, o.c.login)
                .join(o, o.c.id == cs.c.organization_id)
                .where(o.c.enterprise_id == info.id, cs.c.user_id == user_id)
            )
        ]
        w, r = ti.committer_windows, t.repositories
        spans += [
            LicenseSpan("committer", row.started_at, row.ended_at, f"{row.owner_login}/{row.name}")
            for row in conn.execute(
                sa.select(w.c.started_at, w.c.ended_at, r.c.owner_login, r.c.name)
                .join(r, r.c.id == w.c.repository_id)
                .where(w.c.enterprise_id == info.id, w.c.user_id == user_id)
            )
        ]
    order = list(_SPAN_LICENSE.values()) + ["copilot", "committer"]
    return tuple(sorted(spans, key=lambda x: (x.started_at, order.index(x.license), x.place or "")))


def _like(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool]:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")


def search_people(conn: Connection, enterprise: str, text: str, *, limit: int = 20, offset: int = 0) -> PeoplePage:
    """People of the enterprise whose login, name, any email or server login contains ``text``
    (case-insensitive), by login (people without a cloud account after, by key), paged."""
    text = text.strip()
    if len(text) < MIN_SEARCH_LENGTH:
        raise InvalidInput(f"search for at least {MIN_SEARCH_LENGTH} characters")
    if not 1 <= limit <= MAX_SEARCH_LIMIT or offset < 0:
        raise InvalidInput(f"limit is 1 to {MAX_SEARCH_LIMIT} and offset 0 or more")
    info = get_enterprise(conn, enterprise)
    u, ue, acct, si, r = t.users, t.user_emails, t.server_accounts, t.server_instances, ti.seat_reason_intervals
    null_key = sa.cast(sa.null(), sa.String)
    null_user = sa.cast(sa.null(), sa.Integer)
    matches = sa.union_all(
        sa.select(u.c.id.label("user_id"), null_key.label("other_key"), u.c.login.label("matched")).where(
            u.c.enterprise_id == info.id, u.c.is_bot == sa.false(), _like(u.c.login, text)
        ),
        sa.select(u.c.id, null_key, u.c.name).where(
            u.c.enterprise_id == info.id, u.c.is_bot == sa.false(), _like(u.c.name, text)
        ),
        sa.select(u.c.id, null_key, ue.c.email)
        .join(ue, ue.c.user_id == u.c.id)
        .where(u.c.enterprise_id == info.id, u.c.is_bot == sa.false(), _like(ue.c.email, text)),
        sa.select(acct.c.matched_user_id, null_key, si.c.hostname + ":" + acct.c.login)
        .join(si, si.c.id == acct.c.server_instance_id)
        .where(
            si.c.enterprise_id == info.id,
            acct.c.matched_user_id.is_not(None),
            sa.or_(_like(acct.c.login, text), _like(acct.c.primary_email, text)),
        ),
        sa.select(null_user, r.c.other_key, r.c.other_key).where(
            r.c.enterprise_id == info.id, r.c.other_key.is_not(None), _like(r.c.other_key, text)
        ),
        sa.select(
            null_user, sa.literal("server:", sa.String) + acct.c.primary_email, si.c.hostname + ":" + acct.c.login
        )
        .join(si, si.c.id == acct.c.server_instance_id)
        .where(
            si.c.enterprise_id == info.id,
            acct.c.matched_user_id.is_(None),
            acct.c.primary_email.is_not(None),
            _like(acct.c.login, text),
        ),
    ).subquery("matches")
    people = (
        sa.select(matches.c.user_id, matches.c.other_key, sa.func.min(matches.c.matched).label("matched"))
        .group_by(matches.c.user_id, matches.c.other_key)
        .subquery("people")
    )
    total = int(conn.execute(sa.select(sa.func.count()).select_from(people)).scalar_one())
    rows = conn.execute(
        sa.select(people, u.c.login, u.c.name)
        .outerjoin(u, u.c.id == people.c.user_id)
        .order_by(sa.case((u.c.login.is_(None), 1), else_=0), u.c.login, people.c.other_key)
        .limit(limit)
        .offset(offset)
    )
    found = []
    for row in rows:
        if row.user_id is not None:
            key, handle = f"user:{row.user_id}", row.login
        else:
            key = row.other_key
            suffix = key.split(":", 1)[1]
            handle = suffix if "@" in suffix or key.startswith("invite:") else key
        found.append(PersonMatch(key=key, handle=handle, login=row.login, name=row.name, matched=str(row.matched)))
    return PeoplePage(total=total, people=tuple(found))
