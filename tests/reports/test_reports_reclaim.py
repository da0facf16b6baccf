"""The reclaim list as CSV (``reports/reclaim.py``): exact bytes, header first, one row per
candidate in the engine's order, an email where there is no login, cells a spreadsheet would
run neutralised."""

from __future__ import annotations

import datetime as dt
import io

from seatledger.licensing import Reclaim, ReclaimCandidate, ReclaimRules
from seatledger.reports.reclaim import HEADER, reclaim_rows, write_reclaim_csv

AS_OF = dt.datetime(2026, 10, 31, 23, 59, 59)


def _reclaim(*candidates: ReclaimCandidate) -> Reclaim:
    return Reclaim("acme", "enterprise", AS_OF, ReclaimRules(), candidates)


def test_each_candidate_is_one_crlf_row_under_the_header_in_the_engines_order() -> None:
    found = _reclaim(
        ReclaimCandidate(
            "enterprise",
            "stale_invitation",
            "invite:zed@acme.test",
            None,
            None,
            "acme-web",
            dt.datetime(2026, 8, 1, 10, 0),
            "invited 91 days ago, never accepted",
        ),
        ReclaimCandidate("copilot", "idle", "user:7", "ann", "Ann, Lee", "acme-web", None, "no activity", seat_id=3),
    )
    out = io.StringIO(newline="")
    write_reclaim_csv(found, out)
    assert out.getvalue() == (
        "product,category,login_or_email,name,organization,since,detail\r\n"
        'enterprise,stale_invitation,zed@acme.test,,acme-web,2026-08-01 10:00:00,"invited 91 days ago, never accepted"\r\n'
        'copilot,idle,ann,"Ann, Lee",acme-web,,no activity\r\n'
    ), "an invitation without a login is named by its email; no since is an empty cell"


def test_a_login_name_or_organization_a_spreadsheet_would_run_is_neutralised() -> None:
    found = _reclaim(
        ReclaimCandidate(
            "enterprise", "suspended_server", "server:+1@acme.test", None, "@admin", "=org", None, "suspended"
        )
    )
    header, row = reclaim_rows(found)
    assert header == list(HEADER)
    assert row == ["enterprise", "suspended_server", "'+1@acme.test", "'@admin", "'=org", "", "suspended"]


def test_no_candidate_is_the_header_alone() -> None:
    out = io.StringIO(newline="")
    write_reclaim_csv(_reclaim(), out)
    assert out.getvalue() == ",".join(HEADER) + "\r\n"
