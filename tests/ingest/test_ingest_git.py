"""``ingest git`` on real repositories made with git in the test."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ingest_gitrepo import NOW, Repo
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.ingest import git as git_ingest
from seatledger.ingest.git import GitOptions, ingest_git

RECENT = NOW - dt.timedelta(days=10)
OLD = NOW - dt.timedelta(days=200)


def _setup(engine: Engine) -> tuple[int, int]:
    with engine.begin() as conn:
        ledger = Ledger(conn)
        eid = ledger.add_enterprise("acme", created_at=NOW - dt.timedelta(days=400))
        oid = ledger.add_org(eid, "acme-org", created_at=NOW - dt.timedelta(days=400))
        return eid, oid


def _opts(**kw: object) -> GitOptions:
    return GitOptions(org="acme-org", now=NOW, **kw)  # type: ignore[arg-type]


def _commits(engine: Engine) -> dict[str, tuple[str, dt.datetime, dt.datetime]]:
    c = t.commits
    with engine.connect() as conn:
        return {
            r.sha: (r.author_email, r.author_date, r.pushed_at)
            for r in conn.execute(sa.select(c.c.sha, c.c.author_email, c.c.author_date, c.c.pushed_at))
        }


def _logins(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(t.users.c.login)).scalars())


def _row_counts(engine: Engine) -> dict[str, int]:
    names = ("users", "user_emails", "org_memberships", "repositories", "commits", "organizations")
    with engine.connect() as conn:
        return {
            n: conn.execute(sa.select(sa.func.count()).select_from(t.metadata.tables[n])).scalar_one() for n in names
        }


def test_recent_commits_are_recorded_with_committer_date_as_pushed_at_and_old_ones_skipped(
    engine: Engine, make_repo
) -> None:
    _setup(engine)
    repo: Repo = make_repo("app")
    old = repo.commit("Bob", "bob@example.com", OLD)
    rebased = repo.commit("Bob", "bob@example.com", OLD, committed=RECENT)
    recent = repo.commit("Alice", "Alice@Example.com", RECENT)

    result = ingest_git(engine, [repo.path], _opts())

    got = _commits(engine)
    assert set(got) == {rebased, recent}, "the 200-day-old commit is outside the window"
    assert got[rebased] == ("bob@example.com", OLD, RECENT), "author date kept, pushed_at = committer date"
    assert got[recent][0] == "alice@example.com"
    assert result.report.created["commit"] == 2 and result.exit_code == 0
    with engine.connect() as conn:
        r = conn.execute(sa.select(t.repositories)).one()
    assert (r.owner_login, r.name, r.visibility) == ("acme-org", "app", "private")
    assert old not in got


def test_branches_and_merges_are_all_read(engine: Engine, make_repo) -> None:
    _setup(engine)
    repo: Repo = make_repo("app")
    repo.commit("Alice", "alice@example.com", RECENT - dt.timedelta(days=3))
    repo.git("checkout", "-q", "-b", "feature")
    feature = repo.commit("Carol", "carol@example.com", RECENT - dt.timedelta(days=2), file="g.txt")
    repo.git("checkout", "-q", "-b", "side", "main")
    side = repo.commit("Dan", "dan@example.com", RECENT - dt.timedelta(days=1), file="h.txt")
    repo.git("checkout", "-q", "main")
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "merge",
        "feature",
        env=repo.env(RECENT),
        name="Alice",
        email="alice@example.com",
    )
    merge = repo.git("rev-parse", "HEAD")

    ingest_git(engine, [repo.path], _opts())

    got = _commits(engine)
    assert {feature, side, merge} <= set(got), "commits of every branch and the merge commit itself"
    assert len(got) == 4


def test_mailmap_folds_an_author_into_one_identity_and_one_created_person(engine: Engine, make_repo) -> None:
    _setup(engine)
    repo: Repo = make_repo("app")
    (repo.path / ".mailmap").write_text("Alice Liddell <alice@example.com> <alice@old-laptop.local>\n")
    repo.git("add", ".mailmap")
    repo.commit("Alice", "alice@example.com", RECENT)
    repo.commit("alice", "alice@old-laptop.local", RECENT + dt.timedelta(hours=1))

    result = ingest_git(engine, [repo.path], _opts(create_people=True))

    emails = {e for e, _a, _p in _commits(engine).values()}
    assert emails == {"alice@example.com"}
    assert _logins(engine) == {"alice"}
    with engine.connect() as conn:
        u = conn.execute(sa.select(t.users.c.name, t.users.c.id)).one()
        e = conn.execute(sa.select(t.user_emails.c.email, t.user_emails.c.verified)).one()
    assert u.name == "Alice Liddell" and e == ("alice@example.com", True)
    assert result.report.created["user"] == 1


def test_create_people_makes_unknown_authors_members_but_never_bots(engine: Engine, make_repo) -> None:
    _, org_id = _setup(engine)
    repo: Repo = make_repo("app")
    repo.commit("Carol", "carol@example.com", RECENT - dt.timedelta(days=5))
    repo.commit("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com", RECENT)
    repo.commit("GitHub", "noreply@github.com", RECENT)

    ingest_git(engine, [repo.path], _opts(create_people=True))

    assert _logins(engine) == {"carol"}
    with engine.connect() as conn:
        m = conn.execute(sa.select(t.org_memberships)).one()
    assert (m.organization_id, m.role, m.ended_at) == (org_id, "member", None)
    assert m.started_at == RECENT - dt.timedelta(days=5), "a member since their first commit seen"


def test_without_create_people_unknown_authors_are_listed_as_unattributed(engine: Engine, make_repo) -> None:
    eid, _ = _setup(engine)
    with engine.begin() as conn:
        Ledger(conn).add_user(eid, "alice", emails=["alice@example.com"], unverified_emails=["carol@example.com"])
    repo: Repo = make_repo("app")
    repo.commit("Alice", "alice@example.com", RECENT)
    repo.commit("Carol", "carol@example.com", RECENT)

    result = ingest_git(engine, [repo.path], _opts())

    assert _logins(engine) == {"alice"}
    assert any(n.startswith("unattributed: carol@example.com") for n in result.report.notes), (
        "an unverified email does not attribute a commit"
    )
    assert not any("alice@example.com" in n for n in result.report.notes)


def test_importing_the_same_repository_twice_changes_nothing(engine: Engine, make_repo) -> None:
    _setup(engine)
    repo: Repo = make_repo("app")
    repo.commit("Carol", "carol@example.com", RECENT)
    ingest_git(engine, [repo.path], _opts(create_people=True))
    before = _row_counts(engine)

    again = ingest_git(engine, [repo.path], _opts(create_people=True))

    assert _row_counts(engine) == before
    assert not again.report.changed, again.report.summary()


def test_a_second_run_reads_only_new_commits(engine: Engine, make_repo) -> None:
    _setup(engine)
    repo: Repo = make_repo("app")
    for i in range(3):
        repo.commit("Carol", "carol@example.com", RECENT + dt.timedelta(hours=i))
    ingest_git(engine, [repo.path], _opts())
    new = repo.commit("Carol", "carol@example.com", RECENT + dt.timedelta(days=1))

    second = ingest_git(engine, [repo.path], _opts())

    assert second.report.created["commit"] == 1
    assert second.report.unchanged["commit"] == 0, "old commits were not read again"
    assert new in _commits(engine)


def test_a_force_push_that_removed_the_old_tip_falls_back_to_the_whole_window(engine: Engine, make_repo) -> None:
    _setup(engine)
    repo: Repo = make_repo("app")
    first = repo.commit("Carol", "carol@example.com", RECENT)
    repo.commit("Carol", "carol@example.com", RECENT + dt.timedelta(hours=1))
    ingest_git(engine, [repo.path], _opts())
    repo.git("reset", "-q", "--hard", first)
    rewritten = repo.commit("Dan", "dan@example.com", RECENT + dt.timedelta(hours=2))
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")

    result = ingest_git(engine, [repo.path], _opts())

    assert result.exit_code == 0
    assert rewritten in _commits(engine)
    assert any("re-read the whole window" in n for n in result.report.notes)


def test_a_corrupt_repository_and_a_plain_directory_are_skipped_and_the_others_ingested(
    engine: Engine, make_repo, tmp_path: Path
) -> None:
    _setup(engine)
    good: Repo = make_repo("good")
    good_sha = good.commit("Carol", "carol@example.com", RECENT)
    broken: Repo = make_repo("broken")
    sha = broken.commit("Dan", "dan@example.com", RECENT)
    (broken.path / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    plain = tmp_path / "repos" / "plain"
    plain.mkdir()

    result = ingest_git(engine, [broken.path, plain, good.path], _opts(create_people=True))

    assert result.succeeded == 1 and result.exit_code == 0
    assert {Path(item).name for item, _reason in result.failed} == {"broken", "plain"}
    assert set(_commits(engine)) == {good_sha}
    with engine.connect() as conn:
        names = set(conn.execute(sa.select(t.repositories.c.name)).scalars())
    assert names == {"good"}, "the corrupt repository's transaction was rolled back whole"
    assert _logins(engine) == {"carol"}


def test_exit_code_is_2_only_when_every_path_failed(engine: Engine, tmp_path: Path) -> None:
    _setup(engine)
    plain = tmp_path / "plain"
    plain.mkdir()
    result = ingest_git(engine, [plain], _opts())
    assert result.exit_code == 2 and result.succeeded == 0


def test_a_bare_repository_is_named_without_its_git_suffix(engine: Engine, make_repo, tmp_path: Path) -> None:
    _setup(engine)
    repo: Repo = make_repo("lib")
    sha = repo.commit("Carol", "carol@example.com", RECENT)
    bare = tmp_path / "lib.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo.path), str(bare)], check=True, env=repo.env())

    ingest_git(engine, [bare], _opts())

    with engine.connect() as conn:
        assert set(conn.execute(sa.select(t.repositories.c.name)).scalars()) == {"lib"}
    assert set(_commits(engine)) == {sha}


def test_enable_turns_products_on_so_the_repository_has_active_committers(engine: Engine, make_repo) -> None:
    from seatledger.licensing.advanced_security import committer_totals
    from seatledger.licensing.scope import Scope

    _setup(engine)
    repo: Repo = make_repo("app")
    repo.commit("Carol", "carol@example.com", RECENT)
    repo.commit("Dan", "dan@example.com", RECENT)

    ingest_git(engine, [repo.path], _opts(create_people=True, enable=frozenset({"code_security"})))

    with engine.connect() as conn:
        r = conn.execute(sa.select(t.repositories)).one()
        assert (r.code_security_enabled, r.secret_protection_enabled) == (True, False)
        totals = committer_totals(conn, Scope.repo("acme-org/app"), "code_security", as_of=NOW)
    assert totals.total_committers == 2


def test_a_rerun_with_create_people_attributes_authors_listed_as_unattributed_before(engine: Engine, make_repo) -> None:
    _setup(engine)
    repo: Repo = make_repo("app")
    repo.commit("Carol", "carol@example.com", RECENT)
    first = ingest_git(engine, [repo.path], _opts())
    assert _logins(engine) == set() and any("carol@example.com" in n for n in first.report.notes)

    second = ingest_git(engine, [repo.path], _opts(create_people=True))

    assert _logins(engine) == {"carol"}
    assert second.report.created["user"] == 1 and not second.report.created["commit"]


def test_a_repository_of_many_batches_is_written_whole_by_the_writer_thread(
    engine: Engine, make_repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches after the first are written in a second thread while git is read: every
    commit arrives, once, with its dates."""
    monkeypatch.setattr(git_ingest, "WRITE_BATCH", 2)
    repo = make_repo("many")
    shas = [repo.commit("Ann", "ann@example.com", NOW - dt.timedelta(days=1, minutes=i)) for i in range(7)]

    result = ingest_git(engine, [repo.path], _opts(enterprise="acme"))

    assert result.report.created["commit"] == 7
    recorded = _commits(engine)
    assert set(recorded) == set(shas)
    assert recorded[shas[0]] == ("ann@example.com", NOW - dt.timedelta(days=1), NOW - dt.timedelta(days=1))


