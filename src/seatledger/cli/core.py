"""Core commands: serve, migrate, demo, summary."""

from __future__ import annotations

import json
import socket
import sys
from typing import TYPE_CHECKING, Any, Optional

import typer

from seatledger.cli.context import enterprise_or_only, open_ledger, parse_as_of
from seatledger.config import Settings
from seatledger.errors import ConfigError

if TYPE_CHECKING:  # the commands import what they need when they run: `--help` stays fast
    from rich.table import Table
    from sqlalchemy.engine import Engine

    from seatledger.licensing import EnterpriseSummary

FIRST_RUN_SEED = 1
DEFAULT_BASE_URL = Settings().base_url


def register(app: typer.Typer) -> None:
    @app.command()
    def migrate() -> None:
        """Create or upgrade the ledger schema."""
        settings, _engine = open_ledger(create=True)
        typer.echo(f"ledger at {settings.effective_database_url} is up to date")

    @app.command()
    def demo(
        size: str = typer.Option("small", help="small (a few hundred people), medium (10,000) or large (100,000)."),
        seed: int = typer.Option(1, help="The same seed builds the same ledger."),
        enterprise: str = typer.Option("acme", help="Slug of the enterprise to create (must not exist yet)."),
        managed: bool = typer.Option(False, "--managed", help="Build an Enterprise Managed Users (EMU) enterprise."),
        as_of: Optional[str] = typer.Option(None, "--as-of", help="Where the history ends (default today 00:00 UTC)."),
    ) -> None:
        """Build a deterministic, realistic demo enterprise in the ledger."""
        from seatledger.demo import SIZES, build_demo

        if size not in SIZES:  # checked before opening the ledger: a typo should not wait for a database
            from seatledger.errors import InvalidInput

            raise InvalidInput(f"--size must be one of {', '.join(SIZES)}, not {size!r}")
        anchor = parse_as_of(as_of)
        _settings, engine = open_ledger(create=True)
        with _RichProgress() as progress:
            result = build_demo(
                engine, size=size, seed=seed, slug=enterprise, managed=managed, anchor=anchor, progress=progress
            )
        typer.echo(
            f"demo enterprise {result.slug!r}: {result.people:,} people, {result.organizations:,} organizations, "
            f"{result.repositories:,} repositories, {result.commits:,} commits"
        )
        m = result.match
        typer.echo(
            f"matched server accounts: {m.server_accounts_matched_saml:,} by SAML, "
            f"{m.server_accounts_matched_email:,} by verified email, {m.server_accounts_unmatched:,} unmatched; "
            f"Visual Studio subscribers: {m.vs_matched:,} matched, {m.vs_unmatched:,} unmatched"
        )

    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, min=0, max=65535, help="Port to listen on (0 picks a free one)."),
        first_run: bool = typer.Option(False, "--first-run", help="Load the small demo if the ledger is empty."),
        workers: int = typer.Option(
            1, "--workers", min=1, help="Serving processes sharing the port (one per core for the API's throughput)."
        ),
        access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="Log every request (info level)."),
        metrics_port: Optional[int] = typer.Option(
            None,
            "--metrics-port",
            min=0,
            max=65535,
            help="Also serve Prometheus metrics of every enterprise, without a token, on this port.",
        ),
        metrics_host: str = typer.Option("127.0.0.1", "--metrics-host", help="Address of the --metrics-port listener."),
    ) -> None:
        """Serve the web pages and the REST API (under /api/v3)."""
        settings, engine = open_ledger(create=True)
        if first_run:
            _load_first_run_demo(engine)
        sock = _listen(host, port)
        bound_port = sock.getsockname()[1]
        url = f"http://{'[' + host + ']' if ':' in host else host}:{bound_port}"
        if settings.base_url == DEFAULT_BASE_URL:
            settings = settings.with_(base_url=url)
        typer.echo(f"seatledger is serving at {url}/" + (f" ({workers} worker processes)" if workers > 1 else ""))
        _print_signin_hint(settings, engine)
        sys.stdout.flush()
        metrics = (metrics_host, metrics_port) if metrics_port is not None else None
        _run_server(settings, engine, sock, workers=workers, access_log=access_log, metrics=metrics)

    @app.command()
    def summary(
        enterprise: Optional[str] = typer.Option(
            None, "--enterprise", help="The enterprise slug (default: the ledger's only one).", metavar="SLUG"
        ),
        org: Optional[str] = typer.Option(
            None, "--org", help="Only this organization of the enterprise.", metavar="ORG"
        ),
        as_of: Optional[str] = typer.Option(None, "--as-of", help="Count at this date or instant (UTC)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON (keys documented in docs/getting-started.md)."),
    ) -> None:
        """Seats, Advanced Security committers and Copilot seats: the numbers of the summary page."""
        from seatledger.licensing import enterprise_summary, organization_login

        when = parse_as_of(as_of)
        _settings, engine = open_ledger()
        with engine.connect() as conn:
            slug = enterprise_or_only(conn, enterprise)
            name = organization_login(conn, org) if org is not None else None
            result = enterprise_summary(conn, slug, org=name, as_of=when)
        if as_json:
            typer.echo(json.dumps(summary_json(result), indent=2))
        else:
            from rich.console import Console

            Console().print(_summary_table(result))
            for line in _source_lines(result):
                typer.echo(line)  # unwrapped: one statement per line, for people and for grep


