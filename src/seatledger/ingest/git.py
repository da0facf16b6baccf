"""Commits from real git repositories on disk (bare or working trees).

``git log --all --use-mailmap -z`` runs in a subprocess; its NUL-separated output is parsed
as it streams (never read whole), and commits are written in batches inside one transaction
per repository, so a repository that fails half-way leaves nothing behind.

Approximation (documented): a local repository has no push record, so a commit's
``pushed_at`` is its *committer* date. Only commits whose committer date is within
``since_days`` are read (``git log --since``); the licensing window is 90 days, the default
120 leaves a margin. Incremental: the tips of every ref are saved in ``ingest_runs`` and the
next run reads ``git log --all ^old-tip...``; when an old tip no longer exists (a force-push
followed by gc), the run falls back to the full window — recording is idempotent on the sha.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterable, Iterator, NamedTuple, Protocol, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from seatledger.db import tables as t
from seatledger.db.ledger import Ledger, utcnow
from seatledger.errors import InvalidInput, NotFound, SourceError
from seatledger.ingest import identities
from seatledger.ingest.rematch import rematch_enterprise
from seatledger.ingest.report import ImportReport

DEFAULT_SINCE_DAYS = 120
LOG_FORMAT = "%H%x00%aE%x00%aN%x00%aI%x00%cI"
FIELDS = 5
READ_CHUNK = 1 << 20
WRITE_BATCH = 5000
SOURCE = "git"
ENABLEABLE = ("code_security", "secret_protection")


class GitCommit(NamedTuple):
    """One commit as git log reports it (mailmap applied); dates naive UTC."""

    sha: str
    author_email: str
    author_name: str
    author_date: dt.datetime
    committer_date: dt.datetime


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

    @property
    def exit_code(self) -> int:
        """2 only when every path failed; a partly successful run is a success with rejections."""
        return 2 if self.failed and not self.succeeded else 0


# -- reading a repository -----------------------------------------------------------------


def locate(path: Path) -> tuple[Path, Path]:
    """(git dir, directory to run git in) for a working tree or a bare repository."""
    path = path.resolve()
    if not path.is_dir():
        raise SourceError(f"{path}: not a directory")
    dot_git = path / ".git"
    if dot_git.exists():
        return dot_git, path
    if (path / "HEAD").is_file() and (path / "objects").is_dir():
        return path, path
    raise SourceError(f"{path}: not a git repository")


def repository_name(path: Path) -> str:
    """The repository's name in the ledger: the directory name without ``.git``."""
    name = path.resolve().name
    return name[:-4] if name.endswith(".git") and len(name) > 4 else name


def _git(git_dir: Path, *args: str) -> list[str]:
    # An explicit --git-dir: no discovery upwards, so a plain directory inside some other
    # repository is never mistaken for it.
    return ["git", f"--git-dir={git_dir}", "-c", "log.showSignature=false", *args]


def _run(cmd: list[str], cwd: Path) -> str:
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise SourceError(f"cannot run git: {exc}") from exc
    if proc.returncode != 0:
        raise SourceError(f"{cwd}: git failed: {_first_line(proc.stderr)}")
    return proc.stdout.decode("utf-8", "replace")


def _first_line(stderr: bytes) -> str:
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    return lines[0].strip() if lines else "no message"


def ref_tips(git_dir: Path, work_dir: Path) -> list[str]:
    """The sorted, distinct object ids every ref points at (what ``--all`` walks from)."""
    out = _run(_git(git_dir, "for-each-ref", "--format=%(objectname)"), work_dir)
    return sorted({line for line in out.split() if line})


_OFFSETS: dict[str, dt.timedelta] = {}


def _offset(text: str) -> dt.timedelta:
    """``+02:00`` → 2 hours (cached: a repository has few distinct offsets)."""
    delta = _OFFSETS.get(text)
    if delta is None:
        sign = -1 if text[0] == "-" else 1
        hours, _, minutes = text[1:].partition(":")
        delta = _OFFSETS[text] = sign * dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
    return delta


def _utc(stamp: str) -> dt.datetime:
    """git's strict ISO 8601 (``2026-06-30T12:00:00+02:00``) → naive UTC. Parsing the naive
    part and a cached offset is what keeps the scan close to git log's own speed."""
    local = dt.datetime.fromisoformat(stamp[:19])
    tz = stamp[19:]
    if not tz or tz in ("Z", "+00:00", "-00:00"):
        return local
    return local - _offset(tz)


def parse_log_stream(stream: IO[bytes]) -> Iterator[GitCommit]:
    """Parse ``git log -z --format=LOG_FORMAT`` output as it arrives, chunk by chunk.

    Each chunk is cut after its last NUL and decoded once (a UTF-8 character never spans a
    NUL), then split into fields; five fields make a commit."""
    pending = b""
    tokens: list[str] = []
    read = stream.read1 if hasattr(stream, "read1") else stream.read
    while True:
        chunk = read(READ_CHUNK)
        if not chunk:
            break
        data = pending + chunk
        cut = data.rfind(b"\0")
        if cut < 0:
            pending = data
            continue
        pending = data[cut + 1 :]
        tokens.extend(data[:cut].decode("utf-8", "replace").split("\0"))
        whole = len(tokens) - len(tokens) % FIELDS
        utc = _utc
        for i in range(0, whole, FIELDS):
            yield GitCommit(
                tokens[i], tokens[i + 1].strip().lower(), tokens[i + 2], utc(tokens[i + 3]), utc(tokens[i + 4])
            )
        del tokens[:whole]
    if pending or tokens:
        raise SourceError("git log output ended in the middle of a commit")


def iter_commits(
    git_dir: Path, work_dir: Path, *, since: dt.datetime, exclude: Sequence[str] = ()
) -> Iterator[GitCommit]:
    """Commits reachable from any ref (minus those reachable from ``exclude``) whose committer
    date is after ``since``; raises SourceError when git fails (a corrupt repository)."""
    cmd = _git(
        git_dir, "log", "--all", "--use-mailmap", "-z", "--encoding=UTF-8", f"--format={LOG_FORMAT}",
        f"--since={since:%Y-%m-%d %H:%M:%S} +0000", *(f"^{sha}" for sha in exclude),
    )
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, cwd=work_dir, stdout=subprocess.PIPE, stderr=err)
        except OSError as exc:
            raise SourceError(f"cannot run git: {exc}") from exc
        assert proc.stdout is not None
        broken: SourceError | None = None
        try:
            yield from parse_log_stream(proc.stdout)
        except SourceError as exc:
            broken = exc  # git's own error, if it has one, says more
        finally:
            proc.stdout.close()
            code = proc.wait()
        if code != 0:
            err.seek(0)
            raise SourceError(f"{work_dir}: git log failed: {_first_line(err.read())}")
        if broken is not None:
            raise SourceError(f"{work_dir}: {broken.message}")


def _parse_checkpoint(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        tips = json.loads(raw).get("tips", [])
    except (ValueError, AttributeError):
        return []
    return [s for s in tips if isinstance(s, str)]


# -- writing one repository -----------------------------------------------------------------


@dataclass
class _Author:
    name: str
    commits: int
    first_seen: dt.datetime


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
    tips = ref_tips(git_dir, work_dir)
    name = repository_name(path)
    key = f"{options.org}/{name}"
    old_tips = _parse_checkpoint(ledger.ingest_checkpoint(SOURCE, key))
    repo_id, outcome = ledger.upsert_repo(
        enterprise_id, options.org, name, org_id=org_id, visibility=options.visibility,
        code_security=True if "code_security" in options.enable else None,
        secret_protection=True if "secret_protection" in options.enable else None,
    )
    report.count("repository", outcome)
    now = options.now or utcnow()
    since = now - dt.timedelta(days=options.since_days)
    authors: dict[str, _Author] = {}
    if tips and tips != old_tips:
        try:
            _record_commits(ledger, repo_id, iter_commits(git_dir, work_dir, since=since, exclude=old_tips),
                            authors, report, progress)
        except SourceError:
            if not old_tips:
                raise
            # An old tip is gone (force-push and gc): read the whole window again.
            report.notes.append(f"{key}: history rewritten since the last run; re-read the whole window")
            _record_commits(ledger, repo_id, iter_commits(git_dir, work_dir, since=since), authors, report, progress)
    _resolve_authors(ledger, enterprise_id, org_id, authors, options, report)
    ledger.save_ingest_run(SOURCE, key, json.dumps({"path": str(path.resolve()), "tips": tips}))
    if report.changed:
        ledger.bump_version(enterprise_id)
    return report


def _record_commits(
    ledger: Ledger,
    repo_id: int,
    commits: Iterable[GitCommit],
    authors: dict[str, _Author],
    report: ImportReport,
    progress: GitProgress | None,
) -> None:
    batch: list[dict[str, object]] = []

    def flush() -> None:
        new = ledger.add_commits(repo_id, batch)
        report.count("commit", "created", new)
        report.count("commit", "unchanged", len(batch) - new)
        if progress is not None:
            progress.commits_read(len(batch))
        batch.clear()

    for c in commits:
        batch.append({
            "sha": c.sha, "author_email": c.author_email, "author_name": c.author_name,
            "author_date": c.author_date, "pushed_at": c.committer_date,
        })
        seen = authors.get(c.author_email)
        if seen is None:
            authors[c.author_email] = _Author(c.author_name, 1, c.committer_date)
        else:
            seen.commits += 1
            if c.committer_date < seen.first_seen:
                seen.first_seen = c.committer_date
        if len(batch) >= WRITE_BATCH:
            flush()
    if batch:
        flush()


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
        login = identities.unique_login(
            ledger.conn, enterprise_id, identities.login_from_identity(email, author.name)
        )
        uid, outcome = ledger.upsert_user(enterprise_id, login, name=author.name or None, emails=[email],
                                          at=author.first_seen)
        report.count("user", outcome)
        # A member since their first commit seen, so a past as_of inside the window counts them.
        report.count("membership", ledger.ensure_membership(org_id, uid, "member", at=author.first_seen))


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
            result.failed.append((str(path), exc.message))
            result.report.reject(str(path), exc.message)
            if progress is not None:
                progress.repository_done(path, None, exc.message)
            continue
        result.succeeded += 1
        result.report.merge(report)
        if progress is not None:
            progress.repository_done(path, report, None)
    return result
