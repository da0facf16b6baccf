"""What a digest says, which digests are due, and sending them.

A digest counts at the instant it is sent: the totals then, the change since the instant the
person's last digest counted at (since they subscribed, for the first), and what could be
reclaimed: every number from the counting engine (:mod:`seatledger.licensing`). It carries no
attachment, only a signed link (:data:`LINK_TTL`) to the enterprise's changes page for that
period, which still asks the reader to sign in with their role.

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

from seatledger.alerts import conditions
from seatledger.config import Settings
from seatledger.db.ledger import utcnow
from seatledger.db.tables_digests import digest_subscriptions
from seatledger.digests.subscriptions import Subscription, email_of, list_subscriptions, may_read
from seatledger.errors import LedgerError
from seatledger.exports.links import sign_value, verify_token
from seatledger.exports.mail import Mailer, new_message
from seatledger.licensing import (
    COPILOT_IDLE_WINDOW,
    ProductChange,
    count_idle_seats,
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
    copilot_inactive: int  # seats not used this billing cycle
    copilot_idle: int  # seats idle for COPILOT_IDLE_WINDOW


def compose(conn: Connection, enterprise: str, start: dt.datetime, end: dt.datetime) -> Digest:
    s = enterprise_summary(conn, enterprise, as_of=end)
    return Digest(
        enterprise=s.enterprise, name=s.name, start=start, end=end, seats_consumed=s.seats.consumed,
        seats_purchased=s.seats.purchased, changes=license_changes(conn, enterprise, start, end).products,
        copilot_inactive=s.copilot.breakdown.inactive_this_cycle,
        copilot_idle=count_idle_seats(conn, enterprise, as_of=end),
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
        secret_key, token, int(LINK_TTL.total_seconds()), salt=LINK_SALT, what="digest link",
        again="The next digest brings a new one.", clock=lambda: now.replace(tzinfo=dt.timezone.utc).timestamp(),
    )
    slug, start, end = value.split("|")
    return slug, start, end


def changes_path(slug: str, start: str, end: str) -> str:
    """The page a digest link opens: the enterprise's changes over the digest's period."""
    return f"/enterprises/{slug}/changes?" + urlencode({"from": start, "to": end})


def message(settings: Settings, d: Digest, to: str, token: str) -> EmailMessage:
    purchased = f" of {d.seats_purchased} purchased" if d.seats_purchased else " (metered)"
    lines = [
        f"License use of {d.name} ({d.enterprise}), {d.start:%Y-%m-%d %H:%M} to {d.end:%Y-%m-%d %H:%M} UTC.",
        "",
        f"Totals at {d.end:%Y-%m-%d %H:%M} UTC",
        f"  GitHub Enterprise seats: {d.seats_consumed} consumed{purchased}",
        *(f"  {PRODUCT_LABELS[c.product]}: {c.at_end}" for c in d.changes if c.product != "enterprise"),
        "",
        "Change since the last digest",
        *(f"  {PRODUCT_LABELS[c.product]}: {c.at_start} -> {c.at_end} ({c.added} added, {c.removed} removed)"
          for c in d.changes),
        "",
        "To reclaim",
        f"  Copilot seats idle for {COPILOT_IDLE_WINDOW.days} days: {d.copilot_idle}",
        f"  Copilot seats not used this billing cycle: {d.copilot_inactive}",
        "",
        f"Who changed, on the changes page (the link works for {LINK_TTL.days} days; sign in to open it):",
        f"{settings.base_url.rstrip('/')}/digests/open?" + urlencode({"token": token}),
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


def _send_one(engine: Engine, settings: Settings, mailer: Mailer, secret_key: str, sub: Subscription,
              now: dt.datetime) -> bool:
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
            conn.execute(sa.update(ds).where(ds.c.id == sub.id, ds.c.last_sent_at == now)
                         .values(last_sent_at=sub.last_sent_at))
        raise LedgerError(f"the digest to {to} was not sent: {exc}") from exc
    return True


@dataclass(frozen=True)
class Sent:
    sent: int
    skipped: int  # the person lost their role, or has no verified email
    failed: tuple[str, ...]  # why each failed mail failed (tried again on the next run)


def send_digests(engine: Engine, settings: Settings, mailer: Mailer, secret_key: str, *,
                 enterprise: str | None = None, login: str | None = None, due_only: bool = True,
                 now: dt.datetime | None = None) -> Sent:
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
