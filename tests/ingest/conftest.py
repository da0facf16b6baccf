"""Fixtures for the importers: real git repositories built with the git binary.

The machine's git configuration must not leak in: HOME points at the test's directory and
GIT_CONFIG_NOSYSTEM is set, for the repositories made here and for the git the importer runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest_gitrepo import Repo


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return home


@pytest.fixture
def make_repo(tmp_path: Path, git_home: Path):
    def make(name: str) -> Repo:
        return Repo(tmp_path / "repos" / name, git_home)

    return make
