"""Commits from real git repositories on disk (bare or working trees).

Only what was pushed to the hosting repository is read (``git_log.pushed_refs``: branches and
tags of a bare or mirror repository, remote branches and tags of a clone; never
``refs/pull/*``, notes or review refs), unless ``--refs`` names the refs.
``git log --use-mailmap -z`` runs in a subprocess from those refs' tips; its NUL-separated
output is parsed as it streams (never read whole), and commits are written in batches inside
one transaction per repository, so a repository that fails half-way leaves nothing behind.

Approximation (documented): a local repository has no push record, so a commit's
``pushed_at`` is its *committer* date. Only commits whose committer date is within
``since_days`` are read (``git log --since``); the licensing window is 90 days, the default
120 leaves a margin. Incremental: the tips of the refs read are saved in ``ingest_runs`` and
the next run reads ``git log TIP... ^old-tip...``; when an old tip no longer exists (a force-push
followed by gc), the run falls back to the full window — recording is idempotent on the sha.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Protocol, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput, NotFound, SourceError
from seatledger.ingest import identities
from seatledger.ingest.git_log import GitCommit, iter_commits, locate, pushed_refs, ref_tips, repository_name
from seatledger.ingest.rematch import rematch_enterprise
from seatledger.ingest.report import ImportReport
from seatledger.ingest.source_runs import record_failure, record_success

DEFAULT_SINCE_DAYS = 120
WRITE_BATCH = 5000
SOURCE = "git"
ENABLEABLE = ("code_security", "secret_protection")


@dataclass(frozen=True)
class GitOptions:
    """What ``seatledger ingest git`` was asked to do."""

    org: str
    enterprise: str | None = None  # create the org (and enterprise) when missing
    visibility: str | None = None  # None: new repositories are private, existing ones keep theirs
    enable: frozenset[str] = frozenset()
    create_people: bool = False
    since_days: int = DEFAULT_SINCE_DAYS
    now: dt.datetime | None = None  # the instant 'since_days' counts back from (tests fix it)
    refs: tuple[str, ...] = ()  # --refs: for-each-ref patterns replacing the pushed refs


class GitProgress(Protocol):
    """What the CLI shows while repositories are read."""

    def repository_started(self, path: Path) -> None: ...
    def commits_read(self, n: int) -> None: ...
    def repository_done(self, path: Path, report: ImportReport | None, error: str | None) -> None: ...


@dataclass
class GitIngestResult:
    report: ImportReport
    succeeded: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)  # directory names of the repositories read

    @property
    def exit_code(self) -> int:
        """2 only when every path failed; a partly successful run is a success with rejections."""
        return 2 if self.failed and not self.succeeded else 0


def _parse_checkpoint(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        tips = json.loads(raw).get("tips", [])
    except (ValueError, AttributeError):
        return []
    return [s for s in tips if isinstance(s, str)]


# -- writing one repository -----------------------------------------------------------------


@dataclass(frozen=True)
class _Author:
    name: str
    commits: int
    first_seen: dt.datetime


def _authors_in_window(conn: Connection, repo_id: int, since: dt.datetime) -> dict[str, _Author]:
    """email → (a name, commits, first push) for the repository's commits after ``since``."""
    c = t.commits
    rows = conn.execute(
        sa.select(c.c.author_email, sa.func.max(c.c.author_name), sa.func.count(), sa.func.min(c.c.pushed_at))
        .where(c.c.repository_id == repo_id, c.c.pushed_at > since)
        .group_by(c.c.author_email)
    )
    return {email: _Author(name or "", int(n), first) for email, name, n, first in rows}


