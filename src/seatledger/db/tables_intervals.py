"""The license intervals: derived from the facts by the rules in ``db/rules.py`` and kept by
the same transaction as every write (``db/intervals.py``), so counting at any instant is an
indexed interval query. Every row here can be rebuilt from the facts at any time
(``seatledger verify --repair``); nothing else writes them.

- ``seat_reason_intervals``: one row per (person, reason, source row) — the explanation.
- ``seat_spans``: per person the merged span of their reasons, at three scopes: the whole
  enterprise (``scope='e'``), one organization (``'o'``, ``org_id`` set) and Visual Studio
  reasons alone (``'v'``). A seat count is an index-range ``count(*)`` over them.
- ``committer_windows``: per (cloud person, repository) the merged spans
  ``[pushed_at, pushed_at + 90 days)`` of the pushes of their verified emails.
- ``email_windows``: per (repository, author email) the merged spans
  ``[pushed_at, pushed_at + 90 days)`` of its pushes, whoever the email belongs to (the
  worklist of emails that resolve to nobody reads them).
- ``committer_spans``: per person, product and scope, when they count as an active committer
  (their windows cut to the product's enablement and to their seat, merged).
- ``ghas_enablements``: a fact, not derived — when Secret Protection or Code Security was
  enabled on a repository, and until when.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table

from seatledger.db.schema_base import id_column, metadata

_BYTE_ORDERED = String(401).with_variant(String(401, collation="C"), "postgresql")

SCOPE_ENTERPRISE = "e"
SCOPE_ORGANIZATION = "o"
SCOPE_VISUAL_STUDIO = "v"

seat_reason_intervals = Table(
    "seat_reason_intervals",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("user_id", Integer, nullable=True),
    Column("other_key", String(400), nullable=True),
    Column("reason", String(30), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
    Column("org_id", Integer, nullable=True),
    Column("repository_id", Integer, nullable=True),
    Column("source_id", Integer, nullable=False),
    # Covering what a usage month groups by person, in the order it groups them.
    Index(
        "ix_seat_reason_intervals_user",
        "enterprise_id",
        "user_id",
        "other_key",
        "started_at",
        "ended_at",
        "reason",
        "org_id",
    ),
    Index("ix_seat_reason_intervals_key", "enterprise_id", "other_key"),
    Index("ix_seat_reason_intervals_start", "enterprise_id", "started_at"),
    Index("ix_seat_reason_intervals_end", "enterprise_id", "ended_at"),
    # Covering: the people with a reason through an org in a window (an org's usage month).
    Index("ix_seat_reason_intervals_org", "enterprise_id", "org_id", "started_at", "ended_at", "user_id", "other_key"),
)

seat_spans = Table(
    "seat_spans",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("scope", String(1), nullable=False),
    Column("org_id", Integer, nullable=False, default=0),  # 0 unless scope is 'o'
    Column("user_id", Integer, nullable=True),
    Column("other_key", String(400), nullable=True),
    # The order people are listed in: "0" + login for a cloud account, "1" + other_key after
    # them; byte order on both databases, so a page is an index walk.
    Column("sort_key", _BYTE_ORDERED, nullable=True),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
    # The end of the same person's previous span at this scope (NULL for their first): a span
    # overlapping a window is the person's first there when this is at or before the window's
    # start, so "people at any instant of a window" is a count(*), not a count(DISTINCT).
    Column("previous_ended_at", DateTime, nullable=True),
    # Covering: every total at an instant (who holds, of what kind, and the month's billable)
    # is one walk of this index.
    Index(
        "ix_seat_spans_count",
        "enterprise_id",
        "scope",
        "org_id",
        "started_at",
        "ended_at",
        "previous_ended_at",
        "user_id",
        "other_key",
    ),
    # Covering: a page walks it in order and tests each span's instant without the table.
    Index(
        "ix_seat_spans_order",
        "enterprise_id",
        "scope",
        "org_id",
        "sort_key",
        "started_at",
        "ended_at",
        "user_id",
        "other_key",
    ),
    # The spans that end in a range (a history's sweep).
    Index("ix_seat_spans_ends", "enterprise_id", "scope", "org_id", "ended_at", "started_at"),
    # A person's spans at a scope (the Visual Studio probe of an org's count): with the scope
    # in the key the planner prefers it to walking every span of the scope.
    Index("ix_seat_spans_user", "enterprise_id", "user_id", "scope", "org_id", "started_at"),
    Index("ix_seat_spans_key", "enterprise_id", "other_key", "scope", "org_id", "started_at"),
)

committer_windows = Table(
    "committer_windows",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("repository_id", Integer, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    # "Now" reads the few windows not yet ended; a past instant those ended after it.
    Index("ix_committer_windows_at", "enterprise_id", "ended_at", "started_at", "repository_id", "user_id"),
    Index("ix_committer_windows_user", "enterprise_id", "user_id"),
    Index("ix_committer_windows_repo", "repository_id", "started_at"),
)

email_windows = Table(
    "email_windows",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("repository_id", Integer, nullable=False),
    Column("author_email", String(320), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    # Covering: the emails pushed in the window before an instant read no row.
    Index("ix_email_windows_at", "enterprise_id", "ended_at", "started_at", "repository_id", "author_email"),
    Index("ix_email_windows_email", "enterprise_id", "author_email"),
)

# Where a person is an active committer, per product ("any": every private or internal
# repository, for the maximum if enabled everywhere) and scope key: "" the enterprise,
# "o:<org id>", "u:<owner login>" (a user namespace), "r:<repository id>" (whose rows also
# carry the repository's namespace key). Windows cut to the product's enablement and to the
# person's seat, merged: a count at an instant is an index-range count(*).
committer_spans = Table(
    "committer_spans",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("product", String(30), nullable=False),
    Column("scope_key", String(120), nullable=False),
    Column("namespace", String(120), nullable=True),
    Column("repository_id", Integer, nullable=True),  # set on "r:" rows
    Column("user_id", Integer, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    # Covering: a count at an instant, and the people of a range of scope keys (every org's).
    Index("ix_committer_spans_at", "enterprise_id", "product", "scope_key", "ended_at", "started_at", "user_id"),
    # Covering: the other repositories of the people active in an org or repository (its
    # "unique committers") read no row.
    Index(
        "ix_committer_spans_user",
        "enterprise_id",
        "user_id",
        "product",
        "ended_at",
        "started_at",
        "repository_id",
        "namespace",
        "scope_key",
    ),
    # Covering: "repositories with committers" in a namespace or the enterprise, and the people
    # active in a namespace, read no row.
    Index(
        "ix_committer_spans_namespace",
        "enterprise_id",
        "product",
        "namespace",
        "ended_at",
        "started_at",
        "scope_key",
        "user_id",
    ),
    Index("ix_committer_spans_repo", "repository_id", "product", "ended_at"),
)

ghas_enablements = Table(
    "ghas_enablements",
    metadata,
    id_column(),
    Column("repository_id", ForeignKey("repositories.id"), nullable=False),
    Column("product", String(30), nullable=False),  # secret_protection | code_security
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
    Index("ix_ghas_enablements_repo", "repository_id", "product", "started_at"),
    # The enablements that start or end in a range (the changes of a period).
    Index("ix_ghas_enablements_starts", "product", "started_at"),
    Index("ix_ghas_enablements_ends", "product", "ended_at"),
)

interval_checks = Table(
    "interval_checks",
    metadata,
    # The last `seatledger verify` of an enterprise: when, how many differences, repaired or not.
    Column("enterprise_id", ForeignKey("enterprises.id"), primary_key=True),
    Column("checked_at", DateTime, nullable=False),
    Column("differences", Integer, nullable=False),
    Column("repaired", Boolean, nullable=False, default=False),
)


# The tables every count reads (derived, and the enablements they are cut to).
COUNTED = (seat_reason_intervals, seat_spans, committer_windows, email_windows, committer_spans, ghas_enablements)
