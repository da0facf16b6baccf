"""CLI group: token — personal access tokens for the REST API (create, list, revoke)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from seatledger.cli.context import open_ledger, write_ledger

app = typer.Typer(no_args_is_help=True)


@app.command("create")
def create(
    login: Annotated[str, typer.Option("--login", help="The person the token acts for.", metavar="LOGIN")],
    enterprise: Annotated[str, typer.Option("--enterprise", help="Their enterprise's slug.", metavar="SLUG")],
    scopes: Annotated[
        str,
        typer.Option(
            "--scopes", help="Comma-separated classic-PAT scopes, e.g. read:enterprise,manage_billing:copilot."
        ),
    ],
    expires_in_days: Annotated[
        Optional[int], typer.Option("--expires-in-days", help="Expire after N days (default: never).", metavar="N")
    ] = None,
    note: Annotated[Optional[str], typer.Option("--note", help="What the token is for.")] = None,
) -> None:
    """Create a token and print it once (only its SHA-256 is stored)."""
    from seatledger import tokens

    token_id, token = write_ledger(
        tokens.create_token, enterprise, login, scopes, expires_in_days=expires_in_days, note=note
    )
    typer.echo(token)
    typer.echo(f"token {token_id} for {login} ({enterprise}); it is shown only now, keep it safe", err=True)


@app.command("list")
def list_(
    login: Annotated[Optional[str], typer.Option("--login", help="Only this person's tokens.", metavar="LOGIN")] = None,
    enterprise: Annotated[
        Optional[str], typer.Option("--enterprise", help="Only this enterprise.", metavar="SLUG")
    ] = None,
) -> None:
    """List tokens: id, state, owner, prefix, scopes, expiry (never the token itself)."""
    from seatledger import tokens
    from seatledger.db.clock import utcnow

    _settings, engine = open_ledger()
    now = utcnow()
    with engine.connect() as conn:
        rows = tokens.list_tokens(conn, login=login, enterprise=enterprise)
    typer.echo("id\tstate\tlogin\tenterprise\tprefix\tscopes\tcreated_at\texpires_at\tnote")
    for info in rows:
        typer.echo(
            "\t".join(
                [
                    str(info.id),
                    info.state(now),
                    info.login,
                    info.enterprise,
                    info.prefix + "…",
                    ",".join(info.scopes),
                    info.created_at.isoformat() + "Z",
                    info.expires_at.isoformat() + "Z" if info.expires_at else "never",
                    info.note or "",
                ]
            )
        )


@app.command("revoke")
def revoke(token_id: Annotated[int, typer.Argument(help="The token's id (from `token list`).", metavar="ID")]) -> None:
    """Revoke a token; requests with it then get 401 Bad credentials."""
    from seatledger import tokens

    info = write_ledger(tokens.revoke_token, token_id)
    typer.echo(f"token {info.id} of {info.login} revoked")
