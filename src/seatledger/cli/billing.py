"""CLI groups for metered billing: ``cost-center`` (create, list, add, remove, delete),
``price`` (set, list) and the ``report usage`` command (registered on the report group).

Each command parses its options, calls one function of ``licensing`` or ``reports`` and prints.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Annotated, Any, Callable, Optional, TypeVar

import typer

from seatledger.cli import report
from seatledger.cli.context import enterprise_or_only, open_ledger
from seatledger.errors import InvalidInput

app = typer.Typer(no_args_is_help=True, help="Cost centers of an enterprise (allocation of license usage).")
price_app = typer.Typer(no_args_is_help=True, help="Negotiated prices of license SKUs.")

Enterprise = Annotated[str, typer.Option("--enterprise", help="Enterprise slug.", metavar="SLUG")]
# What a command that only reads takes: the ledger's only enterprise when left out.
ReadEnterprise = Annotated[
    Optional[str],
    typer.Option("--enterprise", help="Enterprise slug (default: the ledger's only one).", metavar="SLUG"),
]
CostCenterRef = Annotated[str, typer.Argument(help="Cost center id or name.", metavar="COST_CENTER")]
Users = Annotated[list[str], typer.Option("--user", help="User login (repeatable).", metavar="LOGIN")]
Orgs = Annotated[list[str], typer.Option("--org", help="Organization login (repeatable).", metavar="ORG")]
Repos = Annotated[list[str], typer.Option("--repo", help="Repository (repeatable).", metavar="OWNER/NAME")]
T = TypeVar("T")
Teams = Annotated[list[str], typer.Option("--team", help="Enterprise team slug (repeatable).", metavar="SLUG")]


def parse_date(value: str, option: str) -> dt.date:
    from seatledger.validation import day

    return day(value, option)


def _resources(users: list[str], orgs: list[str], repos: list[str], teams: list[str]) -> list[tuple[str, str]]:
    found = [("User", u) for u in users] + [("Org", o) for o in orgs] + [("Repo", r) for r in repos]
    found += [("Team", s) for s in teams]
    if not found:
        raise InvalidInput("name at least one --user, --org, --repo or --team")
    return found


@app.command("create")
def create(name: Annotated[str, typer.Argument(help="Name of the cost center.")], enterprise: Enterprise) -> None:
    """Create a cost center; prints its id."""
    from seatledger.licensing import create_cost_center, get_enterprise

    _settings, engine = open_ledger()
    with engine.begin() as conn:
        center = create_cost_center(conn, get_enterprise(conn, enterprise).id, name)
    typer.echo(f"{center.id}\t{center.name}")


@app.command("list")
def list_(
    enterprise: ReadEnterprise = None,
    state: Annotated[Optional[str], typer.Option("--state", help="active or deleted.")] = None,
) -> None:
    """Cost centers with their state and resources, one per line (tab-separated)."""
    from seatledger.licensing import get_enterprise, list_cost_centers

    _settings, engine = open_ledger()
    with engine.connect() as conn:
        slug = enterprise_or_only(conn, enterprise)
        centers = list_cost_centers(conn, get_enterprise(conn, slug).id, state=state)
    for center in centers:
        resources = ", ".join(f"{r.type}:{r.name}" for r in center.resources)
        typer.echo(f"{center.id}\t{center.name}\t{center.state}\t{resources}")


def _change_center(cost_center: str, enterprise: str, change: Callable[[Any, int, str], T]) -> tuple[Any, T]:
    """``change(connection, enterprise id, cost center id)`` in one transaction, on the cost
    center named or numbered ``cost_center``; returns the center and what the change returned."""
    from seatledger.licensing import find_cost_center, get_enterprise

    _settings, engine = open_ledger()
    with engine.begin() as conn:
        eid = get_enterprise(conn, enterprise).id
        center = find_cost_center(conn, eid, cost_center)
        return center, change(conn, eid, center.id)


@app.command("add")
def add(
    cost_center: CostCenterRef,
    enterprise: Enterprise,
    user: Users = [],
    org: Orgs = [],
    repo: Repos = [],  # noqa: B006
    team: Teams = [],  # noqa: B006
) -> None:
    """Assign users, organizations, repositories or enterprise teams (moved from another center)."""
    from seatledger.licensing import add_resources

    resources = _resources(user, org, repo, team)
    center, moved = _change_center(cost_center, enterprise, lambda c, eid, cid: add_resources(c, eid, cid, resources))
    for m in moved:
        typer.echo(f"moved {m.resource_type} {m.name} from {m.previous_cost_center}", err=True)
    typer.echo(f"cost center {center.name}: resources added")


@app.command("remove")
def remove(
    cost_center: CostCenterRef,
    enterprise: Enterprise,
    user: Users = [],
    org: Orgs = [],
    repo: Repos = [],  # noqa: B006
    team: Teams = [],  # noqa: B006
) -> None:
    """End the assignment of users, organizations, repositories or teams (from now on)."""
    from seatledger.licensing import remove_resources

    resources = _resources(user, org, repo, team)
    center, ended = _change_center(
        cost_center, enterprise, lambda c, eid, cid: remove_resources(c, eid, cid, resources)
    )
    typer.echo(f"cost center {center.name}: {ended} resource(s) removed")


@app.command("delete")
def delete(cost_center: CostCenterRef, enterprise: Enterprise) -> None:
    """Delete a cost center: usage from now on goes to the enterprise; past usage keeps it."""
    from seatledger.licensing import delete_cost_center, find_cost_center, get_enterprise

    _settings, engine = open_ledger()
    with engine.begin() as conn:
        eid = get_enterprise(conn, enterprise).id
        center = delete_cost_center(conn, eid, find_cost_center(conn, eid, cost_center).id)
    typer.echo(f"cost center {center.name} deleted")


@price_app.command("set")
def price_set(
    enterprise: Enterprise,
    sku: Annotated[str, typer.Option("--sku", help="SKU id or name, e.g. ghec_licenses.")],
    price: Annotated[str, typer.Option("--price", help="Price per user-month, e.g. 18.00.")],
    from_: Annotated[str, typer.Option("--from", help="First day it applies, YYYY-MM-DD.")],
    discount_percent: Annotated[str, typer.Option("--discount-percent", help="Discount in percent.")] = "0",
) -> None:
    """Set an enterprise's negotiated price (and discount) of a SKU from a day on."""
    from seatledger.licensing import get_enterprise, set_price
    from seatledger.validation import money

    day = parse_date(from_, "--from")
    # Within the price column's range: 1e400 is a finite Decimal, but SQLite would store it as
    # Infinity and PostgreSQL refuse it.
    amount, discount = money(price), money(discount_percent, "discount percent")
    _settings, engine = open_ledger()
    with engine.begin() as conn:
        row = set_price(
            conn, get_enterprise(conn, enterprise).id, sku, amount, effective_from=day, discount_percent=discount
        )
    typer.echo(f"{row.sku}: {row.price_per_unit} per user-month, {row.discount_percent}% off, from {day.isoformat()}")


