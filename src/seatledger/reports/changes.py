"""The change list as CSV: one row per person starting or stopping a license, named columns
that stay put (``HEADER``), cells a spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Iterator, TextIO

from seatledger.reports.csv_safety import neutralise

if TYPE_CHECKING:
    from seatledger.licensing import LicenseChanges

HEADER = ("date", "product", "change", "login_or_email", "name", "reason", "rule")


def change_rows(changes: LicenseChanges) -> Iterator[list[str]]:
    """The header, then the changes in time order."""
    yield list(HEADER)
    for c in changes.changes:
        yield [
            c.at.replace(microsecond=0).isoformat(sep=" "),
            c.product,
            c.change,
            neutralise(c.handle),
            neutralise(c.name or ""),
            c.reason,
            neutralise(c.rule),
        ]


def write_changes_csv(changes: LicenseChanges, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    for row in change_rows(changes):
        writer.writerow(row)
