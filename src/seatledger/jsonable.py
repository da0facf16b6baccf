"""Plain JSON values from the counting engine's frozen dataclasses: the one shape the CLI's
``--json`` and the seatledger REST endpoints both print (field names as in the dataclass,
instants as ISO 8601, tuples as lists)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` as JSON-ready dicts, lists, strings and numbers; a dataclass's properties
    named in its ``JSON_EXTRA`` are added beside its fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name in getattr(value, "JSON_EXTRA", ()):
            out[name] = jsonable(getattr(value, name))
        return out
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
