"""Real git repositories built with the git binary, for the importer tests.

The machine's git configuration must not leak in: HOME points at the test's directory and
GIT_CONFIG_NOSYSTEM is set, for the repositories made here and for the git the importer runs.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

# The fixed instant every ingest test counts back from.
NOW = dt.datetime(2026, 6, 30, 12, 0, 0)


class Repo:
    """A git working tree; ``commit`` makes a commit as a given author at given dates."""

    def __init__(self, path: Path, home: Path, *, init: bool = True) -> None:
        self.path = path
        self.home = home
        if init:
            path.mkdir(parents=True)
            self.git("init", "-q", "-b", "main")

    @classmethod
    def clone(cls, origin: "Repo", path: Path) -> "Repo":
        """A working clone of ``origin`` (its branches become ``refs/remotes/origin/*``)."""
        subprocess.run(["git", "clone", "-q", str(origin.path), str(path)], check=True, env=origin.env())
        return cls(path, origin.home, init=False)

    def env(self, author_date: dt.datetime | None = None, committer_date: dt.datetime | None = None) -> dict[str, str]:
        env = {"HOME": str(self.home), "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        if author_date is not None:
            env["GIT_AUTHOR_DATE"] = f"{author_date:%Y-%m-%dT%H:%M:%S} +0000"
        if committer_date is not None or author_date is not None:
            env["GIT_COMMITTER_DATE"] = f"{(committer_date or author_date):%Y-%m-%dT%H:%M:%S} +0000"
        return env

    def git(
        self, *args: str, env: dict[str, str] | None = None, name: str = "Test", email: str = "test@example.com"
    ) -> str:
        proc = subprocess.run(
            ["git", "-c", f"user.name={name}", "-c", f"user.email={email}", *args],
            cwd=self.path,
            env=env or self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return proc.stdout.strip()

    def commit(
        self,
        name: str,
        email: str,
        when: dt.datetime,
        *,
        committed: dt.datetime | None = None,
        file: str = "f.txt",
    ) -> str:
        """A commit by ``name <email>`` authored at ``when`` (committed then too unless given)."""
        target = self.path / file
        with target.open("a") as fh:
            fh.write(f"{name} {when.isoformat()}\n")
        self.git("add", file)
        self.git("commit", "-q", "-m", f"change by {name}", env=self.env(when, committed), name=name, email=email)
        return self.git("rev-parse", "HEAD")