def _load_first_run_demo(engine: Engine) -> None:
    """An empty ledger gets the small demo, so the first page has something to show."""
    import sqlalchemy as sa

    from seatledger.db import tables as t
    from seatledger.demo import DEFAULT_SLUG, build_demo

    with engine.connect() as conn:
        if conn.execute(sa.select(t.enterprises.c.id).limit(1)).first() is not None:
            return
    typer.echo(f"empty ledger: loading the small demo enterprise {DEFAULT_SLUG!r} (seed {FIRST_RUN_SEED})")
    build_demo(engine, size="small", seed=FIRST_RUN_SEED)


def _run_server(
    settings: Settings,
    engine: Engine,
    sock: socket.socket,
    *,
    workers: int,
    access_log: bool,
    metrics: tuple[str, int] | None = None,
) -> None:
    """uvicorn on the bound socket: in this process, or in ``workers`` processes that share it.

    Several workers are separate interpreters, each with its own app and engine and no other
    state: every answer is read from the ledger, so they (and any other machine's) agree. The
    export queue's consumer threads then run here, in the supervising process, and only here:
    one consumer however many workers, as with ``seatledger worker``.

    ``metrics`` (host, port) adds the Prometheus listener: the ledger's numbers, and with one
    worker also its HTTP request metrics (several workers each count their own, on /metrics).
    """
    import uvicorn

    from seatledger.app import ServeApp, create_app

    common: dict[str, Any] = {"log_level": "info", "lifespan": "on", "access_log": access_log}
    if workers == 1:
        app = create_app(settings, engine)
        if metrics is not None:
            _serve_metrics(engine, metrics, app.state.http_metrics.registry)
        uvicorn.Server(uvicorn.Config(app, **common)).run(sockets=[sock])
        return
    if metrics is not None:
        _serve_metrics(engine, metrics, None)
    from uvicorn.supervisors import Multiprocess

    from seatledger.exports.queue import ExportQueue

    engine.dispose()  # the workers open their own connections
    config = uvicorn.Config(ServeApp(settings, in_process_queue=False), factory=True, workers=workers, **common)
    queue = ExportQueue(settings, engine)
    queue.start_in_process()
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        queue.stop_in_process()


def _serve_metrics(engine: Engine, where: tuple[str, int], http: Any) -> None:
    from seatledger.metrics import serve_metrics_port

    host, port = where
    try:
        bound = serve_metrics_port(engine, host, port, http).server_address[1]
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port} for metrics: {exc.strerror or exc}") from exc
    typer.echo(f"Prometheus metrics at http://{'[' + host + ']' if ':' in host else host}:{bound}/metrics")


