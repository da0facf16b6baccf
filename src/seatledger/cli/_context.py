"""What every command needs: the settings and a migrated ledger engine."""

from __future__ import annotations

import datetime as dt

from typing import TYPE_CHECKING

from seatledger.config import Settings, load_settings
from seatledger.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def open_ledger(settings: Settings | None = None) -> tuple[Settings, Engine]:
    """Settings from the environment and an engine on a reachable, migrated ledger."""
    # Imported here: `seatledger --help` and argument errors need no database code.
    from seatledger.db import check_reachable, engine_from_settings, migrate

    settings = settings or load_settings()
    engine = engine_from_settings(settings)
    check_reachable(engine)
    migrate(engine)
    return settings, engine


def parse_as_of(value: str | None, option: str = "--as-of") -> dt.datetime | None:
    """``--as-of`` (or ``option``): an ISO date (end of that day, UTC) or an ISO timestamp."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time(23, 59, 59))
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{option} must be an ISO date or timestamp, not {value!r}") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed
