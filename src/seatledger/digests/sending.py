"""What a digest says, which digests are due, and sending them.

A digest counts at the instant it is sent: the totals then, the change since the instant the
person's last digest counted at (since they subscribed, for the first), and what could be
reclaimed (the Reclaim list's counts per kind and its :data:`TOP_RECLAIM` oldest): every number
from the counting engine (:mod:`seatledger.licensing`). It carries no attachment, only a signed
link (:data:`LINK_TTL`) to the enterprise's changes page for that period and one to its Reclaim
page at the digest's instant, which still ask the reader to sign in with their role.

Each subscription is taken with a conditional update of its ``last_sent_at`` before its mail
goes out (two workers never send one digest twice) and given back if the mail fails.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger import licensing
from seatledger.alerts import conditions
from seatledger.config import Settings
from seatledger.db.clock import utcnow
from seatledger.db.tables_digests import digest_subscriptions
from seatledger.digests.subscriptions import Subscription, email_of, list_subscriptions, may_read
from seatledger.errors import LedgerError
from seatledger.exports.links import sign_value, verify_token
from seatledger.exports.mail import Mailer, new_message
from seatledger.licensing import (
    RECLAIM_PRODUCTS,
    ProductChange,
    Reclaim,
    ReclaimCandidate,
    enterprise_summary,
    get_enterprise,
    license_changes,
)

log = logging.getLogger(__name__)

# How long a digest's link opens its page: past the next monthly digest.
LINK_TTL = dt.timedelta(days=35)
LINK_SALT = "seatledger.digest-link"
WEEK = dt.timedelta(days=7)
PRODUCT_LABELS = {**conditions.PRODUCT_LABELS, "copilot": "Copilot seats"}
TOP_RECLAIM = 5  # candidates named per product: those unused the longest
RECLAIM_LABELS = {
    "dormant": "dormant members",
    "stale_invitation": "old pending invitations",
    "idle_collaborator": "idle outside collaborators",
    "suspended_server": "server accounts of suspended people",
    "never_used": "never used",
    "idle": "idle",
}
LINK_PAGES = ("changes", "reclaim")  # the pages a digest's link opens


@dataclass(frozen=True)
class Digest:
    """The counts of one enterprise's digest for the period ``(start, end]``."""

    enterprise: str
    name: str
    start: dt.datetime
    end: dt.datetime
    seats_consumed: int
    seats_purchased: int  # 0 when metered
    changes: tuple[ProductChange, ...]  # per product: total at start and end, added, removed
    reclaims: tuple[Reclaim, ...]  # per reclaim product, at the end, with the default rules


def compose(conn: Connection, enterprise: str, start: dt.datetime, end: dt.datetime) -> Digest:
    s = enterprise_summary(conn, enterprise, as_of=end)
    return Digest(
        enterprise=s.enterprise,
        name=s.name,
        start=start,
        end=end,
        seats_consumed=s.seats.consumed,
        seats_purchased=s.seats.purchased,
        changes=license_changes(conn, enterprise, start, end).products,
        reclaims=tuple(licensing.reclaim(conn, enterprise, product, as_of=end) for product in RECLAIM_PRODUCTS),
    )


