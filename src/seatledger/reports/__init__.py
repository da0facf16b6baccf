"""License reports: GitHub's CSV files (and the server usage JSON), streamed.

Surfaces (CLI, web, exports) name a report kind and a scope and get bytes; they never need
to know the modules behind it::

    with engine.connect() as conn:
        write_report("advanced-security", conn, Scope.org("acme"), out, product="code_security")

Kinds (:data:`REPORT_KINDS`):

- ``license-usage``: enterprise (or organization) license usage CSV, spec 3.1
- ``advanced-security``: Advanced Security CSV for one product, spec 3.2
- ``copilot-activity``: Copilot activity report CSV, spec 3.3
- ``server-usage``: a server instance's exported license usage JSON, spec 3.5

:func:`open_report` checks the request at once (unknown scope -> NotFound, bad product ->
InvalidInput) and returns an iterator of encoded chunks that reads the ledger as it is
consumed: the connection must stay open until it is exhausted.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator

from sqlalchemy.engine import Connection

from seatledger.errors import InvalidInput
from seatledger.licensing import Scope
from seatledger.reports import advanced_security, copilot_activity, license_usage, server_usage
from seatledger.reports.server_usage import ServerScope
from seatledger.reports.writer import Progress, atomic_file, write_chunks

__all__ = [
    "REPORT_KINDS",
    "ReportKind",
    "ReportScope",
    "ServerScope",
    "expected_rows",
    "get_report_kind",
    "open_report",
    "report_filename",
    "write_report",
    "write_report_file",
]

ReportScope = Scope | ServerScope


@dataclass(frozen=True)
class ReportKind:
    """One downloadable report: how it is named, served and for which scopes it exists."""

    name: str
    title: str
    media_type: str
    extension: str
    scopes: tuple[str, ...]
    needs_product: bool
    open: Callable[..., Iterator[bytes]]
    # The row count a progress bar can aim at, when the engine knows it up front.
    expected_rows: Callable[..., int] | None = None


# Each opener takes the scope ``open_report`` checked against the report's scopes (its kind),
# so it is the report's own kind of scope; a type cannot say that of ReportScope.
def _open_license_usage(
    conn: Connection, scope: ReportScope, product: str | None, *, as_of: dt.datetime | None, progress: Progress | None
) -> Iterator[bytes]:
    return license_usage.iter_report(conn, scope, as_of=as_of, progress=progress)  # type: ignore[arg-type]  # checked kind


def _open_advanced_security(
    conn: Connection, scope: ReportScope, product: str | None, *, as_of: dt.datetime | None, progress: Progress | None
) -> Iterator[bytes]:
    return advanced_security.iter_report(conn, scope, product, as_of=as_of, progress=progress)  # type: ignore[arg-type]  # checked kind


def _open_copilot_activity(
    conn: Connection, scope: ReportScope, product: str | None, *, as_of: dt.datetime | None, progress: Progress | None
) -> Iterator[bytes]:
    return copilot_activity.iter_report(conn, scope, as_of=as_of, progress=progress)  # type: ignore[arg-type]  # checked kind


def _open_server_usage(
    conn: Connection, scope: ReportScope, product: str | None, *, as_of: dt.datetime | None, progress: Progress | None
) -> Iterator[bytes]:
    return server_usage.iter_report(conn, scope, as_of=as_of, progress=progress)  # type: ignore[arg-type]  # checked kind


REPORT_KINDS: dict[str, ReportKind] = {
    k.name: k
    for k in (
        ReportKind(
            "license-usage",
            "License usage",
            "text/csv; charset=utf-8",
            "csv",
            license_usage.SCOPES,
            False,
            _open_license_usage,
            lambda conn, scope, product, as_of: license_usage.expected_rows(conn, scope, as_of=as_of),
        ),
        ReportKind(
            "advanced-security",
            "Advanced Security committers",
            "text/csv; charset=utf-8",
            "csv",
            advanced_security.SCOPES,
            True,
            _open_advanced_security,
        ),
        ReportKind(
            "copilot-activity",
            "Copilot activity",
            "text/csv; charset=utf-8",
            "csv",
            copilot_activity.SCOPES,
            False,
            _open_copilot_activity,
            lambda conn, scope, product, as_of: copilot_activity.expected_rows(conn, scope, as_of=as_of),
        ),
        ReportKind(
            "server-usage",
            "Server license usage",
            "application/json",
            "json",
            ("server",),
            False,
            _open_server_usage,
        ),
    )
}


def get_report_kind(name: str) -> ReportKind:
    """The report kind called ``name``; InvalidInput lists the known ones."""
    try:
        return REPORT_KINDS[name]
    except KeyError:
        raise InvalidInput(f"unknown report {name!r}; one of {', '.join(REPORT_KINDS)}") from None


def _checked(kind: str, scope: ReportScope, product: str | None) -> ReportKind:
    report = get_report_kind(kind)
    if scope.kind not in report.scopes:
        scopes = ", ".join(s.replace("_", " ") for s in report.scopes)
        raise InvalidInput(f"the {kind} report is written per {scopes}, not per {scope.kind.replace('_', ' ')}")
    if product is not None and not report.needs_product:
        raise InvalidInput(f"the {kind} report takes no product")
    return report


def open_report(
    kind: str,
    conn: Connection,
    scope: ReportScope,
    *,
    product: str | None = None,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Iterator[bytes]:
    """The report's encoded chunks (for an HTTP streaming response or a file).

    Raises NotFound / InvalidInput now; the ledger is read as the chunks are taken.
    ``progress`` hears the number of records written so far, every thousand and at the end.
    """
    report = _checked(kind, scope, product)
    return report.open(conn, scope, product, as_of=as_of, progress=progress)


def write_report(
    kind: str,
    conn: Connection,
    scope: ReportScope,
    out: BinaryIO,
    *,
    product: str | None = None,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the report to a binary stream; returns the number of bytes written."""
    return write_chunks(open_report(kind, conn, scope, product=product, as_of=as_of, progress=progress), out)


def write_report_file(
    kind: str,
    conn: Connection,
    scope: ReportScope,
    path: str | os.PathLike[str],
    *,
    product: str | None = None,
    as_of: dt.datetime | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the report to ``path`` through a temporary file renamed into place on success,
    so a failed or interrupted report never leaves a truncated file; returns bytes written."""
    chunks = open_report(kind, conn, scope, product=product, as_of=as_of, progress=progress)
    with atomic_file(path) as out:
        return write_chunks(chunks, out)


def expected_rows(
    kind: str, conn: Connection, scope: ReportScope, *, product: str | None = None, as_of: dt.datetime | None = None
) -> int | None:
    """How many records the report will have, when the counting engine knows it up front."""
    report = _checked(kind, scope, product)
    if report.expected_rows is None:
        return None
    return report.expected_rows(conn, scope, product, as_of)


_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


def report_filename(
    kind: str, scope: ReportScope, *, product: str | None = None, as_of: dt.datetime | None = None
) -> str:
    """A download name such as ``advanced-security-code_security-acme-2024-05-01.csv``."""
    report = get_report_kind(kind)
    day = (as_of or dt.datetime.now(dt.timezone.utc)).date().isoformat()
    parts = [
        kind,
        *([product] if product else []),
        _UNSAFE_IN_FILENAME.sub("_", scope.name).strip("_.") or "scope",
        day,
    ]
    return "-".join(parts) + "." + report.extension
