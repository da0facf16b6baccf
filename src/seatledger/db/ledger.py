"""The one write API of the ledger. Demo generator, importers and test factories all use it.

A :class:`Ledger` wraps a Connection inside a transaction owned by the caller
(``with engine.begin() as conn: Ledger(conn)...``), so an import that fails half-way is
rolled back whole. Methods take plain values, lower-case emails, and return row ids.
``bulk_insert`` is the fast path for large loads (the demo's ``large`` size).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
import secrets
import uuid
from typing import Any, Iterable, Literal, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as sa_postgresql
from sqlalchemy.dialects import sqlite as sa_sqlite
from sqlalchemy.engine import Connection

from seatledger.db import intervals
from seatledger.db import rules
from seatledger.db import provenance
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.engine import inserted_id, sqlite_page_cache
from seatledger.errors import InvalidInput, NotFound
from seatledger.validation import check_row

# What an importer's upsert did; importers tally the outcomes in their report.
Outcome = Literal["created", "updated", "unchanged"]

BULK_CHUNK = 5000
# A COPY of at least this many rows may be followed by ANALYZE (see Ledger._refresh_statistics).
ANALYZE_AFTER_ROWS = 1_000
SQLITE_CHUNK = 20_000  # rows per driver executemany in bulk_insert_rows
SQLITE_LOAD_CACHE_KIB = 512 * 1024  # SQLite page cache while bulk_insert_rows loads


def utcnow() -> dt.datetime:
    """Now, as the naive UTC datetime the ledger stores."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def utc_at(seconds: float) -> dt.datetime:
    """An instant given in Unix seconds (a clock's reading) as the naive UTC datetime the
    ledger stores, to the microsecond."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).replace(tzinfo=None)


# Where a connection remembers which enterprises the current transaction has bumped:
# (root transaction, savepoint, enterprise ids). Kept in ``Connection.info`` (which lives
# with the database connection) and compared by identity, so a new transaction starts empty.
WRITES_INFO_KEY = "seatledger.bumped"


def bumped_in_transaction(conn: Connection) -> set[int]:
    """The enterprise ids whose ledger version the connection's current transaction bumped
    (empty outside a transaction). The set is live: Ledger adds to it."""
    txn, nested = conn.get_transaction(), conn.get_nested_transaction()
    state = conn.info.get(WRITES_INFO_KEY)
    if state is None or state[0] is not txn or state[1] is not nested:
        state = (txn, nested, set())
        conn.info[WRITES_INFO_KEY] = state
    return state[2]


def wrote_in_transaction(conn: Connection) -> bool:
    """True while the connection's current (root) transaction has bumped any ledger version:
    it wrote, and may still roll back, so results it counts are not for sharing."""
    txn = conn.get_transaction()
    return txn is not None and conn.info.get(WROTE_INFO_KEY) is txn


WROTE_INFO_KEY = "seatledger.wrote"


def current_version(conn: Connection, enterprise_id: int) -> int:
    """The enterprise's ledger version (0 if it has never been written): an HTTP ``ETag``."""
    lv = t.ledger_versions
    version = conn.execute(sa.select(lv.c.version).where(lv.c.enterprise_id == enterprise_id)).scalar()
    return int(version or 0)


def _first_version() -> int:
    return secrets.randbelow(1 << 30) + 1


def _tuples(
    first: Mapping[str, Any], rest: Iterable[Mapping[str, Any]], keys: tuple[str, ...], fill: tuple[Any, ...]
) -> Iterable[tuple[Any, ...]]:
    """Mappings with ``keys`` as tuples in that order, followed by ``fill``."""
    get = operator.itemgetter(*keys)
    single = len(keys) == 1
    for row in itertools.chain((first,), rest):
        if len(row) != len(keys):
            raise InvalidInput(f"bulk rows must all have the keys {', '.join(keys)}; one has {', '.join(row)}")
        values = get(row)
        yield ((values,) if single else values) + fill


def _sqlite_datetime(value: dt.datetime | None) -> str | None:
    # SQLAlchemy's own SQLite DATETIME text format, so the rows read and compare as if it wrote them.
    return None if value is None else value.isoformat(" ", "microseconds")


def normalize_email(email: str | None) -> str | None:
    return email.strip().lower() if email else None


def invitation_key(role: str, login: str | None, email: str | None) -> str:
    """What tells an organization's invitations apart: the role and the invitee's login, else
    their email (as :meth:`Ledger.upsert_invitation` finds one)."""
    return f"{role}:{login or normalize_email(email)}"