def ingest_repository(
    conn: Connection,
    enterprise_id: int,
    org_id: int,
    path: Path,
    options: GitOptions,
    progress: GitProgress | None = None,
) -> ImportReport:
    """Read one repository into the ledger within the caller's transaction."""
    ledger = Ledger(conn)
    report = ImportReport(source=f"git {path}")
    git_dir, work_dir = locate(path)
    tips = ref_tips(pushed_refs(git_dir, work_dir, options.refs))
    name = repository_name(path)
    key = f"{options.org}/{name}"
    old_tips = _parse_checkpoint(ledger.ingest_checkpoint(SOURCE, key))
    now = options.now or utcnow()
    # --enable turns the products on from this import on (enablement is a dated fact).
    repo_id, outcome = ledger.upsert_repo(
        enterprise_id,
        options.org,
        name,
        org_id=org_id,
        visibility=options.visibility,
        code_security=True if "code_security" in options.enable else None,
        secret_protection=True if "secret_protection" in options.enable else None,
        created_at=now,
    )
    report.count("repository", outcome)
    since = now - dt.timedelta(days=options.since_days)
    if tips and tips != old_tips:
        try:
            new_commits = iter_commits(git_dir, work_dir, since=since, tips=tips, exclude=old_tips)
            _record_commits(ledger, repo_id, new_commits, report, progress, new_repository=outcome == "created")
        except SourceError:
            if not old_tips:
                raise
            # An old tip is gone (force-push and gc): read the whole window again.
            report.notes.append(f"{key}: history rewritten since the last run; re-read the whole window")
            _record_commits(ledger, repo_id, iter_commits(git_dir, work_dir, since=since, tips=tips), report, progress)
    # Authors of every commit of the window in the ledger, not just the new ones: a second run
    # with --create-people attributes what the first run listed as unattributed.
    _resolve_authors(ledger, enterprise_id, org_id, _authors_in_window(conn, repo_id, since), options, report)
    ledger.save_ingest_run(SOURCE, key, json.dumps({"path": str(path.resolve()), "tips": tips}))
    if report.changed:
        ledger.bump_version(enterprise_id)
    return report


def _record_commits(
    ledger: Ledger,
    repo_id: int,
    commits: Iterable[GitCommit],
    report: ImportReport,
    progress: GitProgress | None,
    *,
    new_repository: bool = False,
) -> None:
    """Write commits in batches; a repository created by this run has none yet, so its
    commits are inserted without looking for existing ones (git log lists each once), as
    plain rows: a commit's fields are the table's columns after the repository's id.

    From the second batch on, a batch is written in a thread of its own while the next one is
    read. On SQLite a new repository's batch goes to the database as one statement
    (``off_the_gil``), so the whole insert runs without Python's lock and reading and writing
    overlap (with executemany the writer would take the lock back for every row). One batch is written at a time, in order, on the caller's connection
    (which nothing else uses meanwhile); a failure on either side ends both before it is
    raised, so the caller's transaction rolls back with no write in flight."""

    def write(batch: list[GitCommit]) -> None:
        if new_repository:
            rows = [(repo_id, *c) for c in batch]
            new = ledger.bulk_insert_rows(t.commits, COMMIT_COLUMNS, rows, off_the_gil=True)
        else:
            new = ledger.add_commits(repo_id, [dict(zip(COMMIT_COLUMNS[1:], c)) for c in batch])
        report.count("commit", "created", new)
        report.count("commit", "unchanged", len(batch) - new)
        if progress is not None:
            progress.commits_read(len(batch))

    writer: ThreadPoolExecutor | None = None
    in_flight: Future[None] | None = None
    batch: list[GitCommit] = []
    try:
        for c in commits:
            batch.append(c)
            if len(batch) >= WRITE_BATCH:
                if writer is None:
                    writer = ThreadPoolExecutor(1, thread_name_prefix="commit-writer")
                if in_flight is not None:
                    in_flight.result()
                in_flight, batch = writer.submit(write, batch), []
        if in_flight is not None:
            in_flight.result()
        if batch:
            write(batch)
    finally:
        if writer is not None:
            writer.shutdown(wait=True)


# The commits table's columns in the order of (repository id, *GitCommit).
COMMIT_COLUMNS = ("repository_id", "sha", "author_email", "author_name", "author_date", "pushed_at")


