"""Deriving ``committer_spans``: when each person counts as an active committer, per product
and scope (spec 2.2), from the kept committer windows, the repositories' enablement history
and visibility, and the person's seat spans.

A person counts for a product at an instant when one of their windows on a repository holds
then, the product is enabled on it then, the repository costs a license (not public, unless
the enterprise is on data residency) and the person holds a seat then. So their span on one
repository is the intersection of the three intervals, and their span at a wider scope is the
union of those, merged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger.db import rules
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti

PRODUCTS = ("code_security", "secret_protection")
ANY_REPOSITORY = "any"  # every private or internal repository: the maximum if enabled everywhere
FOREVER = rules.FOREVER
_CHUNK = 900
_INSERT_CHUNK = 5000

Interval = rules.Interval
merge = rules.merge_spans


def enterprise_key() -> str:
    return ""


def org_key(org_id: int) -> str:
    return f"o:{org_id}"


def namespace_key(owner_login: str) -> str:
    return f"u:{owner_login}"


def repository_key(repository_id: int) -> str:
    return f"r:{repository_id}"


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def expected(
    conn: Connection,
    enterprise_id: int,
    user_ids: tuple[int, ...] | None,
    *,
    windows: list[Any] | None = None,
    seat_spans: list[tuple[int, dt.datetime, dt.datetime | None]] | None = None,
) -> list[dict[str, Any]]:
    """The rows ``committer_spans`` should hold for ``user_ids`` (None: the whole enterprise),
    from the kept windows and seat spans, or from ``windows`` (user_id, repository_id,
    started_at, ended_at) and ``seat_spans`` (user_id, started_at, ended_at) given (verify
    derives them afresh)."""
    w, r, ge, s, e = ti.committer_windows, t.repositories, ti.ghas_enablements, ti.seat_spans, t.enterprises
    windows_q = sa.select(w.c.user_id, w.c.repository_id, w.c.started_at, w.c.ended_at).where(
        w.c.enterprise_id == enterprise_id
    )
    seats_q = sa.select(s.c.user_id, s.c.started_at, s.c.ended_at).where(
        s.c.enterprise_id == enterprise_id, s.c.scope == ti.SCOPE_ENTERPRISE, s.c.user_id.is_not(None)
    )
    if windows is not None and seat_spans is not None:
        seat_rows = seat_spans
    elif user_ids is None:
        windows = [tuple(row) for row in conn.execute(windows_q)]
        seat_rows = [tuple(row) for row in conn.execute(seats_q)]
    else:
        windows, seat_rows = [], []
        for chunk in _chunks(list(user_ids)):
            windows += [tuple(row) for row in conn.execute(windows_q.where(w.c.user_id.in_(chunk)))]
            seat_rows += [tuple(row) for row in conn.execute(seats_q.where(s.c.user_id.in_(chunk)))]
    if not windows:
        return []
    seats: dict[int, list[Interval]] = defaultdict(list)
    for user_id, started, ended in seat_rows:
        seats[user_id].append((started, ended or FOREVER))
    residency = bool(conn.execute(sa.select(e.c.data_residency).where(e.c.id == enterprise_id)).scalar())
    repo_ids = sorted({repository_id for _user, repository_id, _start, _end in windows})
    repos: dict[int, tuple[str, bool]] = {}
    enabled: dict[tuple[int, str], list[Interval]] = defaultdict(list)
    for chunk in _chunks(repo_ids):
        for row in conn.execute(
            sa.select(r.c.id, r.c.organization_id, r.c.owner_login, r.c.visibility).where(r.c.id.in_(chunk))
        ):
            namespace = (
                org_key(row.organization_id) if row.organization_id is not None else namespace_key(row.owner_login)
            )
            repos[row.id] = (namespace, residency or row.visibility != "public")
        for row in conn.execute(
            sa.select(ge.c.repository_id, ge.c.product, ge.c.started_at, ge.c.ended_at).where(
                ge.c.repository_id.in_(chunk)
            )
        ):
            enabled[(row.repository_id, row.product)].append((row.started_at, row.ended_at or FOREVER))
    spans: dict[tuple[str, str, int], list[Interval]] = defaultdict(list)
    namespaces: dict[str, str] = {}
    for user_id, repository_id, window_start, window_end in windows:
        namespace, costs = repos.get(repository_id, ("", False))
        if not costs:
            continue
        keys = (enterprise_key(), namespace, repository_key(repository_id))
        namespaces[keys[2]] = namespace
        for seat_start, seat_end in seats.get(user_id, ()):
            start, end = max(window_start, seat_start), min(window_end, seat_end)
            if start >= end:
                continue
            for key in keys:
                spans[(ANY_REPOSITORY, key, user_id)].append((start, end))
            for product in PRODUCTS:
                for on, off in enabled.get((repository_id, product), ()):
                    a, b = max(start, on), min(end, off)
                    if a < b:
                        for key in keys:
                            spans[(product, key, user_id)].append((a, b))
    return [
        {
            "enterprise_id": enterprise_id,
            "product": product,
            "scope_key": key,
            "namespace": namespaces.get(key),
            "repository_id": int(key[2:]) if key.startswith("r:") else None,
            "user_id": user_id,
            "started_at": start,
            "ended_at": end,
        }
        for (product, key, user_id), intervals in spans.items()
        for start, end in merge(intervals)
    ]


def derive(conn: Connection, enterprise_id: int, user_ids: tuple[int, ...] | None) -> None:
    """Replace the committer spans of ``user_ids`` (None: the whole enterprise)."""
    cs = ti.committer_spans
    if user_ids is None:
        conn.execute(sa.delete(cs).where(cs.c.enterprise_id == enterprise_id))
    else:
        for chunk in _chunks(list(user_ids)):
            conn.execute(sa.delete(cs).where(cs.c.enterprise_id == enterprise_id, cs.c.user_id.in_(chunk)))
    rows = expected(conn, enterprise_id, user_ids)
    for i in range(0, len(rows), _INSERT_CHUNK):
        conn.execute(sa.insert(cs), rows[i : i + _INSERT_CHUNK])


def users_on(conn: Connection, repository_ids: Iterable[int]) -> set[int]:
    """The people with a committer window on these repositories (whose spans hang on them)."""
    w = ti.committer_windows
    found: set[int] = set()
    for chunk in _chunks(sorted(set(repository_ids))):
        found.update(conn.execute(sa.select(w.c.user_id).where(w.c.repository_id.in_(chunk)).distinct()).scalars())
    return found


def stored(conn: Connection, enterprise_id: int) -> list[tuple[Any, ...]]:
    cs = ti.committer_spans
    return [
        tuple(row)
        for row in conn.execute(
            sa.select(cs.c.product, cs.c.scope_key, cs.c.namespace, cs.c.user_id, cs.c.started_at, cs.c.ended_at).where(
                cs.c.enterprise_id == enterprise_id
            )
        )
    ]


def as_tuples(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(x["product"], x["scope_key"], x["namespace"], x["user_id"], x["started_at"], x["ended_at"]) for x in rows]
