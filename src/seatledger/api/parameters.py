"""The limits of :mod:`seatledger.validation` on every API request's path and query.

A value no route can use is refused before any handler sees it, the same way on both
databases (PostgreSQL cannot hold a NUL byte; SQLite would look it up): a path name that
nothing can be called is 404, as an unknown name is; a query value with a NUL byte or over
the length limit is 422.
"""

from __future__ import annotations

from fastapi import Request

from seatledger import validation
from seatledger.errors import InvalidInput, NotFound


async def plain_parameters(request: Request) -> None:
    """Dependency of every API route (async: it does no I/O)."""
    for value in request.path_params.values():
        if isinstance(value, str) and not validation.plausible_name(value):
            raise NotFound("Not Found")
    for name, value in request.query_params.multi_items():
        try:
            validation.check_text(value, name, validation.QUERY_VALUE_MAX)
        except InvalidInput as exc:
            raise InvalidInput(f"Invalid request. {exc.message}") from None
