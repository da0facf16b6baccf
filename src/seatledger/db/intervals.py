"""Keeping the license intervals (``db/tables_intervals.py``) true to the facts.

Every write names what it touched (:func:`mark`: these people, these committers, or the
whole enterprise); when the transaction commits, the same transaction first re-derives the
intervals of exactly those with the rules of ``db/rules.py`` (:func:`flush`, run by the
engine's ``commit`` hook that :func:`keep_on_commit` installs). Reading inside a transaction
that wrote flushes first, so a transaction sees its own writes. A write that names nothing
more precise marks its whole enterprise: forgetting costs time, never correctness.

:func:`verify` derives everything again set-wise and compares it with what is kept.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from seatledger.db import committer_spans, rules, statistics
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.streaming import stream_rows

# Past this many people touched by one transaction, re-deriving the whole enterprise is simpler
# and no slower than naming them all in IN lists.
MAX_NAMED_PEOPLE = 2000
FOREVER = rules.FOREVER
_PENDING_KEY = "seatledger.intervals"
_INSERT_CHUNK = 5000


@dataclass
class _Pending:
    seats_everyone: bool = False
    committers_everyone: bool = False
    user_ids: set[int] = field(default_factory=set)
    key_suffixes: set[str] = field(default_factory=set)
    committer_user_ids: set[int] = field(default_factory=set)
    committer_emails: set[str] = field(default_factory=set)
    repository_ids: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.seats_everyone
            or self.committers_everyone
            or self.user_ids
            or self.key_suffixes
            or self.committer_user_ids
            or self.committer_emails
            or self.repository_ids
        )


def _pending(conn: Connection) -> dict[int, _Pending]:
    """What the connection's current transaction has touched, per enterprise (live)."""
    txn = conn.get_transaction()
    state = conn.info.get(_PENDING_KEY)
    if state is None or state[0] is not txn:
        state = (txn, {})
        conn.info[_PENDING_KEY] = state
    return state[1]


def mark(
    conn: Connection,
    enterprise_id: int,
    *,
    everyone: bool = False,
    seats_everyone: bool = False,
    users: Iterable[int | None] = (),
    keys: Iterable[str | None] = (),
    committers: Iterable[int | None] = (),
    committer_emails: Iterable[str | None] = (),
    repos: Iterable[int | None] = (),
) -> None:
    """Record that this transaction changed facts behind these intervals of the enterprise:
    ``everyone`` (all of them), ``seats_everyone`` (every seat reason: an enterprise setting),
    the seat reasons of ``users`` and of the ``server:``/``invite:`` people ``keys``, the
    committer windows of ``committers`` and of whoever owns ``committer_emails``, and the
    committer spans of whoever pushed to ``repos`` (their enablement or visibility changed)."""
    p = _pending(conn).setdefault(enterprise_id, _Pending())
    p.seats_everyone |= everyone or seats_everyone
    p.committers_everyone |= everyone
    p.user_ids.update(u for u in users if u is not None)
    p.key_suffixes.update(k for k in keys if k)
    p.committer_user_ids.update(u for u in committers if u is not None)
    p.committer_emails.update(e for e in committer_emails if e)
    p.repository_ids.update(r for r in repos if r is not None)


# Tables whose rows the rules read: a bulk insert into one of them that names no enterprise
# marks every enterprise.
RULE_TABLES = frozenset(
    {
        "enterprises",
        "enterprise_products",
        "organizations",
        "users",
        "user_emails",
        "org_memberships",
        "repositories",
        "repo_collaborators",
        "invitations",
        "commits",
        "server_instances",
        "server_accounts",
        "vs_subscriptions",
    }
)
_EVERY_ENTERPRISE = -1


def mark_every_enterprise(conn: Connection) -> None:
    """Record that this transaction changed facts of enterprises it did not name (a bulk load):
    every enterprise's intervals are derived again at commit."""
    mark(conn, _EVERY_ENTERPRISE, everyone=True)


