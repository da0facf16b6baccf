"""The reclaim list as CSV: one row per seat that could be taken back, named columns that stay
put (``HEADER``), cells a spreadsheet would run as a formula neutralised."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Iterator, TextIO

from seatledger.reports.csv_safety import neutralise

if TYPE_CHECKING:
    from seatledger.licensing import Reclaim

HEADER = ("product", "category", "login_or_email", "name", "organization", "since", "detail")


def reclaim_rows(found: Reclaim) -> Iterator[list[str]]:
    """The header, then the candidates in the engine's order."""
    yield list(HEADER)
    for c in found.candidates:
        yield [
            c.product,
            c.category,
            neutralise(c.login or c.person_key.partition(":")[2]),
            neutralise(c.name or ""),
            neutralise(c.organization or ""),
            c.since.isoformat(sep=" ") if c.since else "",
            c.detail,
        ]


def write_reclaim_csv(found: Reclaim, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\r\n")
    for row in reclaim_rows(found):
        writer.writerow(row)