class Ledger:
    """Writes to the ledger through one connection; the caller owns the transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._owners: dict[tuple[str, Any], int | None] = {}

    # -- generic -------------------------------------------------------------------------
    def _insert(self, table: sa.Table, **values: Any) -> int:
        check_row(table, values)  # the same refusal on both databases (SQLite stores any length)
        return inserted_id(self.conn.execute(sa.insert(table).values(**values)))

    def bulk_insert(self, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> int:
        """Insert many rows (mappings with the same keys); returns how many were inserted.

        PostgreSQL streams them with COPY, SQLite takes them through the driver's executemany
        (see :meth:`bulk_insert_rows`); other databases use Core's executemany in chunks. Like
        every bulk path it does not bump the ledger version: the caller bumps once for the
        transaction (:meth:`bump_version`).
        """
        if self.conn.dialect.name in ("postgresql", "sqlite"):
            it = iter(rows)
            first = next(it, None)
            if first is None:
                return 0
            keys = tuple(first)
            prepared = self._bulk_columns(table, keys)
            if prepared is not None:
                columns, fill = prepared
                return self.bulk_insert_rows(table, columns, _tuples(first, it, keys, fill))
            rows = itertools.chain((first,), it)
        if table.name in intervals.RULE_TABLES:
            intervals.mark_every_enterprise(self.conn)
        return self._executemany(table, rows)

    def bulk_insert_rows(
        self, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, off_the_gil: bool = False
    ) -> int:
        """Insert many rows given as tuples in ``columns`` order; returns how many were inserted.

        The fastest path for millions of rows: COPY on PostgreSQL, the driver's executemany on
        SQLite (values converted as SQLAlchemy would store them), Core executemany elsewhere.
        Datetimes are naive UTC, as everywhere in the ledger. No ledger-version bump (see
        :meth:`bulk_insert`).

        ``off_the_gil`` (SQLite; for a caller that reads its next rows in another thread
        meanwhile): the rows go to SQLite as one JSON text, inserted by one statement, so all
        of SQLite's work runs without Python's lock (executemany takes it back for every row).
        Alone it is slower than executemany; beside a reader it overlaps.
        """
        if table.name == t.commits.name and {"repository_id", "author_email"} <= set(columns):
            pushed: dict[int, set[str]] = {}
            rows = self._noting_pushes(columns, rows, pushed)
        elif table.name in intervals.RULE_TABLES:
            intervals.mark_every_enterprise(self.conn)
            pushed = {}
        else:
            pushed = {}
        inserted = self._bulk_insert_rows(table, columns, rows, off_the_gil=off_the_gil)
        for enterprise_id, emails in self._enterprises_of_pushes(pushed).items():
            intervals.mark(self.conn, enterprise_id, committer_emails=emails)
        return inserted

    @staticmethod
    def _noting_pushes(
        columns: Sequence[str], rows: Iterable[Sequence[Any]], pushed: dict[int, set[str]]
    ) -> Iterable[Sequence[Any]]:
        """The rows, noting each repository's author emails on the way (committer windows)."""
        repo_at, email_at = list(columns).index("repository_id"), list(columns).index("author_email")
        for row in rows:
            pushed.setdefault(row[repo_at], set()).add(row[email_at])
            yield row

    def _enterprises_of_pushes(self, pushed: dict[int, set[str]]) -> dict[int, set[str]]:
        out: dict[int, set[str]] = {}
        for repository_id, emails in pushed.items():
            enterprise_id = self._enterprise_of(t.repositories, repository_id)
            if enterprise_id is not None:
                out.setdefault(enterprise_id, set()).update(emails)
        return out

    def _bulk_insert_rows(
        self, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, off_the_gil: bool
    ) -> int:
        dialect = self.conn.dialect.name
        if dialect == "postgresql":
            return self._copy_postgres(table, tuple(columns), rows)
        if dialect == "sqlite":
            return self._executemany_sqlite(table, tuple(columns), rows, one_statement=off_the_gil)
        return self._executemany(table, (dict(zip(columns, r)) for r in rows))

    def _executemany(self, table: sa.Table, rows: Iterable[Mapping[str, Any]]) -> int:
        count = 0
        chunk: list[Mapping[str, Any]] = []
        stmt = sa.insert(table)
        for row in rows:
            chunk.append(row)
            if len(chunk) >= BULK_CHUNK:
                self.conn.execute(stmt, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            self.conn.execute(stmt, chunk)
            count += len(chunk)
        return count

    @staticmethod
    def _bulk_columns(table: sa.Table, keys: Sequence[str]) -> tuple[tuple[str, ...], tuple[Any, ...]] | None:
        """The bulk column list for rows with ``keys``, and the values of the columns they leave
        out that have a Python-side default (which SQLAlchemy's INSERT would have filled in);
        None when a left-out column's default is computed (then the bulk path cannot stand in
        for INSERT)."""
        unknown = [k for k in keys if k not in table.c]
        if unknown:
            raise InvalidInput(f"{table.name} has no column {', '.join(unknown)}")
        fill_columns: list[str] = []
        fill: list[Any] = []
        for col in table.columns:
            if col.name in keys or col.default is None:
                continue
            if not isinstance(col.default, sa.ColumnDefault) or not col.default.is_scalar:
                return None
            fill_columns.append(col.name)
            fill.append(col.default.arg)
        return (*keys, *fill_columns), tuple(fill)

    def _copy_postgres(self, table: sa.Table, columns: tuple[str, ...], rows: Iterable[Sequence[Any]]) -> int:
        """COPY the rows: an order of magnitude faster than INSERT for millions of rows.

        Binary COPY, typed by the table's columns: neither side formats or parses text, and a
        value of the wrong Python type (a string for a timestamp, an aware datetime) fails
        instead of being read loosely.

        Foreign keys are checked once per COPY instead of once per row when the session may do
        so (a superuser, and the table has no triggers of its own): row triggers are off for
        the COPY (``session_replication_role = replica``, local to the transaction), the
        distinct values written to each foreign-key column are collected, and one query per
        key checks that they all exist, locking the rows they refer to as the per-row check
        would (FOR KEY SHARE). A missing one raises IntegrityError, as the per-row check would.
        """
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        n = 0
        with raw.cursor() as cur:  # type: ignore[attr-defined]  # psycopg's cursor is a context manager; the DBAPI protocol omits it
            fks = self._keys_to_check_set_wise(cur, table, columns)
            set_wise = bool(fks)
            if set_wise:
                cur.execute("SELECT set_config('session_replication_role', 'replica', true)")
            # Binary COPY: the server reads integers and timestamps without parsing text.
            cur.execute(
                "SELECT a.atttypid::int FROM unnest(%s::text[]) WITH ORDINALITY c(name, i) "
                "JOIN pg_attribute a ON a.attrelid = %s::regclass AND a.attname = c.name ORDER BY c.i",
                (list(columns), table.name),
            )
            types = [r[0] for r in cur.fetchall()]
            statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
            seen: list[set[Any]] = [set() for _ in fks]
            try:
                with cur.copy(statement) as copy:
                    copy.set_types(types)
                    write = copy.write_row
                    if len(fks) == 1:
                        i, add = fks[0][0], seen[0].add
                        for n, row in enumerate(rows, 1):
                            write(row)
                            add(row[i])
                    elif set_wise:
                        adders = [(fk[0], s.add) for fk, s in zip(fks, seen)]
                        for n, row in enumerate(rows, 1):
                            write(row)
                            for i, add in adders:
                                add(row[i])
                    else:
                        for n, row in enumerate(rows, 1):
                            write(row)
            except self.conn.dialect.loaded_dbapi.IntegrityError as exc:
                raise sa.exc.IntegrityError(statement, None, exc) from exc
            if set_wise:
                cur.execute("SELECT set_config('session_replication_role', 'origin', true)")
                for fk, values in zip(fks, seen):
                    self._check_key(cur, table, fk, values)
            self._refresh_statistics(cur, table, n)
        return n

    @staticmethod
    def _refresh_statistics(cur: Any, table: sa.Table, copied: int) -> None:
        """ANALYZE a table this COPY grew by half or more (or that was never analyzed).

        Right after a bulk load, before autovacuum gets to the table, the planner still believes
        its old size: it estimates one row where there are thousands and nests loops that turn
        a quick count into a slow one. ANALYZE samples a fixed number of rows (the open
        transaction's own included), so its cost does not grow with the table; growth by half
        keeps that to a few runs however many batches a load is cut into."""
        if copied < ANALYZE_AFTER_ROWS:
            return
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (table.name,))
        row = cur.fetchone()
        before = row[0] if row else -1
        if before < 0 or copied >= before / 2:
            cur.execute(f'ANALYZE "{table.name}"')

    @staticmethod
    def _keys_to_check_set_wise(
        cur: Any, table: sa.Table, columns: tuple[str, ...]
    ) -> list[tuple[int, str, str, str]]:
        """The table's foreign keys as the database declares them, as (index in ``columns``,
        column, referenced table, referenced column), when this COPY may check them set-wise;
        [] when it may not (not a superuser, replication role already changed, the table has
        triggers of its own, a key of several columns, or a key column the COPY leaves to its
        default): then PostgreSQL checks every row itself."""
        cur.execute(
            "SELECT current_setting('is_superuser') = 'on' AND current_setting('session_replication_role') = 'origin' "
            "AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %(t)s::regclass AND NOT tgisinternal), "
            "array_length(c.conkey, 1), a.attname::text, c.confrelid::regclass::text, r.attname::text "
            "FROM (SELECT 1) one LEFT JOIN pg_constraint c ON c.conrelid = %(t)s::regclass AND c.contype = 'f' "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "LEFT JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1]",
            {"t": table.name},
        )
        rows = cur.fetchall()
        if not rows[0][0] or rows[0][1] is None:
            return []
        if any(width != 1 or column not in columns for _, width, column, _, _ in rows):
            return []
        return [(columns.index(column), column, target, ref) for _, _, column, target, ref in rows]

    @staticmethod
    def _check_key(cur: Any, table: sa.Table, fk: tuple[int, str, str, str], values: set[Any]) -> None:
        values.discard(None)
        if not values:
            return
        _, column, target, ref = fk
        cur.execute(f"SELECT count(*) FROM (SELECT 1 FROM {target} WHERE \"{ref}\" = ANY(%s) FOR KEY SHARE) k",
                    (list(values),))
        row = cur.fetchone()
        found = row[0] if row else 0
        if found != len(values):
            import psycopg

            detail = (f'insert or update on table "{table.name}" violates foreign key constraint: '
                      f'{len(values) - found} value(s) of {column} are not present in table "{target}"')
            raise sa.exc.IntegrityError(f"COPY {table.name}", None, psycopg.errors.ForeignKeyViolation(detail))

    def _executemany_sqlite(
        self, table: sa.Table, columns: tuple[str, ...], rows: Iterable[Sequence[Any]], *, one_statement: bool = False
    ) -> int:
        """The driver's executemany on plain tuples: several times faster than Core for millions
        of rows. Values are converted as SQLAlchemy stores them (datetimes as its text format).
        ``one_statement``: each chunk as one JSON array read by ``json_each`` (see
        :meth:`bulk_insert_rows`)."""
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        dialect = self.conn.dialect
        processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
        if any(isinstance(table.c[name].type, sa.DateTime) for name in columns):
            # SQLAlchemy's own SQLite DATETIME text format, faster than its processor.
            processors = [_sqlite_datetime if isinstance(table.c[name].type, sa.DateTime) else p
                          for name, p in zip(columns, processors)]
        convert = [(i, p) for i, p in enumerate(processors) if p is not None]
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        if one_statement:
            picks = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
            one_sql = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT {picks} FROM json_each(?)"
        cur = raw.cursor()

        def insert(chunk: list[Sequence[Any]]) -> int:
            if one_statement:
                cur.execute(one_sql, (json.dumps(chunk),))
            else:
                cur.executemany(sql, chunk)
            return len(chunk)

        n = 0
        chunk: list[Sequence[Any]] = []
        try:
            # Millions of rows update several indexes; a bigger page cache for this load keeps them in memory.
            with sqlite_page_cache(raw, SQLITE_LOAD_CACHE_KIB):
                for row in rows:
                    if convert:
                        values = list(row)
                        for i, p in convert:
                            values[i] = p(values[i])
                        row = values
                    chunk.append(row)
                    if len(chunk) >= SQLITE_CHUNK:
                        n += insert(chunk)
                        chunk = []
                if chunk:
                    n += insert(chunk)
        except self.conn.dialect.loaded_dbapi.IntegrityError as exc:
            raise sa.exc.IntegrityError(sql, None, exc) from exc
        finally:
            cur.close()
        return n

    def bump_version(self, enterprise_id: int, *, intervals_changed: bool = True) -> int:
        """Mark the enterprise's ledger as changed (its ``ETag`` keys on this) and, unless
        ``intervals_changed`` is False, every license interval of the enterprise for deriving
        again at commit (what a bulk load that named nobody needs).

        Once per transaction: a second call for the same enterprise in the same transaction (or
        savepoint) only reads the version, so an import of a million rows costs one UPDATE.
        A new enterprise's version starts at a random number, so two ledgers (a re-created
        database, a test's fresh one) never share a (enterprise id, version) pair in a cache.
        """
        if intervals_changed:
            intervals.mark(self.conn, enterprise_id, everyone=True)
        return self._bump(enterprise_id)

    def _bump(self, enterprise_id: int) -> int:
        lv = t.ledger_versions
        if enterprise_id not in self._bumped_now():
            updated = self.conn.execute(
                sa.update(lv).where(lv.c.enterprise_id == enterprise_id).values(version=lv.c.version + 1)
            ).rowcount
            if not updated:
                self.conn.execute(sa.insert(lv).values(enterprise_id=enterprise_id, version=_first_version()))
            self._bumped_now().add(enterprise_id)
            self.conn.info[WROTE_INFO_KEY] = self.conn.get_transaction()
        return int(
            self.conn.execute(sa.select(lv.c.version).where(lv.c.enterprise_id == enterprise_id)).scalar_one()
        )

    def lock_enterprise(self, enterprise_id: int) -> None:
        """Hold the enterprise's version row until the transaction ends: on PostgreSQL, writers
        that take it first run one after another, as SQLite runs every writer (a no-op there)."""
        lv = t.ledger_versions
        self.conn.execute(sa.select(lv.c.version).where(lv.c.enterprise_id == enterprise_id).with_for_update())

    def _bumped_now(self) -> set[int]:
        """The enterprises whose version this transaction (and savepoint) has bumped."""
        return bumped_in_transaction(self.conn)

    def _touch(self, enterprise_id: int | None, *, nothing: bool = False, **marks: Any) -> None:
        """Bump the version once per transaction (the usual case: already bumped, no query) and
        mark the intervals the write changed (``marks``: see :func:`intervals.mark`). A write
        that names nothing marks its whole enterprise; ``nothing`` says no interval changed."""
        if enterprise_id is None:
            return
        if not nothing:
            intervals.mark(self.conn, enterprise_id, **(marks or {"everyone": True}))
        if enterprise_id not in self._bumped_now():
            self._bump(enterprise_id)

    def _enterprise_of(self, table: sa.Table, row_id: int) -> int | None:
        """The enterprise of an organization, repository, server instance or user (one indexed
        lookup, remembered: a row never changes enterprise)."""
        key = (table.name, row_id)
        if key not in self._owners:
            eid = self.conn.execute(sa.select(table.c.enterprise_id).where(table.c.id == row_id)).scalar()
            self._owners[key] = int(eid) if eid is not None else None
        return self._owners[key]

    def _touch_org(self, org_id: int, **marks: Any) -> None:
        self._touch(self._enterprise_of(t.organizations, org_id), **marks)

    def _touch_repo(self, repository_id: int, **marks: Any) -> None:
        self._touch(self._enterprise_of(t.repositories, repository_id), **marks)

    def _touch_server(self, server_instance_id: int, **marks: Any) -> None:
        self._touch(self._enterprise_of(t.server_instances, server_instance_id), **marks)

    def _touch_user(self, user_id: int, **marks: Any) -> None:
        self._touch(self._enterprise_of(t.users, user_id), **marks)

    def _touch_cost_center(self, cost_center_id: str) -> None:
        cc = t.cost_centers
        eid = self.conn.execute(sa.select(cc.c.enterprise_id).where(cc.c.id == cost_center_id)).scalar()
        self._touch(int(eid) if eid is not None else None, nothing=True)

    def _invitees(self, enterprise_id: int, login: str | None, user_id: int | None, email: str | None) -> dict[str, Any]:
        """The marks of an invitation: whoever it may resolve to (spec 2.1), and its key."""
        u, ue = t.users, t.user_emails
        users: set[int | None] = {user_id}
        if login:
            users.add(self.conn.execute(sa.select(u.c.id).where(u.c.enterprise_id == enterprise_id, u.c.login == login)).scalar())
        if email:
            users.update(
                self.conn.execute(
                    sa.select(ue.c.user_id).join(u, u.c.id == ue.c.user_id)
                    .where(ue.c.email == email, u.c.enterprise_id == enterprise_id)
                ).scalars()
            )
        return {"users": users, "keys": (login, email)}

    def _server_account_marks(self, server_instance_id: int, row: Any) -> dict[str, Any]:
        """The marks of a server account (as it is, or as it was before a change)."""
        si = t.server_instances
        server_id = self.conn.execute(sa.select(si.c.server_id).where(si.c.id == server_instance_id)).scalar_one()
        key = rules.server_account_key_suffix(server_id, row.user_id, row.primary_email)
        return {"users": (row.matched_user_id,), "keys": (key,)}

    # -- lookups -------------------------------------------------------------------------
    def enterprise_id(self, slug: str) -> int:
        eid = self.conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.slug == slug)).scalar()
        if eid is None:
            raise NotFound(f"no enterprise {slug!r}")
        return int(eid)

    def org_id(self, login: str) -> int:
        oid = self.conn.execute(sa.select(t.organizations.c.id).where(t.organizations.c.login == login)).scalar()
        if oid is None:
            raise NotFound(f"no organization {login!r}")
        return int(oid)

    def user_id(self, enterprise_id: int, login: str) -> int | None:
        uid = self.conn.execute(
            sa.select(t.users.c.id).where(t.users.c.enterprise_id == enterprise_id, t.users.c.login == login)
        ).scalar()
        return int(uid) if uid is not None else None

    # -- enterprise and organizations ----------------------------------------------------
    def add_enterprise(
        self,
        slug: str,
        name: str | None = None,
        *,
        account_type: str = "personal",
        data_residency: bool = False,
        uses_saml: bool = False,
        pending_invites_consume_metered: bool = True,
        created_at: dt.datetime | None = None,
    ) -> int:
        if account_type not in ("personal", "managed"):
            raise InvalidInput(f"account type must be 'personal' or 'managed', not {account_type!r}")
        eid = self._insert(
            t.enterprises,
            slug=slug,
            name=name or slug,
            account_type=account_type,
            data_residency=data_residency,
            uses_saml=uses_saml,
            pending_invites_consume_metered=pending_invites_consume_metered,
            created_at=created_at or utcnow(),
        )
        self._touch(eid, nothing=True)
        return eid

    def set_product(
        self,
        enterprise_id: int,
        product: str,
        *,
        billing: str = "metered",
        purchased: int = 0,
        expires_at: dt.date | None = None,
    ) -> None:
        """Set how a product is billed for the enterprise (metered, or volume with a count)."""
        if product not in t.PRODUCTS:
            raise InvalidInput(f"unknown product {product!r}; one of {', '.join(t.PRODUCTS)}")
        if billing not in ("metered", "volume"):
            raise InvalidInput(f"billing must be 'metered' or 'volume', not {billing!r}")
        ep = t.enterprise_products
        self.conn.execute(
            sa.delete(ep).where(ep.c.enterprise_id == enterprise_id, ep.c.product == product)
        )
        self._insert(
            ep, enterprise_id=enterprise_id, product=product, billing=billing,
            purchased=purchased, expires_at=expires_at,
        )
        # The enterprise seat's billing decides whether org invitations consume.
        self._touch(enterprise_id, **({"seats_everyone": True} if product == t.PRODUCT_ENTERPRISE else {"nothing": True}))

    def set_setup_user(self, enterprise_id: int, user_id: int) -> None:
        self.conn.execute(
            sa.update(t.enterprises).where(t.enterprises.c.id == enterprise_id).values(setup_user_id=user_id)
        )
        self._touch(enterprise_id, seats_everyone=True)

    def add_org(
        self, enterprise_id: int, login: str, *, name: str | None = None, created_at: dt.datetime | None = None
    ) -> int:
        oid = self._insert(
            t.organizations, enterprise_id=enterprise_id, login=login, name=name or login,
            created_at=created_at or utcnow(),
        )
        self._touch(enterprise_id, nothing=True)
        return oid

    def add_team(
        self,
        enterprise_id: int,
        slug: str,
        *,
        org_id: int | None = None,
        name: str | None = None,
        members: Sequence[int] = (),
        created_at: dt.datetime | None = None,
    ) -> int:
        """A team of an organization, or an enterprise team when ``org_id`` is None."""
        tid = self._insert(
            t.teams, enterprise_id=enterprise_id, organization_id=org_id, slug=slug, name=name or slug,
            created_at=created_at or utcnow(),
        )
        for uid in members:
            self._insert(t.team_members, team_id=tid, user_id=uid)
        self._touch(enterprise_id, nothing=True)
        return tid

    # -- people --------------------------------------------------------------------------
    def add_user(
        self,
        enterprise_id: int,
        login: str,
        *,
        name: str | None = None,
        emails: Sequence[str] = (),
        unverified_emails: Sequence[str] = (),
        verified_domain_emails: Sequence[str] = (),
        saml_name_id: str | None = None,
        scim_user_name: str | None = None,
        two_factor: bool | None = True,
        two_factor_required_by: dt.date | None = None,
        suspended_at: dt.datetime | None = None,
        dormant: bool = False,
        is_bot: bool = False,
        created_at: dt.datetime | None = None,
    ) -> int:
        """A cloud account. The first of ``emails`` is primary; all of ``emails`` are verified."""
        uid = self._insert(
            t.users,
            enterprise_id=enterprise_id,
            login=login,
            name=name,
            saml_name_id=saml_name_id,
            scim_user_name=scim_user_name,
            two_factor=two_factor,
            two_factor_required_by=two_factor_required_by,
            suspended_at=suspended_at,
            dormant=dormant,
            is_bot=is_bot,
            created_at=created_at or utcnow(),
        )
        domain = {normalize_email(e) for e in verified_domain_emails}
        seen: set[str] = set()
        for i, email in enumerate([*emails, *verified_domain_emails]):
            e = normalize_email(email)
            if e and e not in seen:
                seen.add(e)
                self._insert(
                    t.user_emails, user_id=uid, email=e, verified=True, is_primary=(i == 0),
                    verified_domain=e in domain,
                )
        for email in unverified_emails:
            e = normalize_email(email)
            if e and e not in seen:
                seen.add(e)
                self._insert(t.user_emails, user_id=uid, email=e, verified=False, is_primary=False)
        # Invitations to this login or these emails may now resolve to the account.
        self._touch(enterprise_id, users=(uid,), keys=(login, *seen), committers=(uid,))
        return uid

    def add_email(self, user_id: int, email: str, *, verified: bool = True, primary: bool = False) -> None:
        self._insert(
            t.user_emails, user_id=user_id, email=normalize_email(email), verified=verified, is_primary=primary
        )
        e = normalize_email(email)
        self._touch_user(user_id, users=(user_id,), keys=(e,), committers=(user_id,))

    def verify_email(self, user_id: int, email: str) -> Outcome:
        """``email`` is a verified email of the person: added, or an unverified one marked
        verified ("unchanged" if it already was). Their commits then count for them."""
        ue = t.user_emails
        e = normalize_email(email)
        row = self.conn.execute(sa.select(ue.c.id, ue.c.verified).where(ue.c.user_id == user_id, ue.c.email == e)).first()
        if row is None:
            self.add_email(user_id, email, verified=True)
            return "created"
        if row.verified:
            return "unchanged"
        self.conn.execute(sa.update(ue).where(ue.c.id == row.id).values(verified=True))
        self._touch_user(user_id, users=(user_id,), keys=(e,), committers=(user_id,))
        return "updated"

    def suspend_user(self, user_id: int, at: dt.datetime | None = None) -> None:
        self.conn.execute(sa.update(t.users).where(t.users.c.id == user_id).values(suspended_at=at or utcnow()))
        self._touch_user(user_id, users=(user_id,))

    def add_enterprise_role(
        self, enterprise_id: int, user_id: int, role: str, *, started_at: dt.datetime | None = None
    ) -> int:
        if role not in ("owner", "billing_manager"):
            raise InvalidInput(f"enterprise role must be 'owner' or 'billing_manager', not {role!r}")
        rid = self._insert(
            t.enterprise_roles, enterprise_id=enterprise_id, user_id=user_id, role=role,
            started_at=started_at or utcnow(),
        )
        self._touch(enterprise_id, nothing=True)
        return rid

    def add_membership(
        self, org_id: int, user_id: int, role: str = "member", *, started_at: dt.datetime | None = None
    ) -> int:
        if role not in ("owner", "member", "billing_manager"):
            raise InvalidInput(f"organization role must be owner, member or billing_manager, not {role!r}")
        self._touch_org(org_id, users=(user_id,))
        return self._insert(
            t.org_memberships, organization_id=org_id, user_id=user_id, role=role,
            started_at=started_at or utcnow(),
        )

    def end_membership(self, org_id: int, user_id: int, at: dt.datetime | None = None) -> int:
        """Remove a person from an organization (the row stays, ended, for the history)."""
        m = t.org_memberships
        self._touch_org(org_id, users=(user_id,))
        return self.conn.execute(
            sa.update(m)
            .where(m.c.organization_id == org_id, m.c.user_id == user_id, m.c.ended_at.is_(None))
            .values(ended_at=at or utcnow())
        ).rowcount

    def add_collaborator(
        self,
        repository_id: int,
        user_id: int,
        *,
        permission: str = "write",
        started_at: dt.datetime | None = None,
    ) -> int:
        self._touch_repo(repository_id, users=(user_id,))
        return self._insert(
            t.repo_collaborators, repository_id=repository_id, user_id=user_id, permission=permission,
            started_at=started_at or utcnow(),
        )

    def add_invitation(
        self,
        org_id: int,
        *,
        role: str = "member",
        login: str | None = None,
        user_id: int | None = None,
        email: str | None = None,
        repository_id: int | None = None,
        status: str = "pending",
        created_at: dt.datetime | None = None,
        resolved_at: dt.datetime | None = None,
    ) -> int:
        if role not in ("member", "owner", "billing_manager", "collaborator"):
            raise InvalidInput(f"invitation role {role!r} is not one of member, owner, billing_manager, collaborator")
        if status not in ("pending", "failed", "accepted"):
            raise InvalidInput(f"invitation status {status!r} is not one of pending, failed, accepted")
        if not (login or user_id or email):
            raise InvalidInput("an invitation goes to a username or an email")
        if role == "collaborator" and repository_id is None:
            raise InvalidInput("a collaborator invitation names a repository")
        enterprise_id = self._enterprise_of(t.organizations, org_id)
        if enterprise_id is not None:
            self._touch(enterprise_id, **self._invitees(enterprise_id, login, user_id, normalize_email(email)))
        return self._insert(
            t.invitations, organization_id=org_id, repository_id=repository_id, role=role,
            invitee_login=login, invitee_user_id=user_id, invitee_email=normalize_email(email),
            status=status, created_at=created_at or utcnow(),
            resolved_at=resolved_at if status != "pending" else None,
        )

    # -- repositories and commits ----------------------------------------------------------
    def add_repo(
        self,
        enterprise_id: int,
        owner_login: str,
        name: str,
        *,
        org_id: int | None = None,
        owner_user_id: int | None = None,
        visibility: str = "private",
        is_fork: bool = False,
        secret_protection: bool = False,
        code_security: bool = False,
        created_at: dt.datetime | None = None,
    ) -> int:
        if visibility not in ("public", "private", "internal"):
            raise InvalidInput(f"visibility must be public, private or internal, not {visibility!r}")
        rid = self._insert(
            t.repositories, enterprise_id=enterprise_id, organization_id=org_id, owner_user_id=owner_user_id,
            owner_login=owner_login, name=name, visibility=visibility, is_fork=is_fork,
            secret_protection_enabled=secret_protection, code_security_enabled=code_security,
            created_at=created_at or utcnow(),
        )
        for product, enabled in (("secret_protection", secret_protection), ("code_security", code_security)):
            if enabled:
                self._set_enablement(rid, product, True, created_at or utcnow())
        self._touch(enterprise_id, nothing=True)
        return rid

    def _set_enablement(self, repository_id: int, product: str, enabled: bool, at: dt.datetime) -> None:
        """Keep the history of a product's enablement on a repository (ghas_enablements)."""
        ge = ti.ghas_enablements
        is_open = sa.and_(ge.c.repository_id == repository_id, ge.c.product == product, ge.c.ended_at.is_(None))
        if enabled:
            if self.conn.execute(sa.select(ge.c.id).where(is_open)).first() is None:
                self._insert(ge, repository_id=repository_id, product=product, started_at=at)
        else:
            self.conn.execute(sa.update(ge).where(is_open).values(ended_at=at))

    def set_repo_products(
        self,
        repository_id: int,
        *,
        secret_protection: bool | None = None,
        code_security: bool | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """Enable or disable Advanced Security products on a repository from ``at`` (now)."""
        values: dict[str, bool] = {}
        if secret_protection is not None:
            values["secret_protection_enabled"] = secret_protection
        if code_security is not None:
            values["code_security_enabled"] = code_security
        if values:
            self.conn.execute(sa.update(t.repositories).where(t.repositories.c.id == repository_id).values(**values))
            for column, enabled in values.items():
                self._set_enablement(repository_id, column.removesuffix("_enabled"), enabled, at or utcnow())
            self._touch_repo(repository_id, repos=(repository_id,))

    def add_commits(self, repository_id: int, rows: Iterable[Mapping[str, Any]]) -> int:
        """Record pushed commits; idempotent on (repository, sha). Returns how many were new.

        Each row has ``sha``, ``author_email``, ``author_date``, ``pushed_at`` and optionally
        ``author_name``.
        """
        c = t.commits
        batch = [
            {
                "repository_id": repository_id,
                "sha": r["sha"],
                "author_email": normalize_email(r["author_email"]) or "",
                "author_name": r.get("author_name"),
                "author_date": r["author_date"],
                "pushed_at": r["pushed_at"],
            }
            for r in rows
        ]
        if not batch:
            return 0
        self._touch_repo(repository_id, committer_emails={r["author_email"] for r in batch})
        new = 0
        for start in range(0, len(batch), BULK_CHUNK):
            chunk = batch[start : start + BULK_CHUNK]
            shas = [r["sha"] for r in chunk]
            existing: set[str] = set()
            for i in range(0, len(shas), 900):
                existing.update(
                    self.conn.execute(
                        sa.select(c.c.sha).where(c.c.repository_id == repository_id, c.c.sha.in_(shas[i : i + 900]))
                    ).scalars()
                )
            fresh: dict[str, dict[str, Any]] = {}
            for r in chunk:
                if r["sha"] not in existing:
                    fresh.setdefault(r["sha"], r)
            if fresh:
                self.conn.execute(sa.insert(c), list(fresh.values()))
                new += len(fresh)
        return new

    # -- servers and Visual Studio -------------------------------------------------------
    def add_server(
        self,
        enterprise_id: int,
        server_id: str | None,
        hostname: str,
        *,
        version: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> int:
        sid = self._insert(
            t.server_instances, enterprise_id=enterprise_id, server_id=server_id or str(uuid.uuid4()),
            hostname=hostname, version=version, created_at=created_at or utcnow(),
        )
        self._touch(enterprise_id, nothing=True)
        return sid

    def add_server_account(
        self,
        server_instance_id: int,
        user_id: int,
        login: str,
        *,
        primary_email: str | None,
        other_emails: Sequence[str] = (),
        suspended: bool = False,
        dormant: bool = False,
        site_admin: bool = False,
        is_scim_setup_user: bool = False,
        code_security_user: bool = False,
        secret_protection_user: bool = False,
        created_at: dt.datetime | None = None,
    ) -> int:
        si = t.server_instances
        server_id = self.conn.execute(sa.select(si.c.server_id).where(si.c.id == server_instance_id)).scalar_one()
        key = rules.server_account_key_suffix(server_id, user_id, normalize_email(primary_email))
        self._touch_server(server_instance_id, keys=(key,))
        return self._insert(
            t.server_accounts, server_instance_id=server_instance_id, user_id=user_id, login=login,
            primary_email=normalize_email(primary_email),
            other_emails=" ".join(filter(None, (normalize_email(e) for e in other_emails))),
            suspended=suspended, dormant=dormant, site_admin=site_admin,
            is_scim_setup_user=is_scim_setup_user or login == "scim-admin",
            advanced_security_user=code_security_user or secret_protection_user,
            code_security_user=code_security_user, secret_protection_user=secret_protection_user,
            created_at=created_at or utcnow(),
        )

    def add_sync_event(
        self,
        server_instance_id: int,
        *,
        kind: str = "upload",
        status: str = "success",
        error: str | None = None,
        occurred_at: dt.datetime | None = None,
    ) -> int:
        self._touch_server(server_instance_id, nothing=True)
        return self._insert(
            t.license_sync_events, server_instance_id=server_instance_id, kind=kind, status=status,
            error=error, occurred_at=occurred_at or utcnow(),
        )

    def add_vs_subscription(
        self,
        enterprise_id: int,
        subscriber_email: str,
        *,
        name: str | None = None,
        level: str | None = "Visual Studio Enterprise",
        status: str = "active",
        created_at: dt.datetime | None = None,
    ) -> int:
        vid = self._insert(
            t.vs_subscriptions, enterprise_id=enterprise_id, subscriber_email=normalize_email(subscriber_email),
            name=name, level=level, status=status, created_at=created_at or utcnow(),
        )
        self._touch(enterprise_id, keys=(normalize_email(subscriber_email),))
        return vid

    # -- Copilot -------------------------------------------------------------------------
    def add_copilot_seat(
        self,
        org_id: int,
        user_id: int,
        *,
        plan: str = "business",
        assigning_team_id: int | None = None,
        created_at: dt.datetime | None = None,
        pending_cancellation_date: dt.date | None = None,
        ended_at: dt.datetime | None = None,
        last_authenticated_at: dt.datetime | None = None,
        last_activity_at: dt.datetime | None = None,
        last_activity_editor: str | None = None,
    ) -> int:
        if plan not in ("business", "enterprise"):
            raise InvalidInput(f"Copilot plan must be 'business' or 'enterprise', not {plan!r}")
        self._touch_org(org_id, nothing=True)
        return self._insert(
            t.copilot_seats, organization_id=org_id, user_id=user_id, assigning_team_id=assigning_team_id,
            plan=plan, created_at=created_at or utcnow(), pending_cancellation_date=pending_cancellation_date,
            ended_at=ended_at, last_authenticated_at=last_authenticated_at, last_activity_at=last_activity_at,
            last_activity_editor=last_activity_editor,
        )

    # -- cost centers --------------------------------------------------------------------
    def add_cost_center(
        self, enterprise_id: int, name: str, *, created_at: dt.datetime | None = None, id: str | None = None
    ) -> str:
        ccid = id or str(uuid.uuid4())
        self.conn.execute(
            sa.insert(t.cost_centers).values(
                id=ccid, enterprise_id=enterprise_id, name=name, created_at=created_at or utcnow()
            )
        )
        self._touch(enterprise_id, nothing=True)
        return ccid

    def add_cost_center_resource(
        self, cost_center_id: str, resource_type: str, resource_id: int, *, started_at: dt.datetime | None = None
    ) -> int:
        if resource_type not in ("User", "Org", "Repo", "Team"):
            raise InvalidInput(f"cost center resource type must be User, Org, Repo or Team, not {resource_type!r}")
        self._touch_cost_center(cost_center_id)
        return self._insert(
            t.cost_center_resources, cost_center_id=cost_center_id, resource_type=resource_type,
            resource_id=resource_id, started_at=started_at or utcnow(),
        )

    # -- Copilot seat changes (licensing/copilot.py's assign_seats / cancel_seats) ----------
    def cancel_copilot_seat(self, seat_id: int, effective: dt.datetime) -> None:
        """Unassign a seat: it stays until ``effective`` (the next cycle start), then ends."""
        self.conn.execute(
            sa.update(t.copilot_seats)
            .where(t.copilot_seats.c.id == seat_id)
            .values(pending_cancellation_date=effective.date(), ended_at=effective)
        )
        self._touch_copilot_seat(seat_id)

    def withdraw_copilot_cancellation(self, seat_id: int) -> None:
        """Re-assigning a seat pending cancellation keeps it: the cancellation is withdrawn."""
        self.conn.execute(
            sa.update(t.copilot_seats)
            .where(t.copilot_seats.c.id == seat_id)
            .values(pending_cancellation_date=None, ended_at=None)
        )
        self._touch_copilot_seat(seat_id)

    def withdraw_copilot_seat(self, seat_id: int, source: str, at: dt.datetime) -> bool:
        """``source`` lists the seat no more: it ends at ``at`` unless another source asserts it."""
        if not provenance.withdraw(self.conn, t.copilot_seats, seat_id, source):
            return False
        self.conn.execute(sa.update(t.copilot_seats).where(t.copilot_seats.c.id == seat_id).values(ended_at=at))
        self._touch_copilot_seat(seat_id)
        return True

    def _touch_copilot_seat(self, seat_id: int) -> None:
        org_id = self.conn.execute(
            sa.select(t.copilot_seats.c.organization_id).where(t.copilot_seats.c.id == seat_id)
        ).scalar()
        if org_id is not None:
            self._touch_org(int(org_id), nothing=True)

    # -- importers: idempotent upserts, each says what it did ----------------------------
    def _update_changed(self, table: sa.Table, row: Any, values: Mapping[str, Any]) -> bool:
        """Write only the columns whose value differs from ``row``; True if anything changed."""
        changed = {k: v for k, v in values.items() if v is not None and getattr(row, k) != v}
        check_row(table, changed)
        if changed:
            self.conn.execute(sa.update(table).where(table.c.id == row.id).values(**changed))
        return bool(changed)

    def find_user_by_email(self, enterprise_id: int, email: str) -> int | None:
        """The enterprise's cloud account with this *verified* email (lowest id if several)."""
        u, ue = t.users, t.user_emails
        uid = self.conn.execute(
            sa.select(sa.func.min(u.c.id))
            .join(ue, ue.c.user_id == u.c.id)
            .where(u.c.enterprise_id == enterprise_id, ue.c.email == normalize_email(email), ue.c.verified == sa.true())
        ).scalar()
        return int(uid) if uid is not None else None

    def upsert_org(
        self, enterprise_id: int, login: str, *, name: str | None = None, created_at: dt.datetime | None = None
    ) -> tuple[int, Outcome]:
        o = t.organizations
        row = self.conn.execute(sa.select(o).where(o.c.login == login)).first()
        if row is None:
            return self.add_org(enterprise_id, login, name=name, created_at=created_at), "created"
        if row.enterprise_id != enterprise_id:
            raise InvalidInput(f"organization {login!r} belongs to another enterprise")
        changed = self._update_changed(o, row, {"name": name})
        if changed:
            self._touch(enterprise_id, nothing=True)
        return row.id, "updated" if changed else "unchanged"

    def upsert_user(
        self,
        enterprise_id: int,
        login: str,
        *,
        name: str | None = None,
        emails: Sequence[str] = (),
        two_factor: bool | None = None,
        suspended: bool | None = None,
        is_bot: bool | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[int, Outcome]:
        """A cloud account by login: created, or its name/2FA/suspension/bot flag brought up to
        date (None leaves what the ledger has) and missing ``emails`` added as verified (emails
        are never removed by an import)."""
        u, ue = t.users, t.user_emails
        row = self.conn.execute(sa.select(u).where(u.c.enterprise_id == enterprise_id, u.c.login == login)).first()
        if row is None:
            uid = self.add_user(
                enterprise_id, login, name=name, emails=emails, two_factor=two_factor, is_bot=bool(is_bot),
                suspended_at=(at or utcnow()) if suspended else None, created_at=at,
            )
            return uid, "created"
        changed = self._update_changed(u, row, {"name": name, "two_factor": two_factor, "is_bot": is_bot})
        if suspended is True and row.suspended_at is None:
            self.suspend_user(row.id, at)
            changed = True
        elif suspended is False and row.suspended_at is not None:
            self.conn.execute(sa.update(u).where(u.c.id == row.id).values(suspended_at=None))
            changed = True
        known = set(self.conn.execute(sa.select(ue.c.email).where(ue.c.user_id == row.id)).scalars())
        for email in emails:
            e = normalize_email(email)
            if e and e not in known:
                self.add_email(row.id, e, verified=True, primary=not known)
                known.add(e)
                changed = True
        if changed:
            self._touch(enterprise_id, users=(row.id,), committers=(row.id,))
        return row.id, "updated" if changed else "unchanged"

    def ensure_membership(
        self, org_id: int, user_id: int, role: str = "member", *, at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """The person is in the org with ``role`` since ``at`` (as ``source`` asserts); a role
        change ends the old row, an earlier ``at`` moves the start back."""
        m = t.org_memberships
        row = self.conn.execute(
            sa.select(m.c.id, m.c.role, m.c.started_at)
            .where(m.c.organization_id == org_id, m.c.user_id == user_id, m.c.ended_at.is_(None))
        ).first()
        if row is not None and row.role == role:
            self._asserted(m, row.id, source)
            if not self._start_earlier(m, row, at):
                return "unchanged"
            self._touch_org(org_id, users=(user_id,))
            return "updated"
        if row is not None:
            self.end_membership(org_id, user_id, at)
        self._asserted(m, self.add_membership(org_id, user_id, role, started_at=at), source)
        return "created" if row is None else "updated"

    def withdraw_membership(self, org_id: int, user_id: int, source: str, at: dt.datetime | None = None) -> int:
        """``source`` lists the person in the org no more: the membership ends unless another
        source still asserts it (db/provenance.py)."""
        m = t.org_memberships
        if not self._withdrawn(m, m.c.organization_id == org_id, m.c.user_id == user_id, source=source):
            return 0
        return self.end_membership(org_id, user_id, at)

    def _asserted(self, table: sa.Table, fact_id: int, source: str | None) -> None:
        if source is not None:
            provenance.assert_fact(self.conn, table, fact_id, source)

    def _withdrawn(self, table: sa.Table, *where: Any, source: str) -> bool:
        """Withdraw ``source`` from the open fact ``where`` names; True when none asserts it now."""
        row_id = self.conn.execute(sa.select(table.c.id).where(*where, table.c.ended_at.is_(None))).scalar()
        return row_id is not None and provenance.withdraw(self.conn, table, int(row_id), source)

    def _start_earlier(self, table: sa.Table, row: Any, at: dt.datetime | None) -> bool:
        """Start the open fact ``row`` at ``at`` when a source dates it earlier, so the start
        is the earliest any source gives, whatever the order of the imports."""
        if at is None or at >= row.started_at:
            return False
        self.conn.execute(sa.update(table).where(table.c.id == row.id).values(started_at=at))
        return True

    def ensure_collaborator(
        self, repository_id: int, user_id: int, *, permission: str = "write", at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        rc = t.repo_collaborators
        row = self.conn.execute(
            sa.select(rc.c.id, rc.c.started_at)
            .where(rc.c.repository_id == repository_id, rc.c.user_id == user_id, rc.c.ended_at.is_(None))
        ).first()
        if row is not None:
            self._asserted(rc, row.id, source)
            if not self._start_earlier(rc, row, at):
                return "unchanged"
            self._touch_repo(repository_id, users=(user_id,))
            return "updated"
        self._asserted(rc, self.add_collaborator(repository_id, user_id, permission=permission, started_at=at), source)
        return "created"

    def withdraw_collaborator(
        self, repository_id: int, user_id: int, source: str, at: dt.datetime | None = None
    ) -> int:
        """``source`` lists the collaborator no more: ended unless another source asserts it."""
        rc = t.repo_collaborators
        if not self._withdrawn(rc, rc.c.repository_id == repository_id, rc.c.user_id == user_id, source=source):
            return 0
        return self.end_collaborator(repository_id, user_id, at)

    def end_collaborator(self, repository_id: int, user_id: int, at: dt.datetime | None = None) -> int:
        rc = t.repo_collaborators
        self._touch_repo(repository_id, users=(user_id,))
        return self.conn.execute(
            sa.update(rc)
            .where(rc.c.repository_id == repository_id, rc.c.user_id == user_id, rc.c.ended_at.is_(None))
            .values(ended_at=at or utcnow())
        ).rowcount

    def upsert_repo(
        self,
        enterprise_id: int,
        owner_login: str,
        name: str,
        *,
        org_id: int | None = None,
        visibility: str | None = None,
        secret_protection: bool | None = None,
        code_security: bool | None = None,
        is_fork: bool | None = None,
        created_at: dt.datetime | None = None,
        at: dt.datetime | None = None,
    ) -> tuple[int, Outcome]:
        """A repository by owner/name; ``None`` arguments leave what the ledger has. A new one
        starts at ``created_at``; a product enabled or disabled on a known one changes at ``at``
        (default now), never at its creation, which says nothing of when that changed."""
        r = t.repositories
        row = self.conn.execute(
            sa.select(r).where(r.c.enterprise_id == enterprise_id, r.c.owner_login == owner_login, r.c.name == name)
        ).first()
        if row is None:
            rid = self.add_repo(
                enterprise_id, owner_login, name, org_id=org_id, visibility=visibility or "private",
                is_fork=bool(is_fork), secret_protection=bool(secret_protection), code_security=bool(code_security),
                created_at=created_at,
            )
            return rid, "created"
        if visibility is not None and visibility not in ("public", "private", "internal"):
            raise InvalidInput(f"visibility must be public, private or internal, not {visibility!r}")
        seat_facts = {"visibility": visibility, "is_fork": is_fork, "organization_id": org_id}
        seats_changed = self._update_changed(r, row, seat_facts)
        products_changed = False
        for product, enabled in (("secret_protection", secret_protection), ("code_security", code_security)):
            if enabled is not None and getattr(row, f"{product}_enabled") != enabled:
                self.set_repo_products(row.id, **{product: enabled}, at=at)
                products_changed = True
        changed = seats_changed or products_changed
        if seats_changed:
            # Its collaborators' and invitees' seats hang on visibility, fork and owner, and its
            # committers' spans on whether it costs a license.
            self._touch(enterprise_id, **self._people_of_repo(enterprise_id, row.id), repos=(row.id,))
        return row.id, "updated" if changed else "unchanged"

    def _people_of_repo(self, enterprise_id: int, repository_id: int) -> dict[str, Any]:
        """The marks of everyone whose seat reasons name the repository: its collaborators, ever,
        and whoever its invitations may resolve to."""
        rc, i = t.repo_collaborators, t.invitations
        users: set[int | None] = set(
            self.conn.execute(sa.select(rc.c.user_id).where(rc.c.repository_id == repository_id).distinct()).scalars()
        )
        keys: set[str | None] = set()
        for row in self.conn.execute(
            sa.select(i.c.invitee_login, i.c.invitee_user_id, i.c.invitee_email).where(i.c.repository_id == repository_id)
        ):
            marks = self._invitees(enterprise_id, row.invitee_login, row.invitee_user_id, row.invitee_email)
            users |= set(marks["users"])
            keys |= set(marks["keys"])
        return {"users": users, "keys": keys}

    def upsert_invitation(
        self,
        org_id: int,
        *,
        role: str,
        login: str | None = None,
        email: str | None = None,
        repository_id: int | None = None,
        status: str = "pending",
        created_at: dt.datetime | None = None,
        at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """An invitation identified by (org, role, repository, login or email), as ``source``
        asserts; its status follows the source (pending → failed/accepted sets resolved_at)."""
        i = t.invitations
        who = i.c.invitee_login == login if login else i.c.invitee_email == normalize_email(email)
        repo = i.c.repository_id == repository_id if repository_id is not None else i.c.repository_id.is_(None)
        row = self.conn.execute(
            sa.select(i.c.id, i.c.status).where(i.c.organization_id == org_id, i.c.role == role, who, repo)
            .order_by(i.c.id.desc()).limit(1)
        ).first()
        if row is None or row.status in ("accepted", "cancelled"):
            self._asserted(i, self.add_invitation(
                org_id, role=role, login=login, email=email, repository_id=repository_id, status=status,
                created_at=created_at, resolved_at=at or utcnow(),
            ), source)
            return "created"
        self._asserted(i, row.id, source)
        if row.status == status:
            return "unchanged"
        self.conn.execute(
            sa.update(i).where(i.c.id == row.id)
            .values(status=status, resolved_at=None if status == "pending" else (at or utcnow()))
        )
        enterprise_id = self._enterprise_of(t.organizations, org_id)
        if enterprise_id is not None:
            self._touch(enterprise_id, **self._invitees(enterprise_id, login, None, normalize_email(email)))
        return "updated"

    def withdraw_invitation(self, invitation_id: int, source: str, at: dt.datetime | None = None) -> bool:
        """``source`` lists the pending invitation no more: it is cancelled at ``at`` unless
        another source still asserts it (db/provenance.py). True when cancelled."""
        i = t.invitations
        row = self.conn.execute(sa.select(i).where(i.c.id == invitation_id, i.c.status == "pending",
                                                   i.c.resolved_at.is_(None))).first()
        if row is None or not provenance.withdraw(self.conn, i, invitation_id, source):
            return False
        self.conn.execute(sa.update(i).where(i.c.id == invitation_id).values(status="cancelled", resolved_at=at or utcnow()))
        enterprise_id = self._enterprise_of(t.organizations, row.organization_id)
        if enterprise_id is not None:
            self._touch(enterprise_id, **self._invitees(enterprise_id, row.invitee_login, row.invitee_user_id,
                                                        row.invitee_email))
        return True

    def upsert_copilot_seat(
        self,
        org_id: int,
        user_id: int,
        *,
        plan: str = "business",
        created_at: dt.datetime | None = None,
        pending_cancellation_date: dt.date | None = None,
        last_authenticated_at: dt.datetime | None = None,
        last_activity_at: dt.datetime | None = None,
        last_activity_editor: str | None = None,
        at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """The user's Copilot seat in the org as ``source`` lists it at ``at``: created, or
        brought up to date. A pending cancellation ends the seat at the start of its date, as
        :meth:`cancel_copilot_seat` does; a seat listed without one has none (a withdrawn
        cancellation reopens it).

        The seat updated is the latest one not revoked, when it still holds at ``at`` or the
        source's ``created_at`` is before its end (the same seat, its cancellation date
        passed); otherwise the listed seat is a new one."""
        cs = t.copilot_seats
        now = at or utcnow()
        ends = (
            dt.datetime.combine(pending_cancellation_date, dt.time())
            if pending_cancellation_date is not None else None
        )
        row = self.conn.execute(
            sa.select(cs)
            .where(cs.c.organization_id == org_id, cs.c.user_id == user_id,
                   sa.or_(cs.c.ended_at.is_(None), cs.c.pending_cancellation_date.is_not(None)))
            .order_by(cs.c.id.desc())
            .limit(1)
        ).first()
        if row is not None and row.ended_at is not None and row.ended_at <= now and not (
            created_at is not None and created_at < row.ended_at
        ):
            row = None
        if row is None:
            self._asserted(cs, self.add_copilot_seat(
                org_id, user_id, plan=plan, created_at=created_at, pending_cancellation_date=pending_cancellation_date,
                ended_at=ends, last_authenticated_at=last_authenticated_at, last_activity_at=last_activity_at,
                last_activity_editor=last_activity_editor,
            ), source)
            return "created"
        self._asserted(cs, row.id, source)
        changed = self._update_changed(
            cs, row,
            {"plan": plan, "last_authenticated_at": last_authenticated_at, "last_activity_at": last_activity_at,
             "last_activity_editor": last_activity_editor},
        )
        if (row.pending_cancellation_date, row.ended_at) != (pending_cancellation_date, ends):
            self.conn.execute(
                sa.update(cs).where(cs.c.id == row.id).values(pending_cancellation_date=pending_cancellation_date,
                                                              ended_at=ends)
            )
            changed = True
        if changed:
            self._touch_org(org_id, nothing=True)
        return "updated" if changed else "unchanged"

    def upsert_server(
        self,
        enterprise_id: int,
        server_id: str,
        hostname: str,
        *,
        version: str | None = None,
        http_only: bool | None = None,
        license_hash: str | None = None,
    ) -> tuple[int, Outcome]:
        si = t.server_instances
        row = self.conn.execute(sa.select(si).where(si.c.server_id == server_id)).first()
        if row is None:
            sid = self.add_server(enterprise_id, server_id, hostname, version=version)
            self.conn.execute(
                sa.update(si).where(si.c.id == sid).values(http_only=bool(http_only), license_hash=license_hash)
            )
            return sid, "created"
        if row.enterprise_id != enterprise_id:
            raise InvalidInput(f"server {server_id!r} belongs to another enterprise")
        changed = self._update_changed(
            si, row, {"hostname": hostname, "version": version, "http_only": http_only, "license_hash": license_hash}
        )
        if changed:
            self._touch(enterprise_id, nothing=True)
        return row.id, "updated" if changed else "unchanged"

    def upsert_server_account(
        self,
        server_instance_id: int,
        user_id: int,
        login: str,
        *,
        primary_email: str | None,
        other_emails: Sequence[str] = (),
        suspended: bool = False,
        dormant: bool = False,
        site_admin: bool = False,
        is_scim_setup_user: bool = False,
        code_security_user: bool = False,
        secret_protection_user: bool = False,
        created_at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """A server account by the server's own user id, there since ``created_at`` (an
        export's date; an earlier one moves the start back), as ``source`` asserts; matches are
        left to the matcher."""
        sac = t.server_accounts
        row = self.conn.execute(
            sa.select(sac).where(sac.c.server_instance_id == server_instance_id, sac.c.user_id == user_id)
        ).first()
        if row is None:
            self._asserted(sac, self.add_server_account(
                server_instance_id, user_id, login, primary_email=primary_email, other_emails=other_emails,
                suspended=suspended, dormant=dormant, site_admin=site_admin, is_scim_setup_user=is_scim_setup_user,
                code_security_user=code_security_user, secret_protection_user=secret_protection_user,
                created_at=created_at,
            ), source)
            return "created"
        self._asserted(sac, row.id, source)
        moved = created_at is not None and created_at < row.created_at
        if moved:
            self.conn.execute(sa.update(sac).where(sac.c.id == row.id).values(created_at=created_at))
            self._touch_server(server_instance_id, **self._server_account_marks(server_instance_id, row))
        values = {
            "login": login,
            "primary_email": normalize_email(primary_email),
            "other_emails": " ".join(filter(None, (normalize_email(e) for e in other_emails))),
            "suspended": suspended, "dormant": dormant, "site_admin": site_admin,
            "is_scim_setup_user": is_scim_setup_user or login == "scim-admin",
            "advanced_security_user": code_security_user or secret_protection_user,
            "code_security_user": code_security_user, "secret_protection_user": secret_protection_user,
        }
        cleared = False
        if not primary_email:
            values.pop("primary_email")
            if row.primary_email is not None:
                self.conn.execute(sa.update(sac).where(sac.c.id == row.id).values(primary_email=None))
                cleared = True
        before = self._server_account_marks(server_instance_id, row)
        changed = self._update_changed(sac, row, values) or cleared
        if changed:
            after = self.conn.execute(sa.select(sac).where(sac.c.id == row.id)).one()
            now = self._server_account_marks(server_instance_id, after)
            self._touch_server(server_instance_id, users=(*before["users"], *now["users"]), keys=(*before["keys"], *now["keys"]))
        return "updated" if changed or moved else "unchanged"

    def remove_server_accounts(self, server_instance_id: int, keep_user_ids: set[int], source: str) -> int:
        """``source`` lists only ``keep_user_ids`` (the server's own user ids) on the instance:
        the others it asserted, or that no source is recorded for, are removed unless another
        source still asserts them (an account missing from a new export no longer exists)."""
        sac = t.server_accounts
        rows = self.conn.execute(sa.select(sac.c.id, sac.c.user_id).where(sac.c.server_instance_id == server_instance_id))
        return self.withdraw_server_accounts([row.id for row in rows if row.user_id not in keep_user_ids], source)

    def withdraw_server_accounts(self, account_ids: Sequence[int], source: str) -> int:
        """``source`` lists these server accounts no more: each is deleted unless another
        source still asserts it (db/provenance.py). Returns how many were deleted."""
        sac = t.server_accounts
        gone = [a for a in account_ids if provenance.withdraw(self.conn, sac, a, source)]
        for start in range(0, len(gone), 900):
            chunk = gone[start : start + 900]
            marks: dict[int, dict[str, list[Any]]] = {}
            for row in self.conn.execute(sa.select(sac).where(sac.c.id.in_(chunk))).all():
                of_server = marks.setdefault(row.server_instance_id, {"users": [], "keys": []})
                for name, values in self._server_account_marks(row.server_instance_id, row).items():
                    of_server[name] += values
            self.conn.execute(sa.delete(sac).where(sac.c.id.in_(chunk)))
            for server_instance_id, of_server in marks.items():
                self._touch_server(server_instance_id, **of_server)
        return len(gone)

    def upsert_vs_subscription(
        self,
        enterprise_id: int,
        subscriber_email: str,
        *,
        name: str | None = None,
        level: str | None = None,
        status: str = "active",
        source: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> Outcome:
        """A subscriber by email, subscribed since ``created_at`` (an earlier one moves the
        start back; default now)."""
        vs = t.vs_subscriptions
        email = normalize_email(subscriber_email)
        row = self.conn.execute(
            sa.select(vs).where(vs.c.enterprise_id == enterprise_id, vs.c.subscriber_email == email)
        ).first()
        if row is None:
            sub_id = self.add_vs_subscription(
                enterprise_id, email or "", name=name, level=level, status=status, created_at=created_at
            )
            self._asserted(vs, sub_id, source if status == "active" else None)
            return "created"
        self._asserted(vs, row.id, source if status == "active" else None)
        changed = self._update_changed(vs, row, {"name": name, "level": level, "status": status})
        if created_at is not None and created_at < row.created_at:
            self.conn.execute(sa.update(vs).where(vs.c.id == row.id).values(created_at=created_at))
            changed = True
        if changed:
            self._touch(enterprise_id, users=(row.matched_user_id,), keys=(email,))
        return "updated" if changed else "unchanged"

    def withdraw_vs_subscription(self, enterprise_id: int, subscriber_email: str, source: str) -> Outcome:
        """``source`` lists the subscriber no more: inactive unless another source asserts it."""
        vs = t.vs_subscriptions
        sub_id = self.conn.execute(sa.select(vs.c.id).where(
            vs.c.enterprise_id == enterprise_id, vs.c.subscriber_email == normalize_email(subscriber_email)
        )).scalar()
        if sub_id is None or not provenance.withdraw(self.conn, vs, int(sub_id), source):
            return "unchanged"
        return self.upsert_vs_subscription(enterprise_id, subscriber_email, status="inactive")

    def set_webhook_secret(self, enterprise_id: int, secret: str) -> None:
        self.conn.execute(
            sa.update(t.enterprises).where(t.enterprises.c.id == enterprise_id).values(webhook_secret=secret)
        )

    def ingest_checkpoint(self, source: str, key: str) -> str | None:
        """The resume point an importer saved for ``(source, key)``, or None."""
        ir = t.ingest_runs
        return self.conn.execute(
            sa.select(ir.c.checkpoint).where(ir.c.source == source, ir.c.key == key)
        ).scalar()

    def claim_ingest_run(self, source: str, key: str, *, at: dt.datetime | None = None) -> bool:
        """Record ``key`` of ``source`` as read unless it already is; False if it was. A
        concurrent claim of the same key waits for the first to commit or roll back, so of
        two transactions claiming one key exactly one goes on."""
        ir = t.ingest_runs
        values = {"source": source, "key": key, "finished_at": at or utcnow()}
        check_row(ir, values)
        insert = sa_postgresql.insert if self.conn.dialect.name == "postgresql" else sa_sqlite.insert
        claimed = self.conn.execute(insert(ir).values(**values).on_conflict_do_nothing().returning(ir.c.id)).first()
        return claimed is not None

    def has_ingest_run(self, source: str, key: str) -> bool:
        ir = t.ingest_runs
        return self.conn.execute(sa.select(ir.c.id).where(ir.c.source == source, ir.c.key == key)).first() is not None

    def save_ingest_run(
        self, source: str, key: str, checkpoint: str | None = None, *, at: dt.datetime | None = None
    ) -> None:
        """Record that ``key`` of ``source`` was read, with the resume point to start from next."""
        ir = t.ingest_runs
        updated = self.conn.execute(
            sa.update(ir).where(ir.c.source == source, ir.c.key == key)
            .values(checkpoint=checkpoint, finished_at=at or utcnow())
        ).rowcount
        if not updated:
            self._insert(ir, source=source, key=key, checkpoint=checkpoint, finished_at=at or utcnow())

    def delete_ingest_runs(self, source: str, key_prefix: str) -> int:
        ir = t.ingest_runs
        return self.conn.execute(
            sa.delete(ir).where(ir.c.source == source, ir.c.key.startswith(key_prefix, autoescape=True))
        ).rowcount

    def delete_cost_center(self, cost_center_id: str, *, at: dt.datetime | None = None) -> None:
        """Mark a cost center deleted; its resources and past usage stay (spec 2.4)."""
        cc = t.cost_centers
        enterprise_id = self.conn.execute(
            sa.update(cc).where(cc.c.id == cost_center_id).values(deleted_at=at or utcnow()).returning(cc.c.enterprise_id)
        ).scalar()
        if enterprise_id is None:
            raise NotFound(f"no cost center {cost_center_id!r}")
        self._touch(int(enterprise_id), nothing=True)

    def upsert_team(
        self, enterprise_id: int, org_id: int | None, slug: str, *, name: str | None = None
    ) -> tuple[int, Outcome]:
        tm = t.teams
        org = tm.c.organization_id == org_id if org_id is not None else tm.c.organization_id.is_(None)
        row = self.conn.execute(sa.select(tm).where(tm.c.enterprise_id == enterprise_id, org, tm.c.slug == slug)).first()
        if row is None:
            return self.add_team(enterprise_id, slug, org_id=org_id, name=name), "created"
        changed = self._update_changed(tm, row, {"name": name})
        if changed:
            self._touch(enterprise_id, nothing=True)
        return row.id, "updated" if changed else "unchanged"

    def set_team_member(self, team_id: int, user_id: int, member: bool) -> Outcome:
        """Add (``member``) or remove a person from a team; "unchanged" if already so."""
        tmm = t.team_members
        where = sa.and_(tmm.c.team_id == team_id, tmm.c.user_id == user_id)
        present = self.conn.execute(sa.select(tmm.c.team_id).where(where)).first() is not None
        if present == member:
            return "unchanged"
        self._touch(self._enterprise_of(t.teams, team_id), nothing=True)
        if member:
            self._insert(tmm, team_id=team_id, user_id=user_id)
            return "created"
        self.conn.execute(sa.delete(tmm).where(where))
        return "updated"

    def ensure_enterprise_role(
        self, enterprise_id: int, user_id: int, role: str, *, at: dt.datetime | None = None,
        source: str | None = None,
    ) -> Outcome:
        """The person holds ``role`` in the enterprise since ``at`` ("unchanged" if already)."""
        er = t.enterprise_roles
        held = self.conn.execute(
            sa.select(er.c.id, er.c.started_at).where(
                er.c.enterprise_id == enterprise_id, er.c.user_id == user_id, er.c.role == role, er.c.ended_at.is_(None)
            )
        ).first()
        if held is not None:
            self._asserted(er, held.id, source)
            if not self._start_earlier(er, held, at):
                return "unchanged"
            self._touch(enterprise_id, nothing=True)
            return "updated"
        self._asserted(er, self.add_enterprise_role(enterprise_id, user_id, role, started_at=at), source)
        return "created"

    def withdraw_enterprise_role(
        self, enterprise_id: int, user_id: int, role: str, source: str, *, at: dt.datetime | None = None
    ) -> int:
        """``source`` lists the role no more: ended unless another source asserts it."""
        er = t.enterprise_roles
        where = (er.c.enterprise_id == enterprise_id, er.c.user_id == user_id, er.c.role == role)
        if not self._withdrawn(er, *where, source=source):
            return 0
        return self.end_enterprise_role(enterprise_id, user_id, role, at=at)

    def end_enterprise_role(
        self, enterprise_id: int, user_id: int, role: str, *, at: dt.datetime | None = None
    ) -> int:
        """The person no longer holds ``role`` in the enterprise (the row stays, ended)."""
        er = t.enterprise_roles
        ended = self.conn.execute(
            sa.update(er).where(
                er.c.enterprise_id == enterprise_id, er.c.user_id == user_id, er.c.role == role, er.c.ended_at.is_(None)
            ).values(ended_at=at or utcnow())
        ).rowcount
        if ended:
            self._touch(enterprise_id, nothing=True)
        return int(ended)