def flush(conn: Connection) -> None:
    """Re-derive what this transaction touched (a no-op when it touched nothing)."""
    state = conn.info.get(_PENDING_KEY)
    if state is None or state[0] is not conn.get_transaction() or not state[1]:
        return
    touched = state[1]
    if touched.pop(_EVERY_ENTERPRISE, None) is not None:
        for enterprise_id in conn.execute(sa.select(t.enterprises.c.id)).scalars().all():
            touched[enterprise_id] = _Pending(seats_everyone=True, committers_everyone=True)
    while touched:
        enterprise_id, p = touched.popitem()
        if p:
            _apply(conn, enterprise_id, p)


def keep_on_commit(engine: Engine) -> None:
    """Install the hook: every commit on ``engine`` first flushes what it touched. What a
    rolled-back transaction touched is forgotten with it (the marks are kept per transaction)."""

    def before_commit(conn: Connection) -> None:
        flush(conn)

    event.listen(engine, "commit", before_commit)


def _apply(conn: Connection, enterprise_id: int, p: _Pending) -> None:
    if conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.id == enterprise_id)).first() is None:
        return
    if p.key_suffixes and not p.seats_everyone:
        # An invitation to a login or an email resolves to whoever has it: when a key moves to
        # another account, the one it resolved to before must be derived again too.
        p.user_ids |= _holders_of_keys(conn, enterprise_id, p.key_suffixes)
    named = len(p.user_ids) + len(p.key_suffixes)
    everyone = p.seats_everyone or named > MAX_NAMED_PEOPLE
    if everyone:
        derive_seats(conn, enterprise_id, rules.EVERYONE)
    elif named:
        derive_seats(conn, enterprise_id, rules.People(tuple(sorted(p.user_ids)), tuple(sorted(p.key_suffixes))))
    if p.committers_everyone or len(p.committer_emails) > MAX_NAMED_PEOPLE:
        derive_email_windows(conn, enterprise_id, None)
    elif p.committer_emails:
        derive_email_windows(conn, enterprise_id, tuple(sorted(p.committer_emails)))
    committers = set(p.committer_user_ids)
    if p.committer_emails and not p.committers_everyone:
        committers |= _owners_of(conn, enterprise_id, p.committer_emails)
    if p.committers_everyone:
        record_enablements(conn, enterprise_id)
    if p.committers_everyone or len(committers) > MAX_NAMED_PEOPLE:
        derive_committers(conn, enterprise_id, None)
        everyone = True
    elif committers:
        derive_committers(conn, enterprise_id, tuple(sorted(committers)))
    # Committer spans hang on the seat spans, the windows and the repositories: derived last.
    spans_of = None if everyone else p.user_ids | committers | committer_spans.users_on(conn, p.repository_ids)
    if spans_of is None or len(spans_of) > MAX_NAMED_PEOPLE:
        committer_spans.derive(conn, enterprise_id, None)
        statistics.analyze(conn, ti.committer_spans)
    elif spans_of:
        committer_spans.derive(conn, enterprise_id, tuple(sorted(spans_of)))


def _holders_of_keys(conn: Connection, enterprise_id: int, keys: set[str]) -> set[int]:
    """The accounts whose login or any email is one of ``keys``."""
    u = t.users
    found = _owners_of(conn, enterprise_id, keys)
    ordered = sorted(keys)
    for i in range(0, len(ordered), 900):
        found.update(
            conn.execute(
                sa.select(u.c.id).where(u.c.enterprise_id == enterprise_id, u.c.login.in_(ordered[i : i + 900]))
            ).scalars()
        )
    return found


def _owners_of(conn: Connection, enterprise_id: int, emails: set[str]) -> set[int]:
    ue, u = t.user_emails, t.users
    found: set[int] = set()
    ordered = sorted(emails)
    for i in range(0, len(ordered), 900):
        found.update(
            conn.execute(
                sa.select(ue.c.user_id)
                .join(u, u.c.id == ue.c.user_id)
                .where(ue.c.email.in_(ordered[i : i + 900]), u.c.enterprise_id == enterprise_id)
            ).scalars()
        )
    return found