@price_app.command("list")
def price_list(enterprise: ReadEnterprise = None) -> None:
    """List prices and the enterprise's own prices, by SKU and date (tab-separated)."""
    from seatledger.licensing import get_enterprise, list_prices

    _settings, engine = open_ledger()
    with engine.connect() as conn:
        rows = list_prices(conn, get_enterprise(conn, enterprise_or_only(conn, enterprise)).id)
    for p in rows:
        kind = "negotiated" if p.negotiated else "list"
        typer.echo(f"{p.sku}\t{p.price_per_unit}\t{p.discount_percent}%\t{p.effective_from.isoformat()}\t{kind}")


def usage_report(
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last day, YYYY-MM-DD.")],
    enterprise: report.Enterprise = None,
    org: report.Org = None,
    type_: Annotated[
        str, typer.Option("--type", help="summarized (up to a year), detailed (up to 31 days) or focus (FOCUS 1.0).")
    ] = "summarized",
    output: report.Output = None,
) -> None:
    """Metered usage CSV: daily line items per SKU, organization and cost center."""
    from seatledger.reports import usage

    scope = report.one_scope(enterprise=enterprise, org=org)
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    usage.check_report(type_, first, last)  # refused before the database is opened
    if output is not None:
        from seatledger.reports.writer import check_writable

        check_writable(output)
    _settings, engine = open_ledger()
    try:
        with engine.connect() as conn:
            named = report.named_scope(conn, scope)
            if output is None:
                from seatledger.reports.writer import write_chunks

                write_chunks(usage.iter_report(conn, named, first, last, type_), sys.stdout.buffer)
            else:
                usage.write_report_file(conn, named, output, first, last, type_)
    except BrokenPipeError:
        sys.stderr.close()
    finally:
        engine.dispose()


def focus_report(
    start: Annotated[str, typer.Option("--start", help="First day, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last day, YYYY-MM-DD (at most a year after --start).")],
    enterprise: report.Enterprise = None,
    org: report.Org = None,
    output: report.Output = None,
) -> None:
    """Metered usage as a FinOps FOCUS 1.0 CSV: the summarized line items, same amounts."""
    usage_report(start=start, end=end, enterprise=enterprise, org=org, type_="focus", output=output)


# ``report usage`` and ``report focus`` live with the other reports; registered here to leave
# cli/report.py alone.
report.app.command("usage")(usage_report)
report.app.command("focus")(focus_report)
