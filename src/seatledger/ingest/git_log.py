"""Reading a repository's history with ``git log``: locating the repository, running git,
and parsing its NUL-separated output as it streams (never read whole into memory).

Only refs that were pushed to the hosting repository are read (:func:`pushed_refs`): GitHub
counts pushes to a repository's own branches and tags, while a mirror clone also carries
``refs/pull/*`` (pull requests from forks, pushed to the forks), review-tool refs and notes.

Foreign failures (git missing, a corrupt repository, a path that is no repository) become
:class:`SourceError` with git's own first line of complaint.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
from fnmatch import fnmatchcase
from pathlib import Path
from typing import IO, Iterator, NamedTuple, Sequence

from seatledger.errors import SourceError

LOG_FORMAT = "%H%x00%aE%x00%aN%x00%ad%x00%cd"
# git writes both dates in UTC (the local zone of a TZ=UTC0 process), in the text that
# datetime.fromisoformat reads fastest: no offsets to parse or apply on our side.
DATE_FORMAT = "format-local:%Y-%m-%d %H:%M:%S"
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


# What a bare or mirror repository received by push: its branches and tags.
BARE_REFS = ("refs/heads/", "refs/tags/")
# What a working clone knows was pushed: the branches of its remotes (their symbolic HEAD aside)
# and the tags; its own branches only when it has no remote at all.
CLONE_REFS = ("refs/remotes/", "refs/tags/")
CLONE_WITHOUT_REMOTE_REFS = ("refs/heads/", "refs/tags/")


def _wanted(ref: str, bare: bool, has_remotes: bool) -> bool:
    if bare:
        return ref.startswith(BARE_REFS)
    if has_remotes:
        return ref.startswith(CLONE_REFS) and not (ref.startswith("refs/remotes/") and ref.endswith("/HEAD"))
    return ref.startswith(CLONE_WITHOUT_REMOTE_REFS)


def _matches(ref: str, patterns: Sequence[str]) -> bool:
    """``git for-each-ref``'s pattern rule: a glob over the whole name, or a literal prefix
    ending at a ``/`` (``refs/heads`` takes every branch)."""
    for pattern in patterns:
        if fnmatchcase(ref, pattern) or ref == pattern or ref.startswith(pattern.rstrip("/") + "/"):
            return True
    return False


def pushed_refs(git_dir: Path, work_dir: Path, patterns: Sequence[str] | None = None) -> dict[str, str]:
    """ref name → object id of the refs whose commits were pushed to the hosting repository.

    Bare (or mirror) repository: ``refs/heads/*`` and ``refs/tags/*``. Working clone: its
    remote-tracking branches (``refs/remotes/*`` but ``*/HEAD``) and the tags, or its local
    branches and tags if it tracks no remote. ``patterns`` (``--refs``) replace that choice.
    Refs that point at neither a commit nor a tag (a tagged tree) are left out, since there is
    no history to walk from them."""
    bare = git_dir == work_dir
    out = _run(_git(git_dir, "for-each-ref", "--format=%(objectname) %(objecttype) %(refname)"), work_dir)
    refs: dict[str, str] = {}
    for line in out.splitlines():
        sha, kind, ref = (line.split(" ", 2) + ["", ""])[:3]
        if sha and ref and kind in ("commit", "tag"):
            refs[ref] = sha
    if patterns:
        return {ref: sha for ref, sha in refs.items() if _matches(ref, patterns)}
    has_remotes = any(r.startswith("refs/remotes/") and not r.endswith("/HEAD") for r in refs)
    return {ref: sha for ref, sha in refs.items() if _wanted(ref, bare, has_remotes)}


def ref_tips(refs: dict[str, str]) -> list[str]:
    """The sorted, distinct object ids the refs point at (what the walk starts from)."""
    return sorted(set(refs.values()))


def parse_log_stream(stream: IO[bytes]) -> Iterator[GitCommit]:
    """Parse ``git log -z --format=LOG_FORMAT --date=DATE_FORMAT`` output as it arrives,
    chunk by chunk.

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
        stamp = dt.datetime.fromisoformat
        for i in range(0, whole, FIELDS):
            yield GitCommit(
                tokens[i], tokens[i + 1].strip().lower(), tokens[i + 2], stamp(tokens[i + 3]), stamp(tokens[i + 4])
            )
        del tokens[:whole]
    if pending or tokens:
        raise SourceError("git log output ended in the middle of a commit")


def log_command(git_dir: Path, *, since: dt.datetime) -> list[str]:
    """The ``git log`` the importer runs (run it with :func:`log_env`), its starting points and
    exclusions given on stdin (:func:`log_input`): a repository may have more refs than a
    command line holds."""
    return _git(
        git_dir,
        "log",
        "--stdin",
        "--use-mailmap",
        "-z",
        "--encoding=UTF-8",
        f"--format={LOG_FORMAT}",
        f"--date={DATE_FORMAT}",
        f"--since={since:%Y-%m-%d %H:%M:%S} +0000",
    )


def log_input(tips: Sequence[str], exclude: Sequence[str] = ()) -> bytes:
    """What :func:`log_command` reads on stdin: one revision a line, ``^sha`` to exclude."""
    return "".join([*(f"{sha}\n" for sha in tips), *(f"^{sha}\n" for sha in exclude)]).encode()


def log_env() -> dict[str, str]:
    """The environment of :func:`log_command`: this process's, in the UTC zone."""
    return {**os.environ, "TZ": "UTC0"}


def iter_commits(
    git_dir: Path, work_dir: Path, *, since: dt.datetime, tips: Sequence[str], exclude: Sequence[str] = ()
) -> Iterator[GitCommit]:
    """Commits reachable from ``tips`` (minus those reachable from ``exclude``) whose committer
    date is after ``since``; raises SourceError when git fails (a corrupt repository)."""
    if not tips:
        return
    cmd = log_command(git_dir, since=since)
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as revisions:
        # From a file, not a pipe: git reads all of stdin before it writes, so nothing can
        # block whatever the number of refs.
        revisions.write(log_input(tips, exclude))
        revisions.seek(0)
        try:
            proc = subprocess.Popen(
                cmd, cwd=work_dir, stdin=revisions, stdout=subprocess.PIPE, stderr=err, env=log_env()
            )
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
