"""The limits on every value seatledger takes from outside, declared once, and the checks that
hold them at each edge: API parameters and bodies, webhooks, uploaded files, the CLI.

Both databases must give the same answer to the same input. PostgreSQL refuses a NUL byte, a
string longer than its column or a number past its type, each as a driver error; SQLite
stores all three. So values are checked here, before either sees them, and a refusal is an
:class:`~seatledger.errors.InvalidInput` (or :class:`~seatledger.errors.MalformedJSON`) that
names the value and the limit. The text limits are the column lengths of ``db/tables.py``
(``tests/test_validation.py`` holds them equal), and :func:`check_row` checks any row against
its table's columns, so a write through the ledger cannot pass a limit either.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Mapping

import sqlalchemy as sa
from pydantic import AfterValidator, StringConstraints

from seatledger.errors import InvalidInput, MalformedJSON

# -- text (the column lengths of db/tables.py) -----------------------------------------------
LOGIN_MAX = 100  # logins, slugs, repository names
NAME_MAX = 200  # display names, team and cost center names
EMAIL_MAX = 320  # 64 for the local part, @, 255 for the domain
SHA_MAX = 64  # a SHA-256 commit id in hex
HOSTNAME_MAX = 255
SERVER_ID_MAX = 64
VERSION_MAX = 40
LICENSE_MAX = 200
VS_LEVEL_MAX = 100  # vs_subscriptions.level
DELIVERY_ID_MAX = 200  # GitHub's are 36-character GUIDs
EVENT_MAX = 100
PATH_NAME_MAX = 255  # a name in a URL path (slug, login, id); longer ones name nothing
QUERY_VALUE_MAX = 1000  # a query parameter's value

# -- numbers ---------------------------------------------------------------------------------
BIGINT_MAX = 2**63 - 1  # ids are stored in signed 64-bit columns on both databases
INT_MAX = 2**31 - 1  # an INTEGER column (a server's own user ids): 32 bits on PostgreSQL
MONEY_MAX = Decimal("99999999.9999")  # prices.price_per_unit is NUMERIC(12, 4)
MONEY_PLACES = 4

# -- time ------------------------------------------------------------------------------------
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999
# The widest UTC offset accepted (ISO 8601 allows more, no place on Earth uses more than 14 h).
MAX_UTC_OFFSET = dt.timedelta(hours=18)
_EARLIEST = dt.datetime(EARLIEST_YEAR, 1, 1)
_LATEST = dt.datetime(LATEST_YEAR, 12, 31, 23, 59, 59, 999999)
_EPOCH = dt.datetime(1970, 1, 1)

# -- paging ----------------------------------------------------------------------------------
MAX_PAGE = 100_000  # page × per_page (at most 100) stays far inside any database's OFFSET

# -- bodies ----------------------------------------------------------------------------------
WEBHOOK_BODY_MAX_BYTES = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
JSON_MAX_DEPTH = 64  # GitHub's payloads and seatledger's own files nest fewer than 10 levels


# -- text --------------------------------------------------------------------------------------
def check_text(value: str, what: str, max_length: int) -> str:
    """``value`` if it has no NUL byte and at most ``max_length`` characters."""
    if "\x00" in value:
        raise InvalidInput(f"{what} must not contain a NUL byte")
    if len(value) > max_length:
        raise InvalidInput(f"{what} is longer than {max_length} characters")
    return value


def text(value: object, what: str, *, max_length: int, required: bool = True) -> str | None:
    """A string from a parsed document: present (unless not ``required``), within limits."""
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{what} is missing")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a string, not {type(value).__name__}")
    return check_text(value, what, max_length)


def no_nul(value: str) -> str:
    """Pydantic validator of API strings (a ValueError becomes the API's 422)."""
    if "\x00" in value:
        raise ValueError("must not contain a NUL byte")
    return value


def plausible_name(name: str) -> bool:
    """False for names nothing in the ledger can have (empty, control characters, absurd
    length): those are refused without asking the database, which may not even store them."""
    return 0 < len(name) <= PATH_NAME_MAX and not any(ord(c) < 32 or ord(c) == 127 for c in name)


# Pydantic types of API bodies: the same limits, refused as the API's 422.
AccountName = Annotated[str, StringConstraints(min_length=1, max_length=LOGIN_MAX, pattern=r"^[^\x00-\x1f\x7f]+$")]
RepositoryName = Annotated[  # OWNER/NAME
    str, StringConstraints(min_length=3, max_length=2 * LOGIN_MAX + 1, pattern=r"^[^\x00-\x1f\x7f]+$")
]
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX), AfterValidator(no_nul)]


