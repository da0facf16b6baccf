"""Reading the CSV files people hand to ``ingest`` (directory lists, VS subscribers).

A file is checked whole before anything is written: a missing column or a bad row rejects
the file with the line number, so an import is never half-applied.
"""

from __future__ import annotations

import csv
import io
from typing import Iterator, Sequence

from seatledger.errors import ImportRejected

TRUE = frozenset({"true", "t", "yes", "y", "1"})
FALSE = frozenset({"false", "f", "no", "n", "0"})


def read_rows(data: bytes, *, required: Sequence[str], aliases: dict[str, str] | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) with lower-cased header names and stripped values."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(f"the file is not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRejected("the file is empty") from None
    except csv.Error as exc:
        raise ImportRejected(f"line 1: {exc}") from exc
    names = [(aliases or {}).get(h.strip().lower(), h.strip().lower()) for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise ImportRejected(f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    try:
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(names):
                raise ImportRejected(f"line {reader.line_num}: {len(values)} fields, the header has {len(names)}")
            row = {name: (values[i].strip() if i < len(values) else "") for i, name in enumerate(names)}
            yield reader.line_num, row
    except csv.Error as exc:
        raise ImportRejected(f"line {reader.line_num}: {exc}") from exc


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
    return email
