"""The Copilot activity report: five columns, one row per seat holder, readable surfaces."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.engine import Engine

from seatledger.licensing import Scope
from seatledger.reports import write_report
from seatledger.reports.copilot_activity import HEADER, surface_name

from reports_ledger import AS_OF, SmallLedger


@pytest.mark.parametrize(
    ("editor", "surface"),
    [
        ("vscode/1.89.1/copilot/1.186.0", "VS Code 1.89.1"),
        ("vscode/1.77.3/copilot/1.86.82", "VS Code 1.77.3"),
        ("JetBrains-IU/241.15989.150/copilot-intellij/1.5.0", "JetBrains IntelliJ IDEA 241.15989.150"),
        ("JetBrains-XX/1.0", "JetBrains 1.0"),
        ("VisualStudio/17.9.6/copilot-vs/1.0", "Visual Studio 17.9.6"),
        ("Neovim/0.9.5/copilot.vim/1.30", "Neovim 0.9.5"),
        ("copilot-chat", "Copilot Chat"),
        ("copilot-chat/0.15.0", "Copilot Chat 0.15.0"),
        ("github.com", "GitHub.com"),
        ("vscode/insiders", "VS Code"),
        ("SomeNewEditor/2.0", "SomeNewEditor/2.0"),
        (None, "Unspecified"),
        ("", "Unspecified"),
        ("  ", "Unspecified"),
    ],
)
def test_last_surface_used_is_a_readable_editor_name(editor: str | None, surface: str) -> None:
    assert surface_name(editor) == surface


def test_the_header_is_the_five_columns_of_the_activity_report() -> None:
    assert HEADER == ("report_time", "login", "last_authenticated_at", "last_activity_at", "last_surface_used")


def _activity(engine: Engine, scope: Scope) -> bytes:
    out = io.BytesIO()
    with engine.connect() as conn:
        write_report("copilot-activity", conn, scope, out, as_of=AS_OF)
    return out.getvalue()


def test_organization_activity_report_is_exact(engine: Engine, small_ledger: SmallLedger) -> None:
    assert _activity(engine, Scope.org("acme-ops")) == (
        b"report_time,login,last_authenticated_at,last_activity_at,last_surface_used\r\n"
        b"2024-05-01T12:00:00Z,bob,,,JetBrains IntelliJ IDEA 241.15989\r\n"
        + "2024-05-01T12:00:00Z,zoë,2024-04-28T12:00:00Z,2024-04-28T12:00:00Z,Copilot Chat\r\n".encode("utf-8")
    )


def test_distinct_logins_equal_the_engines_seat_total_per_org_and_enterprise(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    from seatledger.licensing import copilot_totals

    for scope in (Scope.enterprise("acme"), Scope.org("acme-eng"), Scope.org("acme-ops")):
        rows = list(csv.reader(io.StringIO(_activity(engine, scope).decode("utf-8"), newline="")))
        assert tuple(rows[0]) == HEADER
        with engine.connect() as conn:
            total = copilot_totals(conn, scope, as_of=AS_OF).breakdown.total
        assert len({r[1] for r in rows[1:]}) == total == len(rows) - 1, scope


def test_enterprise_activity_lists_a_person_with_seats_in_two_orgs_once(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    data = _activity(engine, Scope.enterprise("acme"))
    assert _activity(engine, Scope.enterprise("acme")) == data  # byte-identical runs
    logins = [r[1] for r in csv.reader(io.StringIO(data.decode("utf-8"), newline=""))][1:]
    assert logins == ["alice", "bob", "zoë"]