def _resolve_authors(
    ledger: Ledger,
    enterprise_id: int,
    org_id: int,
    authors: dict[str, _Author],
    options: GitOptions,
    report: ImportReport,
) -> None:
    """Known emails stay as they are; unknown ones become people (``--create-people``) or are
    listed as unattributed. Bots are neither."""
    people = {e: a for e, a in authors.items() if e and not identities.is_bot(e, a.name)}
    bots = len(authors) - len(people)
    if bots:
        report.notes.append(f"{bots} bot identit{'y' if bots == 1 else 'ies'} ignored")
    known = identities.verified_email_owners(ledger.conn, enterprise_id, sorted(people))
    for email in sorted(set(people) - set(known)):
        author = people[email]
        if not options.create_people:
            report.notes.append(f"unattributed: {email} ({author.commits} commits)")
            continue
        wanted = identities.login_from_identity(email)
        if wanted is None:
            report.notes.append(f"not created: {email} gives no GitHub login ({author.commits} commits unattributed)")
            continue
        login = identities.unique_login(ledger.conn, enterprise_id, wanted)
        uid, outcome = ledger.upsert_user(
            enterprise_id, login, name=author.name or None, emails=[email], at=author.first_seen
        )
        report.count("user", outcome)
        # A member since their first commit seen, so a past as_of inside the window counts them.
        report.count("membership", ledger.ensure_membership(org_id, uid, "member", at=author.first_seen, source="git"))


# -- many repositories ---------------------------------------------------------------------


def parse_enable(value: str | None) -> frozenset[str]:
    """``code_security,secret_protection`` → the products to turn on."""
    wanted = frozenset(p.strip() for p in (value or "").split(",") if p.strip())
    unknown = wanted - set(ENABLEABLE)
    if unknown:
        raise InvalidInput(f"--enable takes {' and/or '.join(ENABLEABLE)}, not {', '.join(sorted(unknown))}")
    return wanted


def _org(engine: Engine, options: GitOptions) -> tuple[int, int]:
    """(enterprise id, org id) of ``--org``; created under ``--enterprise`` when missing."""
    o = t.organizations
    with engine.begin() as conn:
        row = conn.execute(sa.select(o.c.id, o.c.enterprise_id).where(o.c.login == options.org)).first()
        if row is not None:
            return int(row.enterprise_id), int(row.id)
        if not options.enterprise:
            raise NotFound(f"no organization {options.org!r}; pass --enterprise SLUG to create it")
        ledger = Ledger(conn)
        try:
            enterprise_id = ledger.enterprise_id(options.enterprise)
        except NotFound:
            enterprise_id = ledger.add_enterprise(options.enterprise)
        org_id, _ = ledger.upsert_org(enterprise_id, options.org)
        return enterprise_id, org_id


def ingest_git(
    engine: Engine, paths: Sequence[Path], options: GitOptions, progress: GitProgress | None = None
) -> GitIngestResult:
    """Ingest every path, one transaction each; failures are reported and skipped."""
    if options.visibility is not None and options.visibility not in ("public", "private", "internal"):
        raise InvalidInput(f"--visibility must be public, private or internal, not {options.visibility!r}")
    enterprise_id, org_id = _org(engine, options)
    result = GitIngestResult(ImportReport(source="git"))
    for path in paths:
        if progress is not None:
            progress.repository_started(path)
        try:
            with engine.begin() as conn:
                report = ingest_repository(conn, enterprise_id, org_id, path, options, progress)
                if report.created.get("user"):
                    rematch_enterprise(conn, enterprise_id, report)
        except SourceError as exc:
            reason = exc.message.removeprefix(f"{path.resolve()}: ")
            result.failed.append((str(path), reason))
            result.report.reject(str(path), reason)
            if progress is not None:
                progress.repository_done(path, None, f"{path}: {reason}")
            continue
        result.succeeded += 1
        result.covered.append(repository_name(path))
        result.report.merge(report)
        if progress is not None:
            progress.repository_done(path, report, None)
    _record(engine, enterprise_id, options.org, result)
    return result


def _record(engine: Engine, enterprise_id: int, org: str, result: GitIngestResult) -> None:
    """The run's outcome for the source's freshness: the repositories read (a success when
    any was) and the ones that failed, with their reasons (the last failure)."""
    if result.failed:
        reasons = "; ".join(f"{path}: {reason}" for path, reason in result.failed)
        record_failure(
            engine,
            enterprise_id,
            "git",
            f"{len(result.failed)} of {len(result.failed) + result.succeeded} repositories failed: {reasons}",
        )
    if result.succeeded:
        with engine.begin() as conn:
            record_success(
                conn,
                enterprise_id,
                "git",
                {
                    "organizations": [org],
                    "repositories": [f"{org}/{name}" for name in result.covered],
                    "failed": [path for path, _ in result.failed],
                },
            )