def _listen(host: str, port: int) -> socket.socket:
    """Bind before printing the URL, so whoever reads it can connect at once."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def _print_signin_hint(settings: Settings, engine: Engine) -> None:
    # Hook for the web pages' sign-in: they tell how to sign in on a fresh ledger.
    from seatledger import web

    hint_fn = getattr(web, "signin_hint", None)
    hint = hint_fn(settings, engine) if hint_fn is not None else None
    if hint:
        typer.echo(hint)


class _RichProgress:
    """The demo's progress on stderr, one bar per phase."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.task: Any = None

    def __enter__(self) -> "_RichProgress":
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[-1].total)
        self.bar.stop()

    def start(self, phase: str, total: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, completed=self.bar.tasks[-1].total)
        self.task = self.bar.add_task(phase, total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.bar.advance(self.task, n)


def summary_json(s: EnterpriseSummary) -> dict[str, Any]:
    """The ``summary --json`` document; its keys are stable (see docs/getting-started.md)."""
    seats, copilot = s.seats, s.copilot
    return {
        "enterprise": s.enterprise,
        "name": s.name,
        "organization": s.organization,
        "as_of": s.as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seats": {
            "consumed": seats.consumed,
            "purchased": seats.purchased,
            "available": seats.available,
            "over_limit": seats.over_limit,
            "billing": seats.billing,
            "expires_at": seats.expires_at.isoformat() if seats.expires_at else None,
            "billable_this_month": seats.billable_this_month,
            "license_types": {
                "enterprise": seats.enterprise_licenses,
                "visual_studio_subscription": seats.visual_studio_licenses,
            },
            "cloud_users": seats.cloud_users,
            "server_only_users": seats.server_only_users,
            "invited_only_users": seats.invited_only_users,
        },
        "advanced_security": {
            c.product: {
                "active_committers": c.total_committers,
                "maximum_committers": c.maximum_committers,
                "purchased": c.purchased,
                "over_limit": c.over_limit,
                "billing": c.billing,
                "repositories": c.total_repositories,
            }
            for c in s.advanced_security
        },
        "copilot": {
            "total": copilot.breakdown.total,
            "business": copilot.business,
            "enterprise": copilot.enterprise,
            "plan_type": copilot.plan_type,
            "breakdown": {
                "total": copilot.breakdown.total,
                "added_this_cycle": copilot.breakdown.added_this_cycle,
                "pending_cancellation": copilot.breakdown.pending_cancellation,
                "pending_invitation": copilot.breakdown.pending_invitation,
                "active_this_cycle": copilot.breakdown.active_this_cycle,
                "inactive_this_cycle": copilot.breakdown.inactive_this_cycle,
            },
        },
        "no_data_before": [g.statement for g in s.data_gaps],
        "sources": {f.source: f.document() for f in s.sources},
    }


def _source_lines(s: EnterpriseSummary) -> list[str]:
    """Under the table: what the numbers cannot include, and sources whose last import failed
    or was partial (the numbers are then as old as the last success)."""
    lines = [f"Note: {g.statement}." for g in s.data_gaps]
    for f in s.sources:
        if f.failing:
            since = f"; data as of {f.last_success_at:%Y-%m-%d %H:%M}Z" if f.last_success_at else "; no data from it"
            lines.append(
                f"Warning: the last import from the {f.label} failed at "
                f"{f.last_failure_at:%Y-%m-%d %H:%M}Z: {f.last_failure_reason}{since}."
            )
        elif f.partial:
            lines.append(
                f"Warning: the last import from the {f.label} was partial "
                f"({'; '.join(map(str, f.covered.get('skipped') or f.covered.get('failed') or []))})."
            )
    return lines


def _summary_table(s: EnterpriseSummary) -> Table:
    from rich.table import Table

    doc = summary_json(s)
    title = s.name + (f" — organization {s.organization}" if s.organization else "") + f" (as of {doc['as_of']})"
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("License")
    table.add_column("Measure")
    table.add_column("Value", justify="right")

    def value(v: object) -> str:
        return "—" if v is None else f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)

    seats = doc["seats"]
    rows = [
        ("GitHub Enterprise", "consumed", seats["consumed"]),
        ("", "purchased", seats["purchased"] if seats["billing"] == "volume" else "metered"),
        ("", "available", seats["available"]),
        ("", "over limit", seats["over_limit"]),
        ("", "billable this month", seats["billable_this_month"]),
        ("", "license type Enterprise", seats["license_types"]["enterprise"]),
        ("", "license type Visual Studio", seats["license_types"]["visual_studio_subscription"]),
        ("", "expires", seats["expires_at"]),
    ]
    for product, label in (("code_security", "Code Security"), ("secret_protection", "Secret Protection")):
        c = doc["advanced_security"][product]
        rows += [
            (label, "active committers", c["active_committers"]),
            ("", "maximum committers", c["maximum_committers"]),
            ("", "purchased", c["purchased"] if c["billing"] == "volume" else "metered"),
        ]
    cp = doc["copilot"]
    rows += [
        ("Copilot", "seats", cp["total"]),
        ("", "Business", cp["business"]),
        ("", "Enterprise", cp["enterprise"]),
    ]
    rows += [("", name.replace("_", " "), n) for name, n in cp["breakdown"].items() if name != "total"]
    for label, measure, v in rows:
        table.add_row(label, measure, value(v))
    return table
