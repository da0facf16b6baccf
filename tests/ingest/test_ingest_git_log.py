"""Reading a repository with git (``ingest/git_log.py``) on real repositories made in the test:
finding the repository, the refs that were pushed, and ``git log`` parsed as it streams."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import pytest

from ingest_gitrepo import NOW, Repo
from seatledger.errors import SourceError
from seatledger.ingest.git_log import iter_commits, locate, parse_log_stream, pushed_refs, ref_tips, repository_name

DAY = dt.timedelta(days=1)


class _Trickle:
    """A stream that hands out a few bytes at a time, splitting fields and UTF-8 characters."""

    def __init__(self, data: bytes, size: int) -> None:
        self.data, self.size = data, size

    def read1(self, _n: int) -> bytes:
        chunk, self.data = self.data[: self.size], self.data[self.size :]
        return chunk


def test_git_log_output_is_parsed_the_same_however_it_is_chunked() -> None:
    records = [
        ("a" * 40, "Zoë@Example.com", "Zoë Ñúñez", "2026-06-01 08:00:00", "2026-06-03 05:00:00"),
        ("b" * 40, "li@example.com", "李雷", "2026-06-03 00:00:00", "2026-06-03 00:00:59"),
    ]
    raw = b"".join("\0".join(r).encode() + b"\0" for r in records)
    for size in (1, 3, 7, 64, len(raw)):
        got = list(parse_log_stream(_Trickle(raw, size)))  # type: ignore[arg-type]
        assert [(c.sha, c.author_email, c.author_name) for c in got] == [
            ("a" * 40, "zoë@example.com", "Zoë Ñúñez"),
            ("b" * 40, "li@example.com", "李雷"),
        ]
        assert got[0].author_date == dt.datetime(2026, 6, 1, 8, 0)
        assert got[0].committer_date == dt.datetime(2026, 6, 3, 5, 0)
        assert got[1].committer_date == dt.datetime(2026, 6, 3, 0, 0, 59)


def test_git_gives_dates_in_utc_whatever_the_commit_offsets_and_local_zone(
    tmp_path: Path, git_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git converts each commit's own offset to UTC itself, and the zone of the process that
    runs the import does not leak in."""

    monkeypatch.setenv("TZ", "America/St_Johns")  # -03:30 / -02:30: a local zone must not count
    repo = tmp_path / "zones"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for n, (author, committer) in enumerate(
        [
            ("2026-06-01T10:00:00+02:00", "2026-06-02T23:30:00-05:30"),
            ("2026-06-03T00:00:00+00:00", "2026-06-03T12:15:00+09:45"),
        ]
    ):
        env = {
            **os.environ,
            "GIT_AUTHOR_DATE": author,
            "GIT_COMMITTER_DATE": committer,
            "GIT_AUTHOR_NAME": "Zoe",
            "GIT_AUTHOR_EMAIL": "zoe@example.com",
            "GIT_COMMITTER_NAME": "Zoe",
            "GIT_COMMITTER_EMAIL": "zoe@example.com",
        }
        subprocess.run(["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", f"c{n}"], check=True, env=env)
    got = sorted(
        iter_commits(
            repo / ".git", repo, since=dt.datetime(2026, 1, 1), tips=ref_tips(pushed_refs(repo / ".git", repo))
        ),
        key=lambda c: c.author_date,
    )
    assert [(c.author_date, c.committer_date) for c in got] == [
        (dt.datetime(2026, 6, 1, 8, 0), dt.datetime(2026, 6, 3, 5, 0)),
        (dt.datetime(2026, 6, 3, 0, 0), dt.datetime(2026, 6, 3, 2, 30)),
    ]


def test_output_that_ends_inside_a_commit_is_an_error_not_a_shorter_history() -> None:
    raw = b"\0".join([b"a" * 40, b"ann@example.com", b"Ann", b"2026-06-01 08:00:00"]) + b"\0"
    with pytest.raises(SourceError, match="ended in the middle of a commit"):
        list(parse_log_stream(_Trickle(raw, 7)))  # type: ignore[arg-type]


def test_a_working_tree_and_a_bare_repository_are_located_and_named_without_git(make_repo, tmp_path: Path) -> None:
    repo: Repo = make_repo("app")
    repo.commit("Ann", "ann@example.com", NOW)
    bare = tmp_path / "app.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True, env=repo.env())
    assert locate(repo.path) == (repo.path.resolve() / ".git", repo.path.resolve())
    assert locate(bare) == (bare.resolve(), bare.resolve())
    assert (repository_name(repo.path), repository_name(bare), repository_name(tmp_path / ".git")) == (
        "app",
        "app",
        ".git",
    )