def _stamp(at: dt.datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S")


def sign_link(secret_key: str, d: Digest, *, now: dt.datetime) -> str:
    """The token of the digest's link: the enterprise and the period, signed at ``now``."""
    value = f"{d.enterprise}|{_stamp(d.start)}|{_stamp(d.end)}"
    return sign_value(secret_key, value, salt=LINK_SALT, clock=lambda: now.replace(tzinfo=dt.timezone.utc).timestamp())


def open_link(secret_key: str, token: str, *, now: dt.datetime) -> tuple[str, str, str]:
    """(enterprise, start, end) of a digest link; LinkExpired after :data:`LINK_TTL`,
    InvalidInput if forged."""
    value = verify_token(
        secret_key,
        token,
        int(LINK_TTL.total_seconds()),
        salt=LINK_SALT,
        what="digest link",
        again="The next digest brings a new one.",
        clock=lambda: now.replace(tzinfo=dt.timezone.utc).timestamp(),
    )
    slug, start, end = value.split("|")
    return slug, start, end


def link_path(slug: str, start: str, end: str, view: str = "changes") -> str:
    """The page a digest link opens: the enterprise's changes over the digest's period, or
    (``view="reclaim"``) its Reclaim page at the digest's end."""
    if view == "reclaim":
        return f"/enterprises/{slug}/reclaim?" + urlencode({"as_of": end})
    return f"/enterprises/{slug}/changes?" + urlencode({"from": start, "to": end})


def _oldest(found: Reclaim) -> list[ReclaimCandidate]:
    never = dt.datetime.max
    return sorted(found.candidates, key=lambda c: (c.since or never, c.login or c.person_key))[:TOP_RECLAIM]


def _reclaim_lines(found: Reclaim) -> list[str]:
    label = PRODUCT_LABELS[found.product]
    counts = ", ".join(f"{n} {RECLAIM_LABELS[k]}" for k, n in found.counts.items())
    return [
        f"  {label}: {len(found.candidates)} ({counts})",
        *(
            f"    {c.login or c.person_key.partition(':')[2]}: {RECLAIM_LABELS[c.category]}, {c.detail}"
            + (f" (since {c.since:%Y-%m-%d})" if c.since else "")
            for c in _oldest(found)
        ),
    ]


def message(settings: Settings, d: Digest, to: str, token: str) -> EmailMessage:
    purchased = f" of {d.seats_purchased} purchased" if d.seats_purchased else " (metered)"
    opener = f"{settings.base_url.rstrip('/')}/digests/open"
    lines = [
        f"License use of {d.name} ({d.enterprise}), {d.start:%Y-%m-%d %H:%M} to {d.end:%Y-%m-%d %H:%M} UTC.",
        "",
        f"Totals at {d.end:%Y-%m-%d %H:%M} UTC",
        f"  GitHub Enterprise seats: {d.seats_consumed} consumed{purchased}",
        *(f"  {PRODUCT_LABELS[c.product]}: {c.at_end}" for c in d.changes if c.product != "enterprise"),
        "",
        "Change since the last digest",
        *(
            f"  {PRODUCT_LABELS[c.product]}: {c.at_start} -> {c.at_end} ({c.added} added, {c.removed} removed)"
            for c in d.changes
        ),
        "",
        f"To reclaim (the {TOP_RECLAIM} unused the longest named)",
        *(line for found in d.reclaims for line in _reclaim_lines(found)),
        "",
        f"The links work for {LINK_TTL.days} days; sign in to open them.",
        "Who changed, on the changes page:",
        f"{opener}?" + urlencode({"token": token}),
        "What could be reclaimed, on the Reclaim page:",
        f"{opener}?" + urlencode({"token": token, "view": "reclaim"}),
    ]
    subject = f"[seatledger] {d.name} digest: {d.start:%Y-%m-%d} to {d.end:%Y-%m-%d}"
    return new_message(settings, to, subject, d.enterprise, "\n".join(lines) + "\n")


def next_due(sub: Subscription) -> dt.datetime:
    """When the subscription's next digest is due: a week, or a calendar month, after the last
    (or after subscribing)."""
    last = sub.last_sent_at or sub.subscribed_at
    if sub.frequency == "weekly":
        return last + WEEK
    year, month = (last.year + 1, 1) if last.month == 12 else (last.year, last.month + 1)
    return last.replace(year=year, month=month, day=min(last.day, calendar.monthrange(year, month)[1]))


def _send_one(
    engine: Engine, settings: Settings, mailer: Mailer, secret_key: str, sub: Subscription, now: dt.datetime
) -> bool:
    ds = digest_subscriptions
    start = sub.last_sent_at or sub.subscribed_at
    with engine.begin() as conn:
        info = get_enterprise(conn, sub.enterprise)
        to = email_of(conn, sub.user_id)
        if to is None or not may_read(conn, info.id, sub.user_id, now):
            return False
        was = ds.c.last_sent_at.is_(None) if sub.last_sent_at is None else ds.c.last_sent_at == sub.last_sent_at
        if not conn.execute(sa.update(ds).where(ds.c.id == sub.id, was).values(last_sent_at=now)).rowcount:
            return False  # another worker took it
        digest = compose(conn, sub.enterprise, min(start, now), now)
    try:
        mailer.send(message(settings, digest, to, sign_link(secret_key, digest, now=now)))
    except (OSError, smtplib.SMTPException) as exc:
        with engine.begin() as conn:  # give it back: the next run tries again
            conn.execute(
                sa.update(ds).where(ds.c.id == sub.id, ds.c.last_sent_at == now).values(last_sent_at=sub.last_sent_at)
            )
        raise LedgerError(f"the digest to {to} was not sent: {exc}") from exc
    return True


@dataclass(frozen=True)
class Sent:
    sent: int
    skipped: int  # the person lost their role, or has no verified email
    failed: tuple[str, ...]  # why each failed mail failed (tried again on the next run)


def send_digests(
    engine: Engine,
    settings: Settings,
    mailer: Mailer,
    secret_key: str,
    *,
    enterprise: str | None = None,
    login: str | None = None,
    due_only: bool = True,
    now: dt.datetime | None = None,
) -> Sent:
    """Send the digests due at ``now`` (every subscription when ``due_only`` is false), of
    ``enterprise`` and ``login`` when given."""
    when = (now or utcnow()).replace(microsecond=0)
    with engine.connect() as conn:
        subs = [s for s in list_subscriptions(conn, enterprise) if login in (None, s.login)]
    sent = skipped = 0
    failed: list[str] = []
    for sub in subs:
        if due_only and next_due(sub) > when:
            continue
        try:
            if _send_one(engine, settings, mailer, secret_key, sub, when):
                sent += 1
            else:
                skipped += 1
        except LedgerError as exc:
            log.warning("%s", exc.message)
            failed.append(exc.message)
    return Sent(sent, skipped, tuple(failed))
