"""CLI group: user — sign-in accounts for the web pages."""

from __future__ import annotations

import sys

import typer

from seatledger.cli.context import open_ledger
from seatledger.errors import InvalidInput

app = typer.Typer(no_args_is_help=True)


@app.command("set-password")
def set_password_command(
    login: str = typer.Argument(..., help="The person's login in the ledger."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input."),
    enterprise: str = typer.Option(None, "--enterprise", help="The enterprise slug, when the login is in several."),
) -> None:
    """Create or change the web sign-in of an enterprise owner, billing manager or org owner."""
    from seatledger.web.accounts import find_user, set_password  # the web pages import FastAPI

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise InvalidInput("no password given")
    _settings, engine = open_ledger()
    with engine.begin() as conn:
        set_password(conn, find_user(conn, login, enterprise), password)
    typer.echo(f"password set for {login}")
