"""The ledger: tables, migrations, the connection and the one write API importers use."""

from seatledger.db.engine import check_reachable, create_engine, engine_from_settings
from seatledger.db.migrate import migrate

__all__ = ["check_reachable", "create_engine", "engine_from_settings", "migrate"]
