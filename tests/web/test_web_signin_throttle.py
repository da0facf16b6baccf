"""Sign-in throttling in the database: free failures, a lockout that doubles up to its cap,
failures forgotten after a day, and a success forgetting the login's count but not the address's."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from seatledger.web.signin_throttle import (
    FIRST_LOCKOUT,
    FORGET_AFTER,
    FREE_FAILURES,
    MAX_LOCKOUT,
    Keys,
    lockout_left,
    record_failure,
    record_success,
)

NOW = dt.datetime(2026, 3, 1, 9, 0)
ANN = Keys("ann", "10.0.0.1")


def test_the_free_failures_cost_nothing_and_each_one_after_doubles_the_lockout(engine: Engine) -> None:
    with engine.begin() as conn:
        for _ in range(FREE_FAILURES):
            record_failure(conn, ANN, NOW)
        assert lockout_left(conn, ANN, NOW) is None
        record_failure(conn, ANN, NOW)
        assert lockout_left(conn, ANN, NOW) == FIRST_LOCKOUT
        record_failure(conn, ANN, NOW)
        assert lockout_left(conn, ANN, NOW) == 2 * FIRST_LOCKOUT
        assert lockout_left(conn, ANN, NOW + 2 * FIRST_LOCKOUT) is None  # the lockout ends
        for _ in range(30):
            record_failure(conn, ANN, NOW)
        assert lockout_left(conn, ANN, NOW) == MAX_LOCKOUT


def test_a_login_is_counted_whatever_its_case_and_an_address_across_logins(engine: Engine) -> None:
    with engine.begin() as conn:
        for login in ("Ann", "ANN ", "ann", "aNN", "ann"):
            record_failure(conn, Keys(login, None), NOW)
        assert lockout_left(conn, Keys("ann", None), NOW) == FIRST_LOCKOUT
        for n in range(FREE_FAILURES + 1):
            record_failure(conn, Keys(f"guess{n}", "10.9.9.9"), NOW)
        assert lockout_left(conn, Keys("someone-else", "10.9.9.9"), NOW) == FIRST_LOCKOUT
        assert lockout_left(conn, Keys("someone-else", "10.0.0.2"), NOW) is None


def test_failures_older_than_a_day_are_forgotten(engine: Engine) -> None:
    with engine.begin() as conn:
        for _ in range(FREE_FAILURES):
            record_failure(conn, ANN, NOW)
        later = NOW + FORGET_AFTER + dt.timedelta(seconds=1)
        record_failure(conn, ANN, later)  # the first of a new count, not the fifth
        assert lockout_left(conn, ANN, later) is None


def test_a_success_forgets_the_logins_failures_but_not_the_addresss(engine: Engine) -> None:
    with engine.begin() as conn:
        for _ in range(FREE_FAILURES):
            record_failure(conn, ANN, NOW)
        record_success(conn, ANN)
        record_failure(conn, Keys("ann", "10.0.0.2"), NOW)  # the login's count starts again
        assert lockout_left(conn, Keys("ann", "10.0.0.2"), NOW) is None
        record_failure(conn, Keys("bob", "10.0.0.1"), NOW)  # the address's fifth
        assert lockout_left(conn, Keys("bob", "10.0.0.1"), NOW) == FIRST_LOCKOUT