def check_row(table: sa.Table, values: Mapping[str, Any]) -> None:
    """Every string and integer of a row to write fits its column (length and no NUL; the
    integer type's range): SQLite would store what PostgreSQL refuses."""
    for key, value in values.items():
        if key not in table.c:
            continue
        column_type, what = table.c[key].type, key.replace("_", " ")
        if isinstance(value, str):
            length = getattr(column_type, "length", None)
            check_text(value, what, length if length is not None else len(value))
        elif isinstance(value, int) and not isinstance(value, bool) and isinstance(column_type, sa.Integer):
            top = BIGINT_MAX if isinstance(column_type, sa.BigInteger) else INT_MAX
            if not -top - 1 <= value <= top:
                raise InvalidInput(f"{what} must be between {-top - 1} and {top}, not {value}")


# -- numbers -----------------------------------------------------------------------------------
def whole_number(value: object, what: str, *, minimum: int = 0, maximum: int = BIGINT_MAX) -> int:
    """An integer (not a bool, not a float) within ``minimum``..``maximum``."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidInput(f"{what} must be a whole number")
    if not minimum <= value <= maximum:
        raise InvalidInput(f"{what} must be between {minimum} and {maximum}, not {value}")
    return value


def decimal_digits(value: str) -> int | None:
    """``value`` as an integer if it is plain ASCII digits, else None (``"³".isdigit()`` is
    True and ``int("٣")`` is 3: neither is a number a URL should carry)."""
    if value.isascii() and value.isdecimal() and len(value) <= len(str(BIGINT_MAX)):
        number = int(value)
        return number if number <= BIGINT_MAX else None
    return None


def money(value: str | Decimal, what: str = "price") -> Decimal:
    """A finite amount from 0 to :data:`MONEY_MAX` with at most :data:`MONEY_PLACES` decimals."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise InvalidInput(f"{what} must be a decimal number, not {value!r}") from exc
    if not amount.is_finite() or not 0 <= amount <= MONEY_MAX:
        raise InvalidInput(f"{what} must be a number from 0 to {MONEY_MAX}, not {value!r}")
    exponent = amount.as_tuple().exponent  # an int: the amount is finite
    if isinstance(exponent, int) and exponent < -MONEY_PLACES:
        raise InvalidInput(f"{what} has more than {MONEY_PLACES} decimals: {value!r}")
    return amount


# -- time --------------------------------------------------------------------------------------
def _out_of_range(what: str, value: object) -> InvalidInput:
    return InvalidInput(f"{what} must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}, not {value!r}")