def rebuild(conn: Connection, enterprise_id: int) -> None:
    """Derive every interval of the enterprise again from the facts."""
    record_enablements(conn, enterprise_id)
    derive_seats(conn, enterprise_id, rules.EVERYONE)
    derive_email_windows(conn, enterprise_id, None)
    derive_committers(conn, enterprise_id, None)
    committer_spans.derive(conn, enterprise_id, None)
    statistics.analyze(conn, ti.committer_spans)


def record_enablements(conn: Connection, enterprise_id: int) -> None:
    """Give the repositories' product flags a history where a bulk load set them without one:
    a flag that is on with no open enablement was on since the repository was made; an open
    enablement whose flag is off ends now."""
    r, ge = t.repositories, ti.ghas_enablements
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    for product in ("secret_protection", "code_security"):
        flag = r.c[f"{product}_enabled"]
        is_open = sa.and_(ge.c.repository_id == r.c.id, ge.c.product == product, ge.c.ended_at.is_(None))
        conn.execute(
            sa.insert(ge).from_select(
                ["repository_id", "product", "started_at"],
                sa.select(r.c.id, sa.literal(product, sa.String), r.c.created_at).where(
                    r.c.enterprise_id == enterprise_id, flag == sa.true(), ~sa.select(ge.c.id).where(is_open).exists()
                ),
            )
        )
        off = sa.select(r.c.id).where(r.c.enterprise_id == enterprise_id, flag == sa.false())
        conn.execute(
            sa.update(ge)
            .where(ge.c.product == product, ge.c.ended_at.is_(None), ge.c.repository_id.in_(off))
            .values(ended_at=now)
        )


# -- seats --------------------------------------------------------------------------------


def _people_filter(table: sa.Table, enterprise_id: int, people: rules.People | None) -> sa.ColumnElement[bool]:
    if people is None:
        return table.c.enterprise_id == enterprise_id
    return sa.and_(
        table.c.enterprise_id == enterprise_id,
        sa.or_(table.c.user_id.in_(people.user_ids), table.c.other_key.in_(people.other_keys())),
    )


def derive_seats(conn: Connection, enterprise_id: int, people: rules.People | None) -> None:
    """Replace the seat reasons and spans of ``people`` (``EVERYONE``: the whole enterprise)."""
    policy = rules.load_policy(conn, enterprise_id)
    r, s = ti.seat_reason_intervals, ti.seat_spans
    conn.execute(sa.delete(r).where(_people_filter(r, enterprise_id, people)))
    derived = rules.seat_reasons(policy, people).subquery("derived")
    conn.execute(
        sa.insert(r).from_select(
            ["enterprise_id", *rules.REASON_COLUMNS],
            sa.select(sa.literal(enterprise_id, sa.Integer), *(derived.c[n] for n in rules.REASON_COLUMNS)),
        )
    )
    conn.execute(sa.delete(s).where(_people_filter(s, enterprise_id, people)))
    spans = _spans(_people_filter(r, enterprise_id, people))
    conn.execute(
        sa.insert(s).from_select(
            [
                "enterprise_id",
                "scope",
                "org_id",
                "user_id",
                "other_key",
                "started_at",
                "ended_at",
                "previous_ended_at",
                "sort_key",
            ],
            sa.select(sa.literal(enterprise_id, sa.Integer), *spans.c, _sort_key(spans)),
        )
    )
    if people is None:
        statistics.analyze(conn, r, s)


def _sort_key(spans: sa.Subquery) -> sa.ColumnElement[str]:
    """``"0" + login`` for a cloud account, ``"1" + other_key`` for the others (see seat_spans)."""
    u = t.users
    login = sa.select(u.c.login).where(u.c.id == spans.c.user_id).scalar_subquery()
    return sa.case(
        (spans.c.user_id.is_(None), sa.literal("1", sa.String).concat(spans.c.other_key)),
        else_=sa.literal("0", sa.String).concat(login),
    )


