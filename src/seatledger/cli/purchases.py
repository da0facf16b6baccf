"""CLI group ``billing``: what an enterprise bought of each product (``set``, ``show``).

Each command parses its options, calls one function of ``licensing.purchases`` and prints.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from seatledger.cli.context import enterprise_or_only, open_ledger
from seatledger.cli.billing import Enterprise, ReadEnterprise, parse_date

app = typer.Typer(no_args_is_help=True, help="What was bought: billing model, purchased count and expiry per product.")


@app.command("set")
def billing_set(
    enterprise: Enterprise,
    product: Annotated[
        str,
        typer.Option("--product", help="enterprise, code_security, secret_protection or copilot.", metavar="PRODUCT"),
    ],
    model: Annotated[str, typer.Option("--model", help="volume or metered.", metavar="MODEL")],
    purchased: Annotated[Optional[int], typer.Option("--purchased", min=0, help="Licenses bought (volume).")] = None,
    expires: Annotated[Optional[str], typer.Option("--expires", help="Expiry date, YYYY-MM-DD.")] = None,
    from_: Annotated[
        Optional[str], typer.Option("--from", help="First day it applies, YYYY-MM-DD (default today).")
    ] = None,
) -> None:
    """Record what was bought of a product from a day on; earlier purchases stay as history."""
    from seatledger.licensing import get_enterprise, set_purchase

    day = parse_date(from_, "--from") if from_ else None
    expiry = parse_date(expires, "--expires") if expires else None
    _settings, engine = open_ledger()
    with engine.begin() as conn:
        outcomes = set_purchase(
            conn,
            get_enterprise(conn, enterprise).id,
            product,
            billing=model,
            purchased=purchased,
            expires_at=expiry,
            effective_from=day,
        )
    for name, outcome in outcomes.items():
        typer.echo(f"{name}: {outcome}")


@app.command("show")
def billing_show(
    enterprise: ReadEnterprise = None,
    as_of: Annotated[
        Optional[str], typer.Option("--as-of", help="The day to show, YYYY-MM-DD (default today).")
    ] = None,
    history: Annotated[bool, typer.Option("--history", help="Every dated purchase instead.")] = False,
) -> None:
    """What was bought of each product on a day: product, model, purchased, expiry, since, source."""
    from seatledger.licensing import get_enterprise, purchase_history, purchases_at

    day = parse_date(as_of, "--as-of") if as_of else None
    _settings, engine = open_ledger()
    with engine.connect() as conn:
        eid = get_enterprise(conn, enterprise_or_only(conn, enterprise)).id
        rows = purchase_history(conn, eid) if history else purchases_at(conn, eid, day)
    for p in rows:
        since = p.effective_from.isoformat() if p.effective_from else "unknown"
        expiry = p.expires_at.isoformat() if p.expires_at else ""
        typer.echo(f"{p.product}\t{p.billing}\t{p.purchased}\t{expiry}\t{since}\t{p.source}")
