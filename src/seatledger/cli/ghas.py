"""``seatledger ghas what-if``: the committers enabling Advanced Security on chosen
repositories would add and disabling it would free, and with ``--spare N`` which repositories
N spare licenses cover (the same answers as the REST API's ``…/seatledger/ghas/what-if``)."""

from __future__ import annotations

import json
from typing import Annotated, Optional

import typer

from seatledger.cli.context import parse_as_of, read_ledger

app = typer.Typer(no_args_is_help=True)


@app.command("what-if")
def what_if(
    enterprise: Annotated[str, typer.Option("--enterprise", "-e", help="Enterprise slug.", metavar="SLUG")],
    product: Annotated[str, typer.Option("--product", help="code_security or secret_protection.")],
    repo: Annotated[
        Optional[list[str]], typer.Option("--repo", help="A repository, owner/name or name (repeatable).")
    ] = None,
    org: Annotated[
        Optional[list[str]], typer.Option("--org", help="An organization's repositories (repeatable).")
    ] = None,
    pattern: Annotated[
        Optional[str], typer.Option("--pattern", help="A glob on owner/name, e.g. 'acme-web/api-*'.")
    ] = None,
    visibility: Annotated[
        Optional[list[str]], typer.Option("--visibility", help="public, private or internal (repeatable).")
    ] = None,
    spare: Annotated[
        Optional[int], typer.Option("--spare", help="Plan: which chosen repositories N spare licenses cover.")
    ] = None,
    as_of: Annotated[
        Optional[str], typer.Option("--as-of", help="An ISO date (end of that day, UTC) or timestamp.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Who enabling PRODUCT on the chosen repositories would add, and disabling it would free."""
    from seatledger import licensing
    from seatledger.jsonable import jsonable

    selection = licensing.RepositorySelection(tuple(repo or ()), tuple(org or ()), pattern, tuple(visibility or ()))
    at = parse_as_of(as_of)
    found = (
        read_ledger(licensing.ghas_plan, enterprise, product, spare, selection, as_of=at)
        if spare is not None
        else read_ledger(licensing.ghas_what_if, enterprise, product, selection, as_of=at)
    )
    if as_json:
        typer.echo(json.dumps(jsonable(found), indent=2))
    elif isinstance(found, licensing.GhasPlan):
        typer.echo(
            f"{found.enterprise}: {found.product}, {found.spare} spare licenses as of {found.as_of:%Y-%m-%d %H:%M:%S} UTC"
        )
        for step in found.steps:
            typer.echo(f"  {step.repository:<50} +{step.new_committers:<5} {step.licenses_used:>6} used")
        typer.echo(f"{len(found.steps)} repositories covered, {found.left_out} left out")
    else:
        typer.echo(
            f"{found.enterprise}: {found.product} on {len(found.repositories)} repositories"
            f" as of {found.as_of:%Y-%m-%d %H:%M:%S} UTC"
        )
        typer.echo(
            f"Counted now: {found.total_committers}; if enabled: {found.total_if_enabled}"
            f" (+{len(found.enabling_adds)}); if disabled: {found.total_if_disabled} (-{len(found.disabling_frees)})"
        )
        for label, people in (("Enabling adds", found.enabling_adds), ("Disabling frees", found.disabling_frees)):
            typer.echo(f"{label}:")
            typer.echo("\n".join(f"  {p.login:<30} {', '.join(p.repositories)}" for p in people) or "  nobody")
