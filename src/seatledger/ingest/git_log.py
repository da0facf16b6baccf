"""Reading a repository's history with ``git log``: locating the repository, running git,
and parsing its NUL-separated output as it streams (never read whole into memory).

Foreign failures (git missing, a corrupt repository, a path that is no repository) become
:class:`SourceError` with git's own first line of complaint.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import IO, Iterable, Iterator, NamedTuple, Sequence

from seatledger.errors import SourceError

LOG_FORMAT = "%H%x00%aE%x00%aN%x00%ad%x00%cd"
# git writes both dates in UTC (the local zone of a TZ=UTC0 process), in the text that
# datetime.fromisoformat reads fastest: no offsets to parse or apply on our side.
DATE_FORMAT = "format-local:%Y-%m-%d %H:%M:%S"
FIELDS = 5
READ_CHUNK = 1 << 20
# Chunks of git's output read ahead of the parser: git keeps running while a batch is written
# instead of stopping at a full pipe (64 KiB), and at most this many MiB wait in memory.
READ_AHEAD = 16


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


def parse_log_stream(stream: IO[bytes]) -> Iterator[GitCommit]:
    """Parse ``git log -z --format=LOG_FORMAT`` output as it arrives, chunk by chunk."""
    read = stream.read1 if hasattr(stream, "read1") else stream.read
    return parse_log_chunks(iter(lambda: read(READ_CHUNK), b""))


def parse_log_chunks(chunks: Iterable[bytes]) -> Iterator[GitCommit]:
    """Parse ``git log -z --format=LOG_FORMAT --date=DATE_FORMAT`` output given in chunks.

    Each chunk is cut after its last NUL and decoded once (a UTF-8 character never spans a
    NUL), then split into fields; five fields make a commit."""
    pending = b""
    tokens: list[str] = []
    for chunk in chunks:
        data = pending + chunk
        cut = data.rfind(b"\0")
        if cut < 0:
            pending = data
            continue
        pending = data[cut + 1 :]
        tokens.extend(data[:cut].decode("utf-8", "replace").split("\0"))
        whole = len(tokens) - len(tokens) % FIELDS
        stamp = dt.datetime.fromisoformat
        for i in range(0, whole, FIELDS):
            yield GitCommit(
                tokens[i], tokens[i + 1].strip().lower(), tokens[i + 2], stamp(tokens[i + 3]), stamp(tokens[i + 4])
            )
        del tokens[:whole]
    if pending or tokens:
        raise SourceError("git log output ended in the middle of a commit")


def log_command(git_dir: Path, *, since: dt.datetime, exclude: Sequence[str] = ()) -> list[str]:
    """The ``git log`` the importer runs (run it with :data:`LOG_ENV`)."""
    return _git(
        git_dir, "log", "--all", "--use-mailmap", "-z", "--encoding=UTF-8", f"--format={LOG_FORMAT}",
        f"--date={DATE_FORMAT}", f"--since={since:%Y-%m-%d %H:%M:%S} +0000", *(f"^{sha}" for sha in exclude),
    )


LOG_ENV = {**os.environ, "TZ": "UTC0"}


class _ReadAhead:
    """Reads a stream in a thread of its own into a bounded queue of chunks; iterating gives
    them in order, ending at the stream's end. Reading releases Python's lock, so the writer
    of the stream runs on while the consumer works."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._chunks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=READ_AHEAD)
        self.at_end = False  # the stream's end was read
        self._thread = threading.Thread(target=self._run, name="git-log-reader", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                chunk = self._stream.read1(READ_CHUNK)  # type: ignore[attr-defined]
                if not chunk:
                    self.at_end = True
                self._chunks.put(chunk)
                if not chunk:
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            self._chunks.put(exc)

    def __iter__(self) -> Iterator[bytes]:
        while True:
            chunk = self._chunks.get()
            if isinstance(chunk, BaseException):
                raise SourceError(f"reading git log failed: {chunk}")
            if not chunk:
                return
            yield chunk

    def close(self) -> None:
        """Wait for the thread to end (the stream's writer must have ended), emptying the
        queue so that it never waits on a full one."""
        while self._thread.is_alive():
            try:
                self._chunks.get(timeout=0.05)
            except queue.Empty:
                pass
        self._thread.join()


def iter_commits(
    git_dir: Path, work_dir: Path, *, since: dt.datetime, exclude: Sequence[str] = ()
) -> Iterator[GitCommit]:
    """Commits reachable from any ref (minus those reachable from ``exclude``) whose committer
    date is after ``since``; raises SourceError when git fails (a corrupt repository)."""
    cmd = log_command(git_dir, since=since, exclude=exclude)
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, cwd=work_dir, stdout=subprocess.PIPE, stderr=err, env=LOG_ENV)
        except OSError as exc:
            raise SourceError(f"cannot run git: {exc}") from exc
        assert proc.stdout is not None
        ahead = _ReadAhead(proc.stdout)
        broken: SourceError | None = None
        try:
            yield from parse_log_chunks(ahead)
        except SourceError as exc:
            broken = exc  # git's own error, if it has one, says more
            if not ahead.at_end:
                proc.kill()  # its output could not be read: git would wait on a full pipe
        except BaseException:
            proc.kill()  # the caller stopped early: git need not run to its end
            raise
        finally:
            code = proc.wait()
            ahead.close()
            proc.stdout.close()
        if code != 0:
            err.seek(0)
            raise SourceError(f"{work_dir}: git log failed: {_first_line(err.read())}")
        if broken is not None:
            raise SourceError(f"{work_dir}: {broken.message}")
