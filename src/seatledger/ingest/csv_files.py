"""Reading the CSV files people hand to ``ingest`` (directory lists, VS subscribers).

A file is checked whole before anything is written: a missing column or a bad row rejects
the file with the line number, so an import is never half-applied.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Iterator, Sequence

from seatledger import validation
from seatledger.db.clock import utcnow
from seatledger.errors import ImportRejected, InvalidInput
from seatledger.ingest.timestamps import parse_timestamp

TRUE = frozenset({"true", "t", "yes", "y", "1"})
FALSE = frozenset({"false", "f", "no", "n", "0"})


def read_rows(
    data: bytes, *, required: Sequence[str], aliases: dict[str, str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) with lower-cased header names and stripped values.

    Malformed CSV is rejected with the line and the reason, never read some other way: a quote
    left open (which would swallow every later line into one field), text after a closing
    quote, a column named twice (which would keep one of the two values)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(f"the file is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected("the file is empty") from None
    except csv.Error as exc:
        raise ImportRejected(f"line 1: {_reason(exc)}") from exc
    names = [(aliases or {}).get(h.strip().lower(), h.strip().lower()) for h in header]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ImportRejected(f"line 1: the header names {', '.join(repr(n) for n in twice)} more than once")
    missing = [c for c in required if c not in names]
    if missing:
        raise ImportRejected(f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    while True:
        start = reader.line_num + 1  # a record may span lines (a quoted line break): name its first
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportRejected(f"line {start}: {_reason(exc)}") from exc
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(names):
            raise ImportRejected(f"line {start}: {len(values)} fields, the header has {len(names)}")
        row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names)}
        for name, value in row.items():
            if "\x00" in value:  # PostgreSQL refuses it, SQLite would keep it: refused on both
                raise ImportRejected(f"line {start}: {name} contains a NUL byte")
        yield start, row


def _reason(exc: csv.Error) -> str:
    message = str(exc)
    if message == "unexpected end of data":
        return "a quoted field is not closed before the end of the file"
    return message


def parse_bool(value: str, *, line: int, column: str) -> bool | None:
    """true/false, yes/no, 1/0 (any case); empty is None (not stated)."""
    v = value.strip().lower()
    if not v:
        return None
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise ImportRejected(f"line {line}: {column} must be true or false, not {value!r}")


def check_email(value: str, *, line: int, column: str) -> str:
    email = value.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or " " in email:
        raise ImportRejected(f"line {line}: {column} {value!r} is not an email address")
    return check_length(email, line=line, column=column, max_length=validation.EMAIL_MAX)


def check_length(value: str, *, line: int, column: str, max_length: int) -> str:
    """``value`` if it fits its column; the same refusal on both databases."""
    if len(value) > max_length:
        raise ImportRejected(f"line {line}: {column} is longer than {max_length} characters")
    return value


def csv_since(row: dict[str, str], line: int) -> dt.datetime | None:
    """The row's ``since`` column: when its fact began (None: empty, the import's time)."""
    value = row.get("since", "")
    try:
        since = parse_timestamp(value or None)
    except InvalidInput:
        raise ImportRejected(f"line {line}: since must be a date (YYYY-MM-DD), not {value!r}") from None
    if since is not None and since > utcnow():
        raise ImportRejected(f"line {line}: since {value} is in the future")
    return since