def _spans(which: sa.ColumnElement[bool]) -> sa.Subquery:
    """Each person's kept reasons merged into disjoint spans ("islands"), per scope:
    gaps-and-islands with window functions (SQLite >= 3.25 and PostgreSQL)."""
    r = ti.seat_reason_intervals
    ends = sa.func.coalesce(r.c.ended_at, sa.literal(FOREVER, sa.DateTime))

    def part(scope: str, org: sa.ColumnElement[Any], *where: sa.ColumnElement[bool]) -> sa.Select[Any]:
        return sa.select(
            sa.literal(scope, sa.String).label("scope"),
            org.label("org_id"),
            r.c.user_id,
            r.c.other_key,
            r.c.started_at,
            ends.label("ends"),
        ).where(which, *where)

    src = sa.union_all(
        part(ti.SCOPE_ENTERPRISE, sa.literal(0, sa.Integer)),
        part(ti.SCOPE_ORGANIZATION, r.c.org_id, r.c.org_id.is_not(None)),
        part(ti.SCOPE_VISUAL_STUDIO, sa.literal(0, sa.Integer), r.c.reason == rules.REASON_VISUAL_STUDIO),
    ).subquery("span_sources")
    person = (src.c.scope, src.c.org_id, src.c.user_id, src.c.other_key)
    reach = sa.func.max(src.c.ends).over(partition_by=person, order_by=(src.c.started_at, src.c.ends), rows=(None, -1))
    starts = sa.select(
        *src.c, sa.case((sa.or_(reach.is_(None), src.c.started_at > reach), 1), else_=0).label("new_island")
    ).subquery("starts")
    numbered = sa.select(
        *starts.c,
        sa.func.sum(starts.c.new_island)
        .over(
            partition_by=(starts.c.scope, starts.c.org_id, starts.c.user_id, starts.c.other_key),
            order_by=(starts.c.started_at, starts.c.ends),
            rows=(None, 0),
        )
        .label("island"),
    ).subquery("numbered")
    n = numbered.c
    last = sa.func.max(n.ends)
    # Over the grouped rows: the previous island's end (never FOREVER: only a last one is open).
    previous = sa.func.lag(last).over(
        partition_by=(n.scope, n.org_id, n.user_id, n.other_key), order_by=sa.func.min(n.started_at)
    )
    return (
        sa.select(
            n.scope,
            n.org_id,
            n.user_id,
            n.other_key,
            sa.func.min(n.started_at).label("started_at"),
            sa.case((last == sa.literal(FOREVER, sa.DateTime), sa.cast(sa.null(), sa.DateTime)), else_=last).label(
                "ended_at"
            ),
            previous.label("previous_ended_at"),
        )
        .group_by(n.scope, n.org_id, n.user_id, n.other_key, n.island)
        .subquery("spans")
    )


# -- committers ---------------------------------------------------------------------------


def derive_email_windows(conn: Connection, enterprise_id: int, emails: tuple[str, ...] | None) -> None:
    """Replace the email windows of ``emails`` (None: every email pushed to the enterprise)."""
    w = ti.email_windows
    which = w.c.enterprise_id == enterprise_id
    if emails is not None:
        which = sa.and_(which, w.c.author_email.in_(emails))
    conn.execute(sa.delete(w).where(which))
    pushes = stream_rows(conn, rules.email_pushes(enterprise_id, emails), _INSERT_CHUNK)
    _insert_windows(conn, w, enterprise_id, "author_email", rules.push_windows(pushes))
    if emails is None:
        statistics.analyze(conn, w)


def derive_committers(conn: Connection, enterprise_id: int, user_ids: tuple[int, ...] | None) -> None:
    """Replace the committer windows of ``user_ids`` (None: the whole enterprise): the kept
    windows of their verified emails, merged per repository (so the email windows are derived
    first)."""
    w = ti.committer_windows
    which = w.c.enterprise_id == enterprise_id
    if user_ids is not None:
        which = sa.and_(which, w.c.user_id.in_(user_ids))
    conn.execute(sa.delete(w).where(which))
    e = ti.email_windows
    emails = rules.committer_emails(enterprise_id, user_ids).subquery("emails")
    kept = conn.execute(
        sa.select(emails.c.user_id, e.c.repository_id, e.c.started_at, e.c.ended_at)
        .join(emails, emails.c.email == e.c.author_email)
        .where(e.c.enterprise_id == enterprise_id)
    )
    _insert_windows(conn, w, enterprise_id, "user_id", _merged(kept))
    if user_ids is None:
        statistics.analyze(conn, w, ti.ghas_enablements)


