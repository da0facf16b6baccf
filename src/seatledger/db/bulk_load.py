"""The bulk loader of the ledger, for millions of rows (the demo's ``large`` size, git
imports): binary COPY with set-wise foreign-key checks on PostgreSQL, the driver's
executemany on SQLite. Like every bulk path it does not bump the ledger version: the caller
bumps once for the transaction.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
from typing import Any, Iterable, Mapping, Sequence

import sqlalchemy as sa

from seatledger.db import intervals
from seatledger.db import tables as t
from seatledger.db.engine import sqlite_page_cache
from seatledger.db.ledger_writer import LedgerWriter
from seatledger.errors import InvalidInput

BULK_CHUNK = 5000
# A COPY of at least this many rows may be followed by ANALYZE (see BulkLoad._refresh_statistics).
ANALYZE_AFTER_ROWS = 1_000
SQLITE_CHUNK = 20_000  # rows per driver executemany in bulk_insert_rows
SQLITE_LOAD_CACHE_KIB = 512 * 1024  # SQLite page cache while bulk_insert_rows loads


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


class BulkLoad(LedgerWriter):
    """Many rows at once, through the fastest path each database has."""

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
    def _keys_to_check_set_wise(cur: Any, table: sa.Table, columns: tuple[str, ...]) -> list[tuple[int, str, str, str]]:
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
        cur.execute(
            f'SELECT count(*) FROM (SELECT 1 FROM {target} WHERE "{ref}" = ANY(%s) FOR KEY SHARE) k', (list(values),)
        )
        row = cur.fetchone()
        found = row[0] if row else 0
        if found != len(values):
            import psycopg

            detail = (
                f'insert or update on table "{table.name}" violates foreign key constraint: '
                f'{len(values) - found} value(s) of {column} are not present in table "{target}"'
            )
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
            processors = [
                _sqlite_datetime if isinstance(table.c[name].type, sa.DateTime) else p
                for name, p in zip(columns, processors)
            ]
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
