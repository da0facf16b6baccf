"""``seatledger explain`` (one person's licenses and why), ``seatledger changes`` (who
started or stopped consuming each license between two dates) and ``seatledger history``
(a product's total on each day of a range, with the peak)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from seatledger.cli.context import parse_as_of, read_ledger
from seatledger.errors import InvalidInput

if TYPE_CHECKING:
    from seatledger.licensing import LicenseChanges, PersonLicenses

EnterpriseOption = Annotated[str, typer.Option("--enterprise", "-e", help="Enterprise slug.", metavar="SLUG")]


def register(app: typer.Typer) -> None:
    @app.command()
    def explain(
        person: Annotated[str, typer.Argument(help="A cloud login, or the email of a server-only or invited person.")],
        enterprise: EnterpriseOption,
        as_of: Annotated[
            Optional[str], typer.Option("--as-of", help="An ISO date (end of that day, UTC) or timestamp.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Every license PERSON holds at that date and why, and their license timeline."""
        from seatledger import licensing
        from seatledger.jsonable import jsonable

        at = parse_as_of(as_of)
        found = read_ledger(licensing.describe_person, enterprise, person, as_of=at)
        if as_json:
            typer.echo(json.dumps(jsonable(found), indent=2))
        else:
            typer.echo("\n".join(person_lines(found)))

    @app.command()
    def changes(
        enterprise: EnterpriseOption,
        start: Annotated[
            str, typer.Option("--from", help="The first date (counted at its end) or timestamp.", metavar="D1")
        ],
        end: Annotated[
            str, typer.Option("--to", help="The last date (counted at its end) or timestamp.", metavar="D2")
        ],
        product: Annotated[
            Optional[str], typer.Option("--product", help="enterprise, code_security, secret_protection or copilot.")
        ] = None,
        org: Annotated[
            Optional[str], typer.Option("--org", help="Only licenses consumed through this organization.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="Print the change list as CSV.")] = False,
    ) -> None:
        """Who started or stopped consuming each license between D1 and D2, by which rule and
        when, and the net per product (it equals the totals' difference)."""
        from seatledger import licensing
        from seatledger.jsonable import jsonable

        if as_json and as_csv:
            raise InvalidInput("give --json or --csv, not both")
        t1, t2 = parse_as_of(start, "--from"), parse_as_of(end, "--to")
        assert t1 is not None and t2 is not None
        products = licensing.CHANGE_PRODUCTS if product is None else (product,)
        found = read_ledger(licensing.license_changes, enterprise, t1, t2, products=products, org=org)
        if as_json:
            typer.echo(json.dumps(jsonable(found), indent=2))
        elif as_csv:
            from seatledger.reports.changes import write_changes_csv

            write_changes_csv(found, sys.stdout)
        else:
            typer.echo("\n".join(change_lines(found)))

    @app.command()
    def history(
        enterprise: EnterpriseOption,
        start: Annotated[str, typer.Option("--from", help="The first day, YYYY-MM-DD.", metavar="D1")],
        end: Annotated[str, typer.Option("--to", help="The last day, YYYY-MM-DD.", metavar="D2")],
        product: Annotated[
            str,
            typer.Option(
                "--product",
                help="enterprise, code_security, secret_protection, copilot, copilot_business or copilot_enterprise.",
            ),
        ] = "enterprise",
        org: Annotated[
            Optional[str], typer.Option("--org", help="Only licenses consumed through this organization.")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="Print date,total rows as CSV.")] = False,
    ) -> None:
        """A product's total at the end of each day from D1 to D2, and the peak and its day."""
        from seatledger import licensing, validation
        from seatledger.jsonable import jsonable

        if as_json and as_csv:
            raise InvalidInput("give --json or --csv, not both")
        first, last = validation.day(start, "--from"), validation.day(end, "--to")
        found = read_ledger(licensing.license_history, enterprise, product, first, last, org=org)
        if as_json:
            typer.echo(json.dumps(jsonable(found), indent=2))
        elif as_csv:
            typer.echo("date,total\r\n" + "".join(f"{d.isoformat()},{n}\r\n" for d, n in found.days), nl=False)
        else:
            where = enterprise + (f" / {org}" if org else "")
            typer.echo(f"{where}: {product}, peak {found.peak} on {found.peak_day.isoformat()}")
            typer.echo("\n".join(f"{d.isoformat()}  {n:>7}" for d, n in found.days))


def _when(value: object) -> str:
    return "now" if value is None else f"{value:%Y-%m-%d %H:%M}"


def person_lines(p: PersonLicenses) -> list[str]:
    """The person as text: what they hold, why, and their timeline."""
    who = p.login or p.handle
    lines = [f"{who}{f' ({p.name})' if p.name else ''} · {p.key} · as of {p.as_of:%Y-%m-%d %H:%M:%S} UTC"]
    if p.emails:
        lines.append("Emails: " + ", ".join(p.emails))
    if p.server_logins:
        lines.append("Server accounts: " + ", ".join(p.server_logins))
    lines.append("Licenses: " + (", ".join(p.licenses) or "none"))
    lines.append("")
    if p.seat is None:
        lines.append("Enterprise seat: none")
    else:
        lines.append(f"Enterprise seat ({p.seat.license_type}):")
        lines += [f"  - {r.detail}" for r in p.seat_reasons]
    for c in p.advanced_security:
        label = c.product.replace("_", " ").title()
        lines.append(f"{label}: {'counted' if c.counted else 'not counted'}")
        lines += [
            f"  - {r.repository}: last push {r.last_pushed_at:%Y-%m-%d}, leaves the 90-day window {r.leaves_window_at:%Y-%m-%d}"
            for r in c.repositories
        ]
    if p.copilot_seats:
        for i, s in enumerate(p.copilot_seats):
            via = f" through team {s.assigning_team}" if s.assigning_team else ""
            counted = " (counted)" if i == 0 else " (not counted: one seat a person)"
            lines.append(
                f"Copilot: {s.plan.capitalize()} seat in {s.organization}{via} since {s.created_at:%Y-%m-%d},"
                f" last activity {_when(s.last_activity_at) if s.last_activity_at else 'never'}{counted}"
            )
    elif p.key.startswith("user:"):
        lines.append("Copilot: no seat")
    lines += ["", "Timeline:"]
    for span in p.timeline:
        place = f" {span.place}" if span.place else ""
        detail = f" ({span.detail})" if span.detail else ""
        lines.append(f"  {_when(span.started_at)} → {_when(span.ended_at)}  {span.license}{place}{detail}")
    return lines


def change_lines(c: LicenseChanges) -> list[str]:
    """The change list as text: the net per product, then each change."""
    where = f"{c.enterprise}" + (f" / {c.organization}" if c.organization else "")
    lines = [f"{where}: changes from {c.start:%Y-%m-%d %H:%M:%S} to {c.end:%Y-%m-%d %H:%M:%S} UTC", ""]
    lines.append(f"{'product':<18}{'at start':>9}{'added':>7}{'removed':>9}{'net':>6}{'at end':>8}")
    for p in c.products:
        lines.append(f"{p.product:<18}{p.at_start:>9}{p.added:>7}{p.removed:>9}{p.net:>+6}{p.at_end:>8}")
    lines.append("")
    for ch in c.changes:
        sign = "+" if ch.change == "added" else "-"
        lines.append(f"{ch.at:%Y-%m-%d %H:%M}  {sign} {ch.product:<17} {ch.handle:<30} {ch.rule}")
    if not c.changes:
        lines.append("No changes.")
    return lines