def _merged(windows: Iterable[tuple[Any, ...]]) -> Iterable[tuple[Any, int, rules.Interval]]:
    """(who, repository, started, ended) windows in any order, merged per (who, repository)."""
    by_pair: dict[tuple[Any, int], list[rules.Interval]] = {}
    for who, repository_id, started, ended in windows:
        by_pair.setdefault((who, repository_id), []).append((started, ended))
    for (who, repository_id), spans in by_pair.items():
        for span in rules.merge_spans(spans):
            yield who, repository_id, span


def _insert_windows(
    conn: Connection, table: sa.Table, enterprise_id: int, who: str, windows: Iterable[tuple[Any, int, rules.Interval]]
) -> None:
    rows = [
        {"enterprise_id": enterprise_id, who: key, "repository_id": repository_id, "started_at": s, "ended_at": e}
        for key, repository_id, (s, e) in windows
    ]
    for i in range(0, len(rows), _INSERT_CHUNK):
        conn.execute(sa.insert(table), rows[i : i + _INSERT_CHUNK])


# -- verify -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    table: str
    person: str
    expected: tuple[Any, ...] | None  # None: kept but not derived
    stored: tuple[Any, ...] | None  # None: derived but not kept


def _merge(rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Spans from (scope, org_id, user_id, other_key, started_at, ended_at) reasons, in Python:
    a second implementation of :func:`_spans`, so verify also checks the merge."""
    out: list[tuple[Any, ...]] = []
    by_person: dict[tuple[Any, ...], list[tuple[dt.datetime, dt.datetime]]] = {}
    for scope, org_id, user_id, other_key, started, ended in rows:
        by_person.setdefault((scope, org_id, user_id, other_key), []).append((started, ended or FOREVER))
    for person, spans in by_person.items():
        previous = None
        for start, end in rules.merge_spans(spans):
            out.append((*person, start, None if end == FOREVER else end, previous))
            previous = end
    return out


def verify(conn: Connection, enterprise_id: int) -> list[Difference]:
    """Derive every interval of the enterprise again and compare with what is kept."""
    flush(conn)
    policy = rules.load_policy(conn, enterprise_id)
    r, s = ti.seat_reason_intervals, ti.seat_spans
    expected_reasons = [tuple(row) for row in conn.execute(rules.seat_reasons(policy, rules.EVERYONE))]
    stored_reasons = [
        tuple(row)
        for row in conn.execute(
            sa.select(*(r.c[n] for n in rules.REASON_COLUMNS)).where(r.c.enterprise_id == enterprise_id)
        )
    ]
    diffs = _compare(
        "seat_reason_intervals", expected_reasons, stored_reasons, lambda row: rules.person_key(row[0], row[1])
    )
    sources: list[tuple[Any, ...]] = []
    for user_id, other_key, reason, started, ended, org_id, _repo, _source in expected_reasons:
        sources.append((ti.SCOPE_ENTERPRISE, 0, user_id, other_key, started, ended))
        if org_id is not None:
            sources.append((ti.SCOPE_ORGANIZATION, org_id, user_id, other_key, started, ended))
        if reason == rules.REASON_VISUAL_STUDIO:
            sources.append((ti.SCOPE_VISUAL_STUDIO, 0, user_id, other_key, started, ended))
    stored_spans = [
        tuple(row)
        for row in conn.execute(
            sa.select(
                s.c.scope, s.c.org_id, s.c.user_id, s.c.other_key, s.c.started_at, s.c.ended_at, s.c.previous_ended_at
            ).where(s.c.enterprise_id == enterprise_id)
        )
    ]
    expected_spans = _merge(sources)
    diffs += _compare("seat_spans", expected_spans, stored_spans, lambda row: rules.person_key(row[2], row[3]))
    # The windows again from every commit: per email, then per person through their emails.
    expected_email_windows = [
        (email, repository_id, started, ended)
        for email, repository_id, (started, ended) in rules.push_windows(
            stream_rows(conn, rules.email_pushes(enterprise_id, None), _INSERT_CHUNK)
        )
    ]
    owners: dict[str, list[int]] = {}
    for email, user_id in conn.execute(rules.committer_emails(enterprise_id, None)):
        owners.setdefault(email, []).append(user_id)
    expected_windows = [
        (user_id, repository_id, started, ended)
        for user_id, repository_id, (started, ended) in _merged(
            (user_id, repository_id, started, ended)
            for email, repository_id, started, ended in expected_email_windows
            for user_id in owners.get(email, ())
        )
    ]
    for table, expected, who in (
        (ti.committer_windows, expected_windows, "user_id"),
        (ti.email_windows, expected_email_windows, "author_email"),
    ):
        stored = [
            tuple(row)
            for row in conn.execute(
                sa.select(table.c[who], table.c.repository_id, table.c.started_at, table.c.ended_at).where(
                    table.c.enterprise_id == enterprise_id
                )
            )
        ]
        diffs += _compare(
            table.name,
            _canonical_windows(expected),
            _canonical_windows(stored),
            (lambda row: rules.person_key(row[0], None)) if who == "user_id" else (lambda row: str(row[0])),
        )
    # From what the rules derive afresh, not from what is kept: one drifted seat span is one
    # difference, not one per committer span that hangs on it.
    fresh_seats = [
        (row[2], row[4], row[5]) for row in expected_spans if row[0] == ti.SCOPE_ENTERPRISE and row[2] is not None
    ]
    diffs += _compare(
        "committer_spans",
        committer_spans.as_tuples(
            committer_spans.expected(conn, enterprise_id, None, windows=expected_windows, seat_spans=fresh_seats)
        ),
        committer_spans.stored(conn, enterprise_id),
        lambda row: rules.person_key(row[3], None),
    )
    return diffs


def _canonical_windows(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """(who, repository_id, started_at, ended_at) windows that touch are one span of time:
    merged, so a ledger whose windows an earlier version split at a touching pair compares
    equal to a fresh derivation."""
    return sorted((who, repository_id, start, end) for who, repository_id, (start, end) in _merged(rows))


def _compare(
    table: str, expected: list[tuple[Any, ...]], stored: list[tuple[Any, ...]], person: Any
) -> list[Difference]:
    want, have = Counter(expected), Counter(stored)
    out = [Difference(table, person(row), row, None) for row in (want - have).elements()]
    out += [Difference(table, person(row), None, row) for row in (have - want).elements()]
    return sorted(out, key=lambda d: (d.table, d.person, repr(d.expected), repr(d.stored)))


@dataclass(frozen=True)
class Check:
    """The last verification of an enterprise's intervals."""

    checked_at: dt.datetime
    differences: int
    repaired: bool

    @property
    def clean(self) -> bool:
        return self.differences == 0


def check(
    conn: Connection, enterprise_id: int, *, repair: bool = False, at: dt.datetime | None = None
) -> list[Difference]:
    """:func:`verify`, recorded as the enterprise's last check; with ``repair`` the intervals
    are derived again when they differ."""
    diffs = verify(conn, enterprise_id)
    if diffs and repair:
        rebuild(conn, enterprise_id)
    ic = ti.interval_checks
    values = {
        "checked_at": at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0),
        "differences": len(diffs),
        "repaired": bool(diffs and repair),
    }
    if not conn.execute(sa.update(ic).where(ic.c.enterprise_id == enterprise_id).values(**values)).rowcount:
        conn.execute(sa.insert(ic).values(enterprise_id=enterprise_id, **values))
    return diffs


def last_check(conn: Connection, enterprise_id: int) -> Check | None:
    ic = ti.interval_checks
    row = conn.execute(sa.select(ic).where(ic.c.enterprise_id == enterprise_id)).first()
    return None if row is None else Check(row.checked_at, int(row.differences), bool(row.repaired))
