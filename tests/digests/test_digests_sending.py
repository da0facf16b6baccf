"""Sending digest emails through real parts: subscriptions in the ledger's database, the
counting engine's numbers, a real SMTP server (aiosmtpd) receiving them, and the role of each
subscriber checked when the digest is sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from email.message import Message
from typing import Any

from sqlalchemy.engine import Engine

from livesupport import SmtpSink, free_port
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.digests.sending import PRODUCT_LABELS, RECLAIM_LABELS, next_due, send_digests
from seatledger.digests.subscriptions import list_subscriptions, subscribe, unsubscribe
from seatledger.exports.mail import mailer_for
from seatledger.exports.queue import DIGESTS_AT, DIGESTS_TASK_NAME, ExportQueue
from seatledger.licensing import RECLAIM_PRODUCTS, license_changes, reclaim, seat_totals
from tests.digests.digest_world import NOW, SUBSCRIBED, build_acme


def _body(message: Message) -> str:
    return message.get_payload(decode=True).decode()


def test_a_digest_brings_the_engines_totals_and_change_since_the_last_one_to_subscribers_only(
    engine: Engine, settings: Settings, smtp: SmtpSink
) -> None:
    ids = build_acme(engine)
    with engine.begin() as conn:
        for login in ("mona", "bob", "carol", "dave"):
            subscribe(conn, "acme", login, "weekly", now=SUBSCRIBED)
        unsubscribe(conn, "acme", "dave")
        led = Ledger(conn)
        led.end_enterprise_role(ids["enterprise"], ids["bob"], "owner", at=NOW - dt.timedelta(days=1))  # demoted
        led.suspend_user(ids["carol"], at=NOW - dt.timedelta(days=1))
    mailing = settings.with_(smtp_url=smtp.url)
    mailer = mailer_for(mailing)

    done = send_digests(engine, mailing, mailer, "k", now=NOW)
    assert (done.sent, done.skipped, done.failed) == (1, 2, ())
    (mail,) = smtp.messages
    assert mail["To"] == "mona@acme.test" and mail["X-Seatledger-Enterprise"] == "acme"
    body = _body(mail)
    with engine.connect() as conn:
        seats = seat_totals(conn, "acme", as_of=NOW)
        changes = license_changes(conn, "acme", SUBSCRIBED, NOW).products
        reclaims = [reclaim(conn, "acme", product, as_of=NOW) for product in RECLAIM_PRODUCTS]
    assert f"GitHub Enterprise seats: {seats.consumed} consumed of {seats.purchased} purchased" in body
    for c in changes:
        assert f"{PRODUCT_LABELS[c.product]}: {c.at_start} -> {c.at_end} ({c.added} added, {c.removed} removed)" in body
    enterprise = next(c for c in changes if c.product == "enterprise")
    assert (enterprise.added, enterprise.removed) == (1, 1)  # m3 joined, m0 left in the week
    for found in reclaims:  # the Reclaim list's counts per kind, and who
        counts = ", ".join(f"{n} {RECLAIM_LABELS[k]}" for k, n in found.counts.items())
        assert f"{PRODUCT_LABELS[found.product]}: {len(found.candidates)} ({counts})" in body
    listed = {c.login or c.person_key for found in reclaims for c in found.candidates}
    assert listed == {"dora", "invite:ivy@elsewhere.test", "m3"}
    assert "    dora: dormant members" in body and "    ivy@elsewhere.test: old pending invitations" in body
    assert "/digests/open?token=" in body and "attach" not in body.lower() and not mail.is_multipart()

    assert send_digests(engine, mailing, mailer, "k", now=NOW + dt.timedelta(days=6)).sent == 0  # not due yet
    week_later = NOW + dt.timedelta(days=7)
    assert send_digests(engine, mailing, mailer, "k", now=week_later).sent == 1
    assert f"{NOW:%Y-%m-%d %H:%M} to {week_later:%Y-%m-%d %H:%M} UTC" in _body(smtp.messages[1])  # since the last


def test_the_queue_sends_the_digests_due_once_a_day_at_its_hour(
    engine: Engine, settings: Settings, smtp: SmtpSink
) -> None:
    build_acme(engine)
    with engine.begin() as conn:
        subscribe(conn, "acme", "mona", "weekly", now=SUBSCRIBED)
    at = NOW.replace(hour=DIGESTS_AT[0], minute=DIGESTS_AT[1])
    queue = ExportQueue(
        settings.with_(smtp_url=smtp.url),
        engine,
        immediate=True,
        clock=lambda: at.replace(tzinfo=dt.timezone.utc).timestamp(),
    )

    def digest_tasks(when: dt.datetime) -> list[Any]:
        return [task for task in queue.huey.read_periodic(when) if task.name == DIGESTS_TASK_NAME]

    assert digest_tasks(at + dt.timedelta(hours=1)) == []
    (task,) = digest_tasks(at)
    assert queue.huey.execute(task) == 1
    assert [m["To"] for m in smtp.messages] == ["mona@acme.test"]
    assert queue.huey.execute(task) == 0  # the next is due in a week


def test_a_digest_whose_mail_fails_is_sent_on_the_next_run(engine: Engine, settings: Settings, smtp: SmtpSink) -> None:
    build_acme(engine)
    with engine.begin() as conn:
        subscribe(conn, "acme", "mona", "monthly", now=SUBSCRIBED - dt.timedelta(days=30))
    nobody = settings.with_(smtp_url=f"smtp://127.0.0.1:{free_port()}")
    done = send_digests(engine, nobody, mailer_for(nobody), "k", now=NOW)
    assert done.sent == 0 and len(done.failed) == 1 and "mona@acme.test" in done.failed[0]
    with engine.connect() as conn:
        assert [s.last_sent_at for s in list_subscriptions(conn, "acme")] == [None]
    mailing = settings.with_(smtp_url=smtp.url)
    assert send_digests(engine, mailing, mailer_for(mailing), "k", now=NOW).sent == 1
    assert len(smtp.messages) == 1


def test_the_next_digest_is_due_a_week_or_a_calendar_month_after_the_last(engine: Engine) -> None:
    build_acme(engine)
    with engine.begin() as conn:
        sub = subscribe(conn, "acme", "mona", "monthly", now=dt.datetime(2026, 1, 31, 6))
        assert next_due(sub) == dt.datetime(2026, 2, 28, 6)
        assert next_due(replace(sub, last_sent_at=dt.datetime(2026, 12, 31, 6))) == dt.datetime(2027, 1, 31, 6)
        weekly = subscribe(conn, "acme", "bob", "weekly", now=dt.datetime(2026, 1, 31, 6))
    assert next_due(weekly) == dt.datetime(2026, 2, 7, 6)
