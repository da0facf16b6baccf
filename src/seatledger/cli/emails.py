"""CLI group ``emails``: the unattributed commit emails (``unattributed``) and mapping one to a
person (``map``). Each command parses, calls one function and prints."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from seatledger.cli.context import parse_as_of, read_ledger, write_ledger
from seatledger.cli.billing import Enterprise

app = typer.Typer(no_args_is_help=True, help="Commit emails that count for nobody, and mapping them to people.")


@app.command("unattributed")
def unattributed(
    enterprise: Enterprise,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="ISO date or timestamp (default now).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Author emails pushed in the last 90 days that resolve to nobody: email, pushes,
    repositories, last push (most pushes first)."""
    from seatledger.licensing import iter_unattributed_emails

    rows = read_ledger(lambda conn: list(iter_unattributed_emails(conn, enterprise, as_of=parse_as_of(as_of))))
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "email": r.email,
                        "pushes": r.pushes,
                        "repositories": r.repositories,
                        "last_push": r.last_push.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
    typer.echo("email\tpushes\trepositories\tlast push")
    for r in rows:
        typer.echo(f"{r.email}\t{r.pushes}\t{r.repositories}\t{r.last_push.strftime('%Y-%m-%dT%H:%M:%SZ')}")


@app.command("map")
def map_(
    email: Annotated[str, typer.Argument(help="The commit author email.", metavar="EMAIL")],
    login: Annotated[str, typer.Option("--login", help="The person it belongs to.", metavar="LOGIN")],
    enterprise: Enterprise,
) -> None:
    """Make EMAIL a verified email of LOGIN: their pushes with it count for them at once."""
    from seatledger.ingest.email_mapping import map_email

    outcome = write_ledger(map_email, enterprise, email, login)
    typer.echo(f"{email.strip().lower()} → {login}: {outcome}")
