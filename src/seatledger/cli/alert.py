"""CLI group ``alert``: rules that tell people when license use crosses a line.

``add`` / ``list`` / ``remove`` manage an enterprise's rules; ``history`` shows what fired and
how each delivery went; ``deliver`` sends the deliveries due now (the queue does it every
minute; this is for a cron job or a check by hand).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from seatledger.cli.context import open_ledger, read_ledger, write_ledger
from seatledger.cli.billing import Enterprise

app = typer.Typer(no_args_is_help=True, help="Alerts on license use: rules, history, deliveries.")


@app.command("add")
def alert_add(
    enterprise: Enterprise,
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="consumed-percent, over-purchased, expiring, verify-drift, copilot-idle or source-stale.",
            metavar="KIND",
        ),
    ],
    product: Annotated[
        Optional[str],
        typer.Option(
            "--product",
            help="enterprise, code_security or secret_protection (consumed-percent, over-purchased).",
            metavar="PRODUCT",
        ),
    ] = None,
    source: Annotated[
        Optional[str],
        typer.Option(
            "--source",
            help="The one source a source-stale alert watches (default: every source), e.g. sync.",
            metavar="SOURCE",
        ),
    ] = None,
    threshold: Annotated[
        Optional[int],
        typer.Option(
            "--threshold",
            help="Percent of purchased (consumed-percent), days (expiring), idle seats (copilot-idle) "
            "or hours (source-stale).",
            metavar="N",
        ),
    ] = None,
    email: Annotated[Optional[str], typer.Option("--email", help="Mail this address.", metavar="ADDRESS")] = None,
    webhook: Annotated[
        Optional[str],
        typer.Option("--webhook", help="POST signed JSON to this URL (a Slack incoming webhook works).", metavar="URL"),
    ] = None,
) -> None:
    """Add a rule; prints its id (and, for a webhook, the signing secret, shown only now)."""
    from seatledger.alerts.rules import add_rule

    made = write_ledger(
        add_rule,
        enterprise,
        kind,
        product=product,
        source=source,
        threshold=threshold,
        email=email,
        webhook_url=webhook,
        created_by="cli",
    )
    rule = made.rule
    typer.echo(f"alert {rule.id}: {rule.description} ({'firing' if rule.firing else 'not firing'})")
    if made.webhook_secret:
        typer.echo(f"webhook secret (shown once): {made.webhook_secret}")


@app.command("list")
def alert_list(enterprise: Enterprise) -> None:
    """The enterprise's rules: id, state, condition, email, webhook (tab-separated)."""
    from seatledger.alerts.rules import list_rules

    for r in read_ledger(list_rules, enterprise):
        state = "firing" if r.firing else "ok"
        typer.echo(f"{r.id}\t{state}\t{r.description}\t{r.email or ''}\t{r.webhook_url or ''}")


@app.command("remove")
def alert_remove(
    enterprise: Enterprise, rule_id: Annotated[int, typer.Argument(help="The alert's id.", metavar="ID")]
) -> None:
    """Remove a rule (what it fired stays in the history)."""
    from seatledger.alerts.rules import remove_rule

    rule = write_ledger(remove_rule, enterprise, rule_id)
    typer.echo(f"removed alert {rule.id}: {rule.description}")


@app.command("history")
def alert_history(enterprise: Enterprise) -> None:
    """What fired, newest first: time, state, alert, summary, then each delivery's status."""
    from seatledger.alerts.history import alert_history as history

    for e in read_ledger(history, enterprise):
        typer.echo(f"{e.occurred_at:%Y-%m-%d %H:%M:%S}\t{e.state}\talert {e.rule_id}\t{e.summary}")
        for d in e.deliveries:
            last = d.attempts[-1].error if d.attempts and d.attempts[-1].error else ""
            typer.echo(f"\t{d.channel} {d.target}\t{d.status}\t{len(d.attempts)} attempts\t{last}")


@app.command("deliver")
def alert_deliver() -> None:
    """Send the email and webhook deliveries due now (retries included)."""
    from seatledger.alerts.delivery import Deliverer

    settings, engine = open_ledger()
    deliverer = Deliverer(settings, engine)
    try:
        sent = deliverer.deliver_due()
    finally:
        deliverer.close()
    typer.echo(f"{sent} deliveries attempted")
