"""The JSON shape of the counting engine's dataclasses: fields by name, ``JSON_EXTRA``
properties beside them, instants in ISO 8601 (naive ones as UTC with ``Z``), tuples as lists."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from seatledger.jsonable import jsonable


@dataclass(frozen=True)
class _Inner:
    day: dt.date
    tags: tuple[str, ...]


@dataclass(frozen=True)
class _Outer:
    JSON_EXTRA = ("total",)

    at: dt.datetime
    parts: tuple[_Inner, ...]
    by_id: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.by_id.values())


def test_a_dataclass_becomes_plain_json_with_its_extra_properties() -> None:
    value = _Outer(
        at=dt.datetime(2026, 3, 1, 9, 30, 15, 999),
        parts=(_Inner(dt.date(2026, 3, 2), ("a", "b")),),
        by_id={7: 2, 8: 3},
    )
    out = jsonable(value)
    assert out == {
        "at": "2026-03-01T09:30:15Z",
        "parts": [{"day": "2026-03-02", "tags": ["a", "b"]}],
        "by_id": {"7": 2, "8": 3},
        "total": 5,
    }
    assert json.loads(json.dumps(out)) == out


def test_an_aware_instant_keeps_its_offset_and_plain_values_pass_through() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    assert jsonable(dt.datetime(2026, 3, 1, 9, 0, tzinfo=paris)) == "2026-03-01T09:00:00+01:00"
    assert jsonable([1, "x", None, 2.5, True]) == [1, "x", None, 2.5, True]
    assert jsonable(_Inner) is _Inner  # a class is not an instance to convert
