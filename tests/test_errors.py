"""The exception tree: the tree the module's docstring draws, each error's HTTP status, and the
one-line message every surface shows."""

from __future__ import annotations

import re

import pytest

from seatledger import errors
from seatledger.errors import (
    ConfigError,
    DatabaseUnavailable,
    ImportRejected,
    InvalidInput,
    LedgerError,
    MalformedJSON,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    SourceError,
)

STATUS = {
    ConfigError: 400,
    DatabaseUnavailable: 503,
    NotFound: 404,
    PermissionDenied: 403,
    InvalidInput: 422,
    MalformedJSON: 400,
    PayloadTooLarge: 413,
    ImportRejected: 422,
    SourceError: 502,
}


def _drawn_tree() -> dict[str, str]:
    """Each class the docstring draws, with the class drawn as its parent."""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        m = re.match(r"^(\s*(?:[│ ]*[├└]── )?)([A-Z]\w+)\s+--", line)
        if not m:
            continue
        depth = len(m.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[m.group(2)] = stack[-1][1]
        stack.append((depth, m.group(2)))
    return parents


def test_the_docstring_draws_the_tree_the_classes_make() -> None:
    drawn = _drawn_tree()
    assert drawn == {cls.__name__: cls.__mro__[1].__name__ for cls in STATUS}


@pytest.mark.parametrize(("cls", "status"), STATUS.items())
def test_each_error_carries_its_status_and_its_message(cls: type[LedgerError], status: int) -> None:
    err = cls("no enterprise 'acme'")
    assert isinstance(err, LedgerError)
    assert (err.status_code, err.message, str(err)) == (status, "no enterprise 'acme'", "no enterprise 'acme'")
