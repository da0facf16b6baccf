"""CLI group: ingest (commands are added by the issue that owns them)."""

import typer

app = typer.Typer(no_args_is_help=True)
sync_app = typer.Typer(no_args_is_help=True)