def test_a_plain_directory_inside_a_repository_is_not_taken_for_it(make_repo, tmp_path: Path) -> None:
    repo: Repo = make_repo("app")
    inside = repo.path / "docs"
    inside.mkdir()
    with pytest.raises(SourceError) as refused:
        locate(inside)
    assert refused.value.message == f"{inside.resolve()}: not a git repository"
    with pytest.raises(SourceError, match="not a directory"):
        locate(tmp_path / "missing")


def test_a_clone_without_a_remote_reads_its_branches_and_tags_and_no_tagged_tree(make_repo) -> None:
    repo: Repo = make_repo("local")
    main = repo.commit("Ann", "ann@example.com", NOW - 2 * DAY)
    repo.git("checkout", "-q", "-b", "topic")
    topic = repo.commit("Bob", "bob@example.com", NOW - DAY, file="b.txt")
    repo.git("tag", "v1", main)
    repo.git("tag", "tree-tag", repo.git("rev-parse", "main^{tree}"))  # a tag of a tree: no history
    repo.git("update-ref", "refs/pull/1/head", topic)
    git_dir, work = locate(repo.path)
    refs = pushed_refs(git_dir, work)
    assert refs == {"refs/heads/main": main, "refs/heads/topic": topic, "refs/tags/v1": main}
    assert ref_tips(refs) == sorted({main, topic})


def test_ref_patterns_take_a_glob_or_a_prefix_ending_at_a_slash(make_repo) -> None:
    repo: Repo = make_repo("pats")
    main = repo.commit("Ann", "ann@example.com", NOW)
    for ref in ("refs/pull/1/head", "refs/pull/1/merge", "refs/heads-old/x", "refs/heads/release/1"):
        repo.git("update-ref", ref, main)
    git_dir, work = locate(repo.path)
    assert set(pushed_refs(git_dir, work, ["refs/heads"])) == {"refs/heads/main", "refs/heads/release/1"}, (
        "a prefix stops at a slash: refs/heads-old is not under refs/heads"
    )
    assert set(pushed_refs(git_dir, work, ["refs/pull/*/head", "refs/heads/main"])) == {
        "refs/pull/1/head",
        "refs/heads/main",
    }


def test_commits_are_read_from_the_tips_after_since_minus_what_exclude_reaches(make_repo) -> None:
    repo: Repo = make_repo("walk")
    old = repo.commit("Old", "old@example.com", NOW - 30 * DAY)
    seen = repo.commit("Seen", "seen@example.com", NOW - 5 * DAY)
    new = repo.commit("New", "New@Example.com", NOW - DAY)
    git_dir, work = locate(repo.path)
    tips = ref_tips(pushed_refs(git_dir, work))

    def shas(**kw: object) -> list[str]:
        return [c.sha for c in iter_commits(git_dir, work, tips=tips, **kw)]  # type: ignore[arg-type]

    assert shas(since=NOW - 10 * DAY) == [new, seen], "newest first, none committed before since"
    assert shas(since=NOW - 60 * DAY, exclude=[seen]) == [new], "what the last run read is excluded"
    assert shas(since=NOW - 60 * DAY) == [new, seen, old]
    assert [c.author_email for c in iter_commits(git_dir, work, since=NOW - 2 * DAY, tips=tips)] == ["new@example.com"]
    assert list(iter_commits(git_dir, work, since=NOW - 60 * DAY, tips=[])) == []


def test_a_corrupt_repository_is_a_source_error_with_gits_own_complaint(make_repo) -> None:
    repo: Repo = make_repo("broken")
    first = repo.commit("Ann", "ann@example.com", NOW - 2 * DAY)
    repo.commit("Bob", "bob@example.com", NOW - DAY)
    (repo.path / ".git" / "objects" / first[:2] / first[2:]).unlink()
    git_dir, work = locate(repo.path)
    with pytest.raises(SourceError) as failed:
        list(iter_commits(git_dir, work, since=NOW - 60 * DAY, tips=ref_tips(pushed_refs(git_dir, work))))
    message = failed.value.message
    assert message.startswith(f"{work}: git log failed: ") and first in message, message
