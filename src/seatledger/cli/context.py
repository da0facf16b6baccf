"""What every command needs: the settings, a migrated ledger engine, and the options most
commands share (``--as-of``, the enterprise when the ledger holds only one)."""

from __future__ import annotations

import datetime as dt

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Concatenate, ParamSpec, TypeVar

from seatledger.config import Settings, load_settings
from seatledger.errors import ConfigError, InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

P = ParamSpec("P")
T = TypeVar("T")


def open_ledger(settings: Settings | None = None, *, create: bool = False) -> tuple[Settings, Engine]:
    """Settings from the environment and an engine on a reachable, migrated ledger.

    Only the commands that make a ledger (``migrate``, ``demo``, ``serve``, the imports) pass
    ``create``: any other refuses a ledger that is not there, so a mistyped
    ``SEATLEDGER_DATA_DIR`` is an error instead of a new, empty ledger."""
    # Imported here: `seatledger --help` and argument errors need no database code.
    from seatledger.db import check_reachable, engine_from_settings, migrate
    from seatledger.db.migrate import recorded_revisions

    settings = settings or load_settings()
    missing = ConfigError(
        f"no ledger at {_where(settings)}: check SEATLEDGER_DATA_DIR (or SEATLEDGER_DATABASE_URL), "
        "or make one with `seatledger migrate` or `seatledger demo`"
    )
    sqlite_file = _sqlite_file(settings)
    if not create and sqlite_file is not None and not sqlite_file.is_file():
        raise missing
    engine = engine_from_settings(settings)
    check_reachable(engine)
    if not create and not recorded_revisions(engine):  # a database, but never a ledger
        engine.dispose()
        raise missing
    migrate(engine)
    return settings, engine


def read_ledger(read: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``read(conn, ...)`` on one connection to the ledger of :func:`open_ledger`."""
    _settings, engine = open_ledger()
    with engine.connect() as conn:
        return read(conn, *args, **kwargs)


def write_ledger(write: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``write(conn, ...)`` in one transaction on the ledger of :func:`open_ledger`."""
    _settings, engine = open_ledger()
    with engine.begin() as conn:
        return write(conn, *args, **kwargs)


def _sqlite_file(settings: Settings) -> Path | None:
    from sqlalchemy.engine import make_url

    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _where(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    sqlite_file = _sqlite_file(settings)
    if sqlite_file is not None:
        return str(sqlite_file)
    return make_url(settings.effective_database_url).render_as_string(hide_password=True)


def parse_as_of(value: str | None, option: str = "--as-of") -> dt.datetime | None:
    """``--as-of`` (or ``option``): an ISO date (end of that day, UTC) or an ISO timestamp,
    within the years the ledger keeps."""
    if value is None:
        return None
    from seatledger import validation

    try:
        if len(value) == 10:
            dt.date.fromisoformat(value)
        else:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{option} must be an ISO date or timestamp, not {value!r}") from exc
    if len(value) == 10:  # the range checks, in the ledger's own words
        return dt.datetime.combine(validation.day(value, option), dt.time(23, 59, 59))
    return validation.instant(value, option)


def enterprise_or_only(conn: Connection, enterprise: str | None) -> str:
    """``--enterprise`` as given, or the ledger's only enterprise when it was left out."""
    if enterprise is not None:
        return enterprise
    from seatledger.licensing import iter_enterprise_slugs

    slugs = list(iter_enterprise_slugs(conn))
    if len(slugs) == 1:
        return slugs[0]
    if not slugs:
        raise InvalidInput("the ledger holds no enterprise yet (import one, or run `seatledger demo`)")
    shown = ", ".join(slugs[:5]) + (", …" if len(slugs) > 5 else "")
    raise InvalidInput(f"give --enterprise: the ledger holds {len(slugs)} enterprises ({shown})")
