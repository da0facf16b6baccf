"""CLI group: report — write a license report to a file (renamed into place) or stdout.

Each command parses its options into a scope, then calls :mod:`seatledger.reports`; a Rich
progress bar goes to stderr only when stderr is a terminal, so pipes and files stay clean.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Iterator, Optional, overload

import typer

from seatledger.cli.context import open_ledger, parse_as_of
from seatledger.errors import InvalidInput

if TYPE_CHECKING:  # imported when a report runs: `--help` and usage errors stay fast
    from sqlalchemy.engine import Connection

    from seatledger.licensing import Scope
    from seatledger.reports import ReportScope
    from seatledger.reports.writer import Progress

app = typer.Typer(no_args_is_help=True)

Output = Annotated[
    Optional[Path],
    typer.Option(
        "-o",
        "--output",
        help="Write to FILE (via a temporary file renamed on success); default stdout.",
        metavar="FILE",
    ),
]
AsOf = Annotated[
    Optional[str], typer.Option("--as-of", help="Report as of an ISO date (end of that day, UTC) or timestamp.")
]
Enterprise = Annotated[Optional[str], typer.Option("--enterprise", help="Enterprise slug.", metavar="SLUG")]
Org = Annotated[Optional[str], typer.Option("--org", help="Organization login.", metavar="ORG")]


def one_scope(**options: str | None) -> Scope | None:
    """The one scope option given; None when none is and ``--enterprise`` is one of them (the
    ledger's only enterprise is meant); InvalidInput (exit 2) otherwise."""
    from seatledger.licensing import Scope

    given = {name: value for name, value in options.items() if value is not None}
    if not given and "enterprise" in options:
        return None
    if len(given) != 1:
        names = ", ".join("--" + name.replace("_", "-") for name in options)
        raise InvalidInput(f"give exactly one of {names}")
    ((name, value),) = given.items()
    if name == "enterprise":
        return Scope.enterprise(value)
    if name == "org":
        return Scope.org(value)
    if name == "user_namespace":
        return Scope.user_namespace(value)
    return Scope.repo(value)


@overload
def named_scope(conn: Connection, scope: Scope | None) -> Scope: ...
@overload
def named_scope(conn: Connection, scope: ReportScope | None) -> ReportScope: ...
def named_scope(conn: Connection, scope: ReportScope | None) -> ReportScope:
    """The scope as the ledger names it: the only enterprise when none was given, an
    organization's login in its own case (GitHub's names are case-insensitive)."""
    from seatledger.licensing import Scope, organization_login

    from seatledger.cli.context import enterprise_or_only

    if scope is None:
        return Scope.enterprise(enterprise_or_only(conn, None))
    if isinstance(scope, Scope) and scope.kind == "organization":
        return Scope.org(organization_login(conn, scope.name))
    return scope


@contextlib.contextmanager
def _progress(
    kind: str, conn: Connection, scope: ReportScope, product: str | None, as_of: dt.datetime
) -> Iterator[Progress | None]:
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress as RichProgress, TextColumn, TimeElapsedColumn

    from seatledger.reports import expected_rows

    total = expected_rows(kind, conn, scope, product=product, as_of=as_of)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with RichProgress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"{kind} rows", total=total)
        yield lambda done: bar.update(task, completed=done)


def _run(
    kind: str, scope: ReportScope | None, output: Path | None, as_of_text: str | None, product: str | None = None
) -> None:
    from seatledger.licensing import as_of_or_now
    from seatledger.reports import write_report, write_report_file
    from seatledger.reports.writer import check_writable

    # One instant for the whole run, so the progress total and the rows describe the same moment.
    as_of = as_of_or_now(parse_as_of(as_of_text))
    if output is not None:
        check_writable(output)  # before any work
    _settings, engine = open_ledger()
    try:
        with engine.connect() as conn:
            scope = named_scope(conn, scope)
        with engine.connect() as conn, _progress(kind, conn, scope, product, as_of) as progress:
            if output is None:
                write_report(kind, conn, scope, sys.stdout.buffer, product=product, as_of=as_of, progress=progress)
            else:
                write_report_file(kind, conn, scope, output, product=product, as_of=as_of, progress=progress)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error of the report. Point stdout at
        # /dev/null so the interpreter's final flush does not complain about the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        engine.dispose()


@app.command("license-usage")
def license_usage(enterprise: Enterprise = None, org: Org = None, output: Output = None, as_of: AsOf = None) -> None:
    """Enterprise license usage CSV: one row per person consuming a seat (GitHub's 28 columns)."""
    _run("license-usage", one_scope(enterprise=enterprise, org=org), output, as_of)


@app.command("advanced-security")
def advanced_security(
    product: Annotated[
        Optional[str], typer.Option("--product", help="code_security or secret_protection.", metavar="PRODUCT")
    ] = None,
    enterprise: Enterprise = None,
    org: Org = None,
    user_namespace: Annotated[
        Optional[str], typer.Option("--user-namespace", help="User namespace login (EMU).", metavar="LOGIN")
    ] = None,
    repo: Annotated[Optional[str], typer.Option("--repo", help="Repository.", metavar="OWNER/NAME")] = None,
    output: Output = None,
    as_of: AsOf = None,
) -> None:
    """Advanced Security CSV: active committers per repository, for one product."""
    scope = one_scope(enterprise=enterprise, org=org, user_namespace=user_namespace, repo=repo)
    from seatledger.reports.advanced_security import check_product

    _run("advanced-security", scope, output, as_of, product=check_product(product))


@app.command("copilot-activity")
def copilot_activity(enterprise: Enterprise = None, org: Org = None, output: Output = None, as_of: AsOf = None) -> None:
    """Copilot activity report CSV: one row per seat holder."""
    _run("copilot-activity", one_scope(enterprise=enterprise, org=org), output, as_of)


@app.command("server-usage")
def server_usage(
    server_id: Annotated[str, typer.Option("--server-id", help="The instance's Server ID.", metavar="ID")],
    output: Output = None,
    as_of: AsOf = None,
) -> None:
    """A server instance's license usage as JSON, the file manual license sync uploads."""
    from seatledger.reports import ServerScope

    _run("server-usage", ServerScope(server_id), output, as_of)