def test_a_failure_after_batches_were_written_leaves_no_commit_and_no_writer(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The git output breaks after three batches went to the writer thread: the error reaches
    the caller only after the batch in flight is done, and the transaction leaves nothing."""
    import threading

    from seatledger.errors import SourceError
    from seatledger.ingest.git_log import GitCommit
    from seatledger.ingest.report import ImportReport

    monkeypatch.setattr(git_ingest, "WRITE_BATCH", 2)
    with engine.begin() as conn:
        ledger = Ledger(conn)
        enterprise = ledger.add_enterprise("acme")
        org = ledger.add_org(enterprise, "acme-org")
        repo_id, _ = ledger.upsert_repo(enterprise, "acme-org", "broken", org_id=org)

    def broken_log():
        for i in range(7):
            yield GitCommit(f"{i:040x}", "ann@example.com", "Ann", NOW, NOW)
        raise SourceError("git log output ended in the middle of a commit")

    report = ImportReport(source="test")
    with pytest.raises(SourceError, match="middle of a commit"):
        with engine.begin() as conn:
            git_ingest._record_commits(Ledger(conn), repo_id, broken_log(), report, None, new_repository=True)

    assert report.created["commit"] == 6, "three batches of two were written before the failure"
    assert _commits(engine) == {}
    assert not [th for th in threading.enumerate() if th.name.startswith("commit-writer")]


def _hosted_repository(make_repo) -> tuple[Repo, dict[str, str]]:
    """A repository as GitHub holds it: a branch and an annotated tag pushed to it, plus the
    hidden refs a mirror clone also fetches: a fork's pull request head, a review tool's ref
    and git notes, whose commits are by people who never pushed here."""
    repo: Repo = make_repo("upstream")
    shas = {"main": repo.commit("Alice", "alice@example.com", RECENT)}
    repo.git("checkout", "-q", "-b", "release")
    shas["tagged"] = repo.commit("Tess", "tess@example.com", RECENT + dt.timedelta(hours=1), file="t.txt")
    repo.git("tag", "-a", "-m", "v1", "v1")
    repo.git("checkout", "-q", "main")
    repo.git("branch", "-q", "-D", "release")  # only the tag keeps Tess's commit
    for ref, (name, email) in {
        "refs/pull/1/head": ("Fork", "fork@example.com"),
        "refs/reviewable/pr1/r1": ("Rev", "rev@example.com"),
        "refs/merge-requests/2/head": ("Mr", "mr@example.com"),
    }.items():
        repo.git("checkout", "-q", "-b", "tmp")
        shas[ref] = repo.commit(name, email, RECENT + dt.timedelta(hours=2), file=f"{name}.txt")
        repo.git("update-ref", ref, shas[ref])
        repo.git("checkout", "-q", "main")
        repo.git("branch", "-q", "-D", "tmp")
    repo.git("notes", "add", "-m", "a note", shas["main"], env=repo.env(RECENT), name="Nora", email="nora@example.com")
    return repo, shas


def test_a_mirror_clone_reads_its_branches_and_tags_but_never_pull_request_or_review_refs(
    engine: Engine, make_repo, tmp_path: Path
) -> None:
    _setup(engine)
    upstream, shas = _hosted_repository(make_repo)
    mirror = tmp_path / "upstream.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(upstream.path), str(mirror)], check=True, env=upstream.env())
    refs = subprocess.run(
        ["git", "--git-dir", str(mirror), "for-each-ref", "--format=%(refname)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "refs/pull/1/head" in refs and "refs/notes/commits" in refs, "the mirror holds the hidden refs"

    result = ingest_git(engine, [mirror], _opts(create_people=True))

    assert set(_commits(engine)) == {shas["main"], shas["tagged"]}
    assert _logins(engine) == {"alice", "tess"}, "authors of fork pull requests, reviews and notes are not committers"
    assert result.report.created["commit"] == 2


def test_a_working_clone_reads_its_remote_branches_and_tags_not_unpushed_or_hidden_refs(
    engine: Engine, make_repo, tmp_path: Path
) -> None:
    _setup(engine)
    upstream, shas = _hosted_repository(make_repo)
    clone = Repo.clone(upstream, tmp_path / "clone")
    unpushed = clone.commit("Lou", "lou@example.com", RECENT + dt.timedelta(hours=3))
    clone.git("update-ref", "refs/pull/1/head", shas["refs/pull/1/head"])

    ingest_git(engine, [clone.path], _opts())

    got = set(_commits(engine))
    assert got == {shas["main"], shas["tagged"]}, "origin/main and the tag; not the local commit nor the PR head"
    assert unpushed not in got


def test_refs_option_names_the_refs_read_instead_of_branches_and_tags(
    engine: Engine, make_repo, tmp_path: Path
) -> None:
    _setup(engine)
    upstream, shas = _hosted_repository(make_repo)
    mirror = tmp_path / "upstream.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(upstream.path), str(mirror)], check=True, env=upstream.env())

    ingest_git(engine, [mirror], _opts(refs=("refs/heads", "refs/pull/*/head")))

    assert set(_commits(engine)) == {shas["main"], shas["refs/pull/1/head"]}, "the tag is not asked for"
