"""Indexes the Advanced Security committer engine needs (migrations 0002_ghas_indexes and
0003_ghas_latest_push).

Every committer count starts by reducing the commits pushed in the 90-day window to distinct
(repository, author email) pairs. With (repository_id, pushed_at, author_email) that is an
index-only range scan per licensed repository, so an organization or repository scope reads
only its own commits and an enterprise of five million commits is reduced in about a second
of CPU on SQLite, instead of one random table read per commit.
"""

from __future__ import annotations

from sqlalchemy import Index

from seatledger.db.tables import commits

ix_commits_repo_pushed_email = Index(
    "ix_commits_repo_pushed_email", commits.c.repository_id, commits.c.pushed_at, commits.c.author_email
)

# A person's latest push to a repository (a row of the Advanced Security CSV and of the
# repository breakdowns): one backward probe per (author email, repository) instead of ranking
# every commit of the window. It also serves every look-up by author email, so it replaced the
# plain author_email index of 0001.
ix_commits_author_repo_latest = Index(
    "ix_commits_author_repo_latest",
    commits.c.author_email, commits.c.repository_id, commits.c.author_date, commits.c.sha, commits.c.pushed_at,
)
