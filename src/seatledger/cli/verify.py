"""``seatledger verify``: are the kept license intervals what the rules derive from the facts?"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from seatledger.cli.context import open_ledger


def register(app: typer.Typer) -> None:
    @app.command()
    def verify(
        enterprise: Annotated[
            Optional[str], typer.Option("--enterprise", "-e", help="Only this enterprise (default: every one).")
        ] = None,
        repair: Annotated[bool, typer.Option("--repair", help="Rewrite the intervals that differ.")] = False,
    ) -> None:
        """Derive every license interval again from the facts and compare with the kept ones:
        prints each difference (person, what the rules derive, what is kept); exit code 1 on
        any drift (0 once --repair rewrote it)."""
        from seatledger.licensing import iter_enterprise_slugs, verify_intervals  # no database code at import

        _settings, engine = open_ledger()
        drift = False
        with engine.begin() as conn:
            slugs = [enterprise] if enterprise else list(iter_enterprise_slugs(conn))
            for slug in slugs:
                diffs = verify_intervals(conn, slug, repair=repair)
                if not diffs:
                    typer.echo(f"{slug}: the intervals equal the facts")
                    continue
                drift = True
                typer.echo(
                    f"{slug}: {len(diffs)} difference{'s' if len(diffs) != 1 else ''}"
                    + (" (repaired)" if repair else "")
                )
                for d in diffs:
                    typer.echo(f"  {d.table} {d.person}: expected {_row(d.expected)}, stored {_row(d.stored)}")
        if drift and not repair:
            raise typer.Exit(1)


def _row(row: tuple[object, ...] | None) -> str:
    return "nothing" if row is None else "(" + ", ".join("-" if v is None else str(v) for v in row) + ")"
