"""The change list as CSV (``reports/changes.py``): exact bytes, header first, one row per change
in the engine's order, times to the second, cells a spreadsheet would run neutralised."""

from __future__ import annotations

import datetime as dt
import io

from seatledger.licensing import LicenseChange, LicenseChanges
from seatledger.reports.changes import HEADER, change_rows, write_changes_csv

START, END = dt.datetime(2026, 10, 1), dt.datetime(2026, 10, 31, 23, 59, 59)


def _changes(*changes: LicenseChange) -> LicenseChanges:
    return LicenseChanges("acme", None, START, END, (), changes)


def test_each_change_is_one_crlf_row_under_the_header_with_the_time_to_the_second() -> None:
    found = _changes(
        LicenseChange(
            "enterprise",
            "added",
            dt.datetime(2026, 10, 2, 9, 30, 5, 123456),
            "user:1",
            "ann",
            "Ann Lee",
            "org_member",
            "joined organization acme-web",
        ),
        LicenseChange(
            "copilot",
            "removed",
            dt.datetime(2026, 10, 3),
            "invite:bo@acme.test",
            "bo@acme.test",
            None,
            "seat_cancelled",
            "Copilot seat cancelled in acme-web, by an admin",
        ),
    )
    out = io.StringIO(newline="")
    write_changes_csv(found, out)
    assert out.getvalue() == (
        "date,product,change,login_or_email,name,reason,rule\r\n"
        "2026-10-02 09:30:05,enterprise,added,ann,Ann Lee,org_member,joined organization acme-web\r\n"
        '2026-10-03 00:00:00,copilot,removed,bo@acme.test,,seat_cancelled,"Copilot seat cancelled in acme-web, by an admin"\r\n'
    )


def test_a_login_name_or_rule_a_spreadsheet_would_run_is_neutralised() -> None:
    found = _changes(
        LicenseChange("enterprise", "added", START, "user:2", "-bot", '=HYPERLINK("x")', "org_member", "@joined")
    )
    header, row = change_rows(found)
    assert header == list(HEADER)
    assert row == ["2026-10-01 00:00:00", "enterprise", "added", "'-bot", '\'=HYPERLINK("x")', "org_member", "'@joined"]


def test_no_change_is_the_header_alone() -> None:
    out = io.StringIO(newline="")
    write_changes_csv(_changes(), out)
    assert out.getvalue() == ",".join(HEADER) + "\r\n"
