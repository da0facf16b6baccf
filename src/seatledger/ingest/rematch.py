"""Re-matching after an import: server accounts and VS subscribers to cloud people.

Importers that write people, server accounts or subscriptions call this in their own
transaction, so the matches are never stale after an import.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from seatledger.ingest.report import ImportReport
from seatledger.licensing import matching


def rematch_enterprise(conn: Connection, enterprise_id: int, report: ImportReport) -> None:
    """Run the matcher for the enterprise and note what it matched in ``report``."""
    result = matching.rematch(conn, enterprise_id)
    report.notes.append(
        "matched: "
        f"{result.server_accounts_matched_saml + result.server_accounts_matched_email} server accounts "
        f"({result.server_accounts_unmatched} unmatched), "
        f"{result.vs_matched} Visual Studio subscribers ({result.vs_unmatched} unmatched)"
    )
