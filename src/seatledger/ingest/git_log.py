"""Reading a repository's history with ``git log``: locating the repository, running git,
and parsing its NUL-separated output as it streams (never read whole into memory).

Foreign failures (git missing, a corrupt repository, a path that is no repository) become
:class:`SourceError` with git's own first line of complaint.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Iterator, NamedTuple, Sequence

from seatledger.errors import SourceError

LOG_FORMAT = "%H%x00%aE%x00%aN%x00%aI%x00%cI"
FIELDS = 5
READ_CHUNK = 1 << 20


class GitCommit(NamedTuple):
    """One commit as git log reports it (mailmap applied); dates naive UTC."""

    sha: str
    author_email: str
    author_name: str
    author_date: dt.datetime
    committer_date: dt.datetime


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