def instant(value: object, what: str = "timestamp") -> dt.datetime | None:
    """An instant as sources write it — ISO 8601 (``Z`` or an offset), a date, or Unix seconds —
    as the ledger's naive UTC; None for null or empty."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidInput(f"{what} is not a timestamp: {value!r}")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise InvalidInput(f"{what} is not a timestamp: {value!r}")
        seconds = value
        if not (_EARLIEST - _EPOCH).total_seconds() <= seconds <= (_LATEST - _EPOCH).total_seconds():
            raise _out_of_range(what, value)
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).replace(tzinfo=None)
    if not isinstance(value, str):
        raise InvalidInput(f"{what} is not a timestamp: {type(value).__name__}")
    check_text(value, what, 64)
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{what} is not an ISO 8601 timestamp: {value!r}") from exc
    offset = parsed.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise InvalidInput(f"{what} has a UTC offset beyond ±18:00: {value!r}")
    # Checked before the shift to UTC, which overflows at the ends of datetime's range.
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise _out_of_range(what, value)
    if offset is not None:
        parsed = parsed.replace(tzinfo=None) - offset
    return in_range(parsed, what)


def in_range(value: dt.datetime, what: str = "timestamp") -> dt.datetime:
    """A naive UTC instant within the years the ledger keeps."""
    if not _EARLIEST <= value <= _LATEST:
        raise _out_of_range(what, value.isoformat())
    return value


def check_day(value: dt.date) -> dt.date:
    """A date within the years the ledger keeps (a pydantic validator: ValueError is the 422)."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


ApiDate = Annotated[dt.date, AfterValidator(check_day)]


def day(value: str, what: str = "date") -> dt.date:
    """``YYYY-MM-DD`` within the years the ledger keeps."""
    parsed = None
    if len(value) == 10 and value.isascii():
        try:
            parsed = dt.date.fromisoformat(value)
        except ValueError:
            pass
    if parsed is None:
        raise InvalidInput(f"{what} must be a date YYYY-MM-DD, not {value!r}")
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise _out_of_range(what, value)
    return parsed


def month(value: str, what: str = "month") -> dt.date:
    """``YYYY-MM`` as the first day of that month, within the years the ledger keeps."""
    year_text, _, month_text = value.partition("-")
    year, number = decimal_digits(year_text), decimal_digits(month_text)
    if len(year_text) != 4 or len(month_text) not in (1, 2) or year is None or number is None or not 1 <= number <= 12:
        raise InvalidInput(f"{what} must be YYYY-MM, not {value!r}")
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise _out_of_range(what, value)
    return dt.date(year, number, 1)


# -- JSON --------------------------------------------------------------------------------------
def parse_json(raw: bytes | str, what: str = "the body") -> Any:
    """A JSON document within limits: no duplicate key (which one would win is a guess), no
    NaN/Infinity or number too large for a float, nested at most :data:`JSON_MAX_DEPTH` deep.
    Raises :class:`MalformedJSON` with the reason."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj: dict[str, Any] = {}
        for key, value in items:
            if key in obj:
                raise MalformedJSON(f"{what} has the key {key!r} twice in one object")
            obj[key] = value
        return obj

    def constant(name: str) -> Any:
        raise MalformedJSON(f"{what} holds {name}, which JSON does not allow")

    def finite(number: str) -> float:
        parsed = float(number)
        if not math.isfinite(parsed):
            raise MalformedJSON(f"{what} holds the number {number[:40]}, too large to represent")
        return parsed

    try:
        doc = json.loads(raw, object_pairs_hook=pairs, parse_constant=constant, parse_float=finite)
    except RecursionError:  # the decoder's own guard, long before the limit below matters
        raise MalformedJSON(f"{what} nests deeper than {JSON_MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJSON(f"{what} is not valid JSON: {exc}") from None
    _check_depth(doc, what)
    return doc


def _check_depth(doc: Any, what: str) -> None:
    stack = [(doc, 1)] if isinstance(doc, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        if depth > JSON_MAX_DEPTH:
            raise MalformedJSON(f"{what} nests deeper than {JSON_MAX_DEPTH} levels")
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def counting_date(value: str, what: str = "as_of") -> dt.datetime:
    """The instant a question is asked at: a date ``YYYY-MM-DD`` means the end of that day
    (UTC), as on the CLI; anything else is an ISO 8601 timestamp."""
    value = value.strip()
    if not value:
        raise InvalidInput(f"{what} is empty: give a date YYYY-MM-DD or an ISO 8601 timestamp")
    if len(value) == 10:
        return dt.datetime.combine(day(value, what), dt.time(23, 59, 59))
    parsed = instant(value, what)
    assert parsed is not None
    return parsed
