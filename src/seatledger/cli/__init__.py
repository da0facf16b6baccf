"""The ``seatledger`` command. Each group lives in its own module; this one wires them and
renders every LedgerError as one line on stderr with exit code 2."""

from __future__ import annotations

import sys
from typing import Any

import typer

from seatledger.cli import core, ingest, report, token, user
from seatledger.cli import ghas, people, reclaim, verify, worker
from seatledger.cli import billing
from seatledger.cli import purchases
from seatledger.cli import emails
from seatledger.cli import alert, digest
from seatledger.errors import LedgerError

app = typer.Typer(
    name="seatledger",
    help="Who consumes your GitHub Enterprise, Advanced Security and Copilot licenses.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        from seatledger import __version__

        typer.echo(f"seatledger {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", is_eager=True, callback=_print_version, help="Print the version and exit."
    ),
) -> None:
    """Who consumes your GitHub Enterprise, Advanced Security and Copilot licenses."""


core.register(app)
app.add_typer(report.app, name="report", help="Write license reports as CSV (or JSON).")
app.add_typer(ingest.app, name="ingest", help="Read real data into the ledger.")
app.add_typer(ingest.sync_app, name="sync", help="Sync the ledger from a GitHub API.")
app.add_typer(token.app, name="token", help="Personal access tokens for the REST API.")
app.add_typer(user.app, name="user", help="Sign-in accounts for the web pages.")
worker.register(app)
verify.register(app)
people.register(app)
reclaim.register(app)
app.add_typer(billing.app, name="cost-center", help="Cost centers: allocate license usage.")
app.add_typer(billing.price_app, name="price", help="Negotiated prices of license SKUs.")
app.add_typer(purchases.app, name="billing", help="What was bought: billing model, purchased count, expiry.")
app.add_typer(emails.app, name="emails", help="Commit emails that count for nobody, and mapping them to people.")
app.add_typer(ghas.app, name="ghas", help="Advanced Security what-if: committers added or freed, spare licenses.")
app.add_typer(alert.app, name="alert", help="Alerts on license use: rules, history, deliveries.")
app.add_typer(digest.app, name="digest", help="Digest emails: who subscribes, and sending them.")


def command() -> Any:
    """The click command behind ``app``, its help naming each value (``ORG``, ``PATH...``) the
    way a person reads it, never by its Python type (``<str>``, ``<list[Path]>``, ``<bool>``)."""
    built = typer.main.get_command(app)
    _name_values(built)
    return built


def _name_values(cmd: Any) -> None:
    import typer.core

    for param in cmd.params:
        if isinstance(param, typer.core.TyperArgument):
            # its name says it; help adds no type
            param.display_type_rich = lambda ctx: None  # type: ignore[method-assign]  # a per-instance override
            if param.metavar is None:
                param.metavar = (param.name or "value").upper()
        elif param.metavar is None:
            # A flag takes no value; an option's value is called after the option.
            param.metavar = "" if getattr(param, "is_flag", False) else (param.name or "value").upper().strip("_")
    help_option = cmd.get_help_option(typer.Context(cmd))  # made once, then kept
    if help_option is not None:
        help_option.metavar = ""
    for sub in getattr(cmd, "commands", {}).values():
        _name_values(sub)


def main() -> None:
    """Entry point: run the CLI, turning user errors into one line and exit code 2."""
    try:
        from typer._click import exceptions as click_exc  # typer >= 0.20 vendors click
    except ImportError:  # pragma: no cover - older typer
        from click import exceptions as click_exc  # type: ignore[no-redef]  # the same module, unvendored

    try:
        rc = command()(standalone_mode=False)
    except LedgerError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click_exc.ClickException as exc:  # usage errors and bad parameters
        if exc.format_message():  # (no arguments: the help was the answer)
            typer.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code if exc.exit_code else 2)
    except BrokenPipeError:
        # A reader such as `| head` closed the pipe: not an error of ours.
        sys.stderr.close()
        sys.exit(0)
    sys.exit(rc if isinstance(rc, int) else 0)
