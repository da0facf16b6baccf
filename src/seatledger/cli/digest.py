"""CLI group ``digest``: the weekly or monthly email of an enterprise's license use.

``subscribe`` / ``unsubscribe`` / ``list`` manage who gets it; ``send`` sends it now (the
queue sends the digests due every day).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from seatledger.cli.context import open_ledger, read_ledger, write_ledger
from seatledger.cli.billing import Enterprise

app = typer.Typer(no_args_is_help=True, help="Digest emails: who subscribes, and sending them.")

Login = Annotated[str, typer.Option("--login", help="The person's login.", metavar="LOGIN")]


@app.command("subscribe")
def digest_subscribe(
    enterprise: Enterprise,
    login: Login,
    frequency: Annotated[str, typer.Option("--frequency", help="weekly or monthly.", metavar="FREQ")] = "weekly",
) -> None:
    """Send the person the enterprise's digest (an owner or billing manager)."""
    from seatledger.digests.subscriptions import subscribe

    sub = write_ledger(subscribe, enterprise, login, frequency)
    typer.echo(f"{sub.login} gets the {sub.frequency} digest of {sub.enterprise}")


@app.command("unsubscribe")
def digest_unsubscribe(enterprise: Enterprise, login: Login) -> None:
    """Stop the person's digest."""
    from seatledger.digests.subscriptions import unsubscribe

    write_ledger(unsubscribe, enterprise, login)
    typer.echo(f"{login} no longer gets the digest of {enterprise}")


@app.command("list")
def digest_list(enterprise: Enterprise) -> None:
    """Subscribers: login, frequency, last sent (tab-separated)."""
    from seatledger.digests.subscriptions import list_subscriptions

    for s in read_ledger(list_subscriptions, enterprise):
        typer.echo(f"{s.login}\t{s.frequency}\t{s.last_sent_at or 'never'}")


@app.command("send")
def digest_send(
    enterprise: Enterprise,
    login: Annotated[Optional[str], typer.Option("--login", help="Only this subscriber.", metavar="LOGIN")] = None,
) -> None:
    """Send the enterprise's digest to its subscribers now, whether due or not."""
    from seatledger.digests.sending import send_digests
    from seatledger.digests.subscriptions import list_subscriptions
    from seatledger.errors import LedgerError, NotFound
    from seatledger.exports.mail import mailer_for
    from seatledger.exports.secret_key import effective_secret_key

    settings, engine = open_ledger()
    with engine.connect() as conn:
        if login is not None and login not in {s.login for s in list_subscriptions(conn, enterprise)}:
            raise NotFound(f"{login} does not subscribe to the digest of {enterprise}")
    done = send_digests(
        engine,
        settings,
        mailer_for(settings),
        effective_secret_key(settings),
        enterprise=enterprise,
        login=login,
        due_only=False,
    )
    typer.echo(f"{done.sent} digests sent, {done.skipped} skipped (no role or no email)")
    if done.failed:
        raise LedgerError(done.failed[0])
