"""CLI groups ``ingest`` (files and repositories on disk) and ``sync`` (a GitHub API).

Each command parses its options, calls one importer in ``seatledger.ingest`` and prints the
import report. Errors a user can cause are LedgerErrors (one line, exit code 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional

import typer

from seatledger.cli.context import open_ledger

if TYPE_CHECKING:  # imported by the commands when they run
    from rich.progress import Progress

    from seatledger.ingest.report import ImportReport

app = typer.Typer(no_args_is_help=True)
sync_app = typer.Typer(no_args_is_help=True)


def _print_report(report: ImportReport, *, verbose_notes: int = 50) -> None:
    typer.echo(report.summary())
    for note in report.notes[:verbose_notes]:
        typer.echo(f"  {note}")
    if len(report.notes) > verbose_notes:
        typer.echo(f"  … and {len(report.notes) - verbose_notes} more notes")
    for r in report.rejected:
        typer.echo(f"  rejected {r.item}: {r.reason}", err=True)


class _RichGitProgress:
    """One overall bar over repositories and a counter of the current one's commits."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.overall = progress.add_task("repositories", total=total)
        self.current = progress.add_task("", total=None)

    def repository_started(self, path: Path) -> None:
        self.progress.reset(self.current, description=f"{path.name}: commits", total=None)

    def commits_read(self, n: int) -> None:
        self.progress.advance(self.current, n)

    def repository_done(self, path: Path, report: ImportReport | None, error: str | None) -> None:
        if error is not None:
            self.progress.console.print(f"[red]skipped[/red] {error}")
        self.progress.advance(self.overall)


@app.command("git")
def git_command(
    paths: List[Path] = typer.Argument(..., help="Repositories: working trees or bare repositories.", metavar="PATH"),
    org: str = typer.Option(..., "--org", help="Organization the repositories belong to (org/<dir name>)."),
    enterprise: Optional[str] = typer.Option(None, "--enterprise", help="Create --org in this enterprise if missing."),
    visibility: Optional[str] = typer.Option(None, "--visibility", help="public, private or internal."),
    enable: Optional[str] = typer.Option(None, "--enable", help="code_security,secret_protection"),
    create_people: bool = typer.Option(False, "--create-people", help="Unknown author emails become org members."),
    since_days: int = typer.Option(120, "--since-days", min=1, metavar="N", help="Read commits of the last N days."),
    refs: List[str] = typer.Option(
        [], "--refs", help="Read these refs (for-each-ref patterns, repeatable), not the pushed branches and tags."
    ),
) -> None:
    """Read commits pushed to git repositories' branches and tags (pushed_at = committer date)."""
    from seatledger.ingest.git import GitOptions, ingest_git, parse_enable

    options = GitOptions(
        org=org,
        enterprise=enterprise,
        visibility=visibility,
        enable=parse_enable(enable),
        create_people=create_people,
        since_days=since_days,
        refs=tuple(refs),
    )
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    _settings, engine = open_ledger(create=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        result = ingest_git(engine, paths, options, _RichGitProgress(bar, len(paths)))
    _print_report(result.report)
    typer.echo(f"{result.succeeded} of {len(paths)} repositories ingested")
    if result.exit_code:
        from seatledger.errors import SourceError

        # Through the error path: one line on stderr and exit code 2, like every user error.
        raise SourceError(f"none of the {len(paths)} paths could be ingested")


@app.command("webhook-secret")
def webhook_secret_command(
    enterprise: str = typer.Option(..., "--enterprise", help="Enterprise slug."),
    rotate: bool = typer.Option(False, "--rotate", help="Replace the secret with a new one."),
) -> None:
    """Print the enterprise's webhook secret (made on first use) for GitHub's webhook settings."""
    import secrets

    import sqlalchemy as sa

    from seatledger.db import tables as t
    from seatledger.db.ledger import Ledger

    _settings, engine = open_ledger(create=True)
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.enterprise_id(enterprise)
        secret = conn.execute(sa.select(t.enterprises.c.webhook_secret).where(t.enterprises.c.id == eid)).scalar()
        if rotate or not secret:
            secret = secrets.token_hex(32)
            ledger.set_webhook_secret(eid, secret)
    typer.echo(secret)


def _read_file(path: Path) -> bytes:
    from seatledger.errors import InvalidInput

    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from exc


def _import_file(importer: Callable[..., ImportReport], file: Path, enterprise: Optional[str], source: str) -> None:
    """Read a file whole, import it in one transaction (all or nothing), print what it did.
    A refused file is recorded as the source's last failure (after the rollback)."""
    from seatledger.ingest.source_runs import failure_recorded

    data = _read_file(file)
    _settings, engine = open_ledger(create=True)
    with failure_recorded(engine, enterprise, source):
        with engine.begin() as conn:
            report = importer(conn, data, enterprise)
    _print_report(report)


@app.command("server-usage")
def server_usage_command(
    file: Path = typer.Argument(..., help="The JSON a server exported (Export license usage)."),
    enterprise: Optional[str] = typer.Option(None, "--enterprise", help="Enterprise slug (default: the file's)."),
) -> None:
    """Import a server instance's license usage export."""
    from seatledger.ingest.server_usage import ingest_server_usage

    _import_file(ingest_server_usage, file, enterprise, "server_upload")


@app.command("vs-subscribers")
def vs_subscribers_command(
    file: Path = typer.Argument(..., help="CSV: email (UPN), name, subscription_level, status."),
    enterprise: str = typer.Option(..., "--enterprise", help="Enterprise slug."),
) -> None:
    """Import the Visual Studio subscriber list and match it to people."""
    from seatledger.ingest.vs_subscribers import ingest_vs_subscribers

    _import_file(ingest_vs_subscribers, file, enterprise, "vs_list")


@app.command("people")
def people_command(
    file: Path = typer.Argument(
        ..., help="CSV: login, name, emails, org, role, repo, suspended, two_factor, bot, enterprise_role."
    ),
    enterprise: str = typer.Option(..., "--enterprise", help="Enterprise slug."),
) -> None:
    """Import people, org roles and collaborators from a directory file."""
    from seatledger.ingest.people import ingest_people

    _import_file(ingest_people, file, enterprise, "people")


@sync_app.command("github")
def sync_github_command(
    api_url: str = typer.Option(..., "--api-url", help="https://api.github.com, https://HOST/api/v3, or a seatledger."),
    enterprise: str = typer.Option(..., "--enterprise", help="Enterprise slug."),
    org: List[str] = typer.Option([], "--org", help="Organizations to read (default: every known one)."),
    token_env: str = typer.Option("GITHUB_TOKEN", "--token-env", help="Environment variable holding the token."),
) -> None:
    """Sync people, orgs, repositories, invitations, Copilot seats and consumed licenses from a GitHub API."""
    from seatledger.config import token_from_environment
    from seatledger.ingest.github_api import sync_github
    from seatledger.ingest.github_client import GitHubClient

    settings, engine = open_ledger(create=True)
    token = settings.extra.get(token_env) or token_from_environment(token_env)
    if not token:
        from seatledger.errors import ConfigError

        raise ConfigError(f"no token: set the environment variable {token_env}")
    from rich.console import Console

    err = Console(stderr=True)
    with GitHubClient(api_url, token) as client:
        report = sync_github(engine, client, enterprise, org, progress=lambda name: err.print(f"reading {name}"))
    _print_report(report)
