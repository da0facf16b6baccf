"""``seatledger reclaim``: the Enterprise or Copilot seats that could be taken back, by
category, as the web's Reclaim view lists them (cancelling Copilot seats is the web's, after
its dry run)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from seatledger.cli.context import parse_as_of, read_ledger
from seatledger.errors import InvalidInput


def register(app: typer.Typer) -> None:
    @app.command()
    def reclaim(
        enterprise: Annotated[str, typer.Option("--enterprise", "-e", help="Enterprise slug.", metavar="SLUG")],
        product: Annotated[str, typer.Option("--product", help="enterprise or copilot.")] = "enterprise",
        as_of: Annotated[
            Optional[str], typer.Option("--as-of", help="An ISO date (end of that day, UTC) or timestamp.")
        ] = None,
        invitation_days: Annotated[int, typer.Option(help="Pending invitations older than this many days.")] = 30,
        collaborator_days: Annotated[int, typer.Option(help="Repositories nobody pushed to in this many days.")] = 90,
        idle_days: Annotated[int, typer.Option(help="Copilot seats unused for this many days (30, 60, 90...).")] = 90,
        joined_days: Annotated[
            int, typer.Option(help="Leave out people who joined less than this many days ago.")
        ] = 30,
        exclude: Annotated[
            Optional[list[str]], typer.Option(help="A login or email never to list (repeatable).")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="Print the list as CSV.")] = False,
    ) -> None:
        """The seats of a product that could be reclaimed, with the count per category."""
        from seatledger import licensing
        from seatledger.jsonable import jsonable

        if as_json and as_csv:
            raise InvalidInput("give --json or --csv, not both")
        rules = licensing.ReclaimRules(invitation_days, collaborator_days, idle_days, joined_days, tuple(exclude or ()))
        at = parse_as_of(as_of)
        found = read_ledger(licensing.reclaim, enterprise, product, rules=rules, as_of=at)
        if as_json:
            typer.echo(json.dumps(jsonable(found), indent=2))
        elif as_csv:
            from seatledger.reports.reclaim import write_reclaim_csv

            write_reclaim_csv(found, sys.stdout)
        else:
            typer.echo(
                f"{found.enterprise}: {found.product} seats to reclaim as of {found.as_of:%Y-%m-%d %H:%M:%S} UTC"
            )
            typer.echo("  ".join(f"{k}: {n}" for k, n in found.counts.items()))
            for c in found.candidates:
                where = f" in {c.organization}" if c.organization else ""
                typer.echo(f"  {c.category:<18} {c.login or c.person_key:<30} {c.detail}{where}")
