"""CLI group: user (commands are added by the issue that owns them)."""

import typer

app = typer.Typer(no_args_is_help=True)
