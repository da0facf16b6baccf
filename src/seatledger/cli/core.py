"""Core commands: serve, migrate, demo, summary."""

from __future__ import annotations

import typer

from seatledger.cli._context import open_ledger


def register(app: typer.Typer) -> None:
    @app.command()
    def migrate() -> None:
        """Create or upgrade the ledger schema."""
        settings, _engine = open_ledger()
        typer.echo(f"ledger at {settings.effective_database_url} is up to date")
