"""One page of a table the server sorts, filters and pages, its state carried by the URL.

Each table on a page has a prefix (``org``, ``ns``, ``repo``): ``?org_sort=code_security&
org_dir=desc&org_q=web&org_page=2`` is one view of the ORGANIZATION table, and can be
bookmarked or shared; the other tables' parameters are kept as they are. A page never holds
more than :data:`PAGE_SIZE` rows, whatever the table's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Generic, Mapping, Sequence, TypeVar
from urllib.parse import urlencode

from seatledger import validation
from seatledger.errors import InvalidInput

T = TypeVar("T")

PAGE_SIZE = 100  # rows on one page of a table
FILTER_MAX = 100  # characters of a name filter

__all__ = ["PAGE_SIZE", "TablePage", "TableState", "page_of", "table_state"]


@dataclass(frozen=True)
class TableState:
    """What the URL asks of one table."""

    prefix: str
    sort: str
    descending: bool
    q: str
    page: int

    def param(self, name: str) -> str:
        return f"{self.prefix}_{name}"


@dataclass(frozen=True)
class TablePage(Generic[T]):
    state: TableState
    rows: list[T]
    total: int  # rows of the table
    matching: int  # rows the filter keeps
    pages: int
    first: int  # 1-based position of the first row shown (0 when none)
    query: tuple[tuple[str, str], ...]  # the request's query, to keep the other tables' state

    def url(self, **changes: object) -> str:
        """This page's URL query with some of this table's parameters changed (None removes one);
        changing anything but the page number goes back to the first page. A parameter sent
        more than once (``visibility=public&visibility=private``) is kept whole."""
        replaced = {self.state.param(name) for name in (*changes, "page")}
        params = [(k, v) for k, v in self.query if k not in replaced]
        params += [(self.state.param(name), str(value)) for name, value in changes.items() if value not in (None, "")]
        return "?" + urlencode(sorted(params)) if params else "?"

    def sort_url(self, column: str, *, default_descending: bool = False) -> str:
        """Sorted by ``column``; again on the sorted column turns the order round."""
        descending = not self.state.descending if column == self.state.sort else default_descending
        return self.url(sort=column, dir="desc" if descending else "asc")

    def aria_sort(self, column: str) -> str:
        if column != self.state.sort:
            return "none"
        return "descending" if self.state.descending else "ascending"

    def hidden_inputs(self) -> list[tuple[str, str]]:
        """The query's parameters a filter form of this table must send again (not its own
        filter and page)."""
        own = {self.state.param("q"), self.state.param("page")}
        return [(k, v) for k, v in self.query if k not in own]


def table_state(
    query: Mapping[str, str], prefix: str, sorts: Sequence[str], default_sort: str, *, descending: bool = False
) -> TableState:
    """The state of table ``prefix`` from the request's query (``descending``: the default
    order); InvalidInput names a bad value."""
    sort = query.get(f"{prefix}_sort", default_sort)
    if sort not in sorts:
        raise InvalidInput(f"{prefix}_sort must be one of {', '.join(sorts)}, not {sort!r}")
    direction = query.get(f"{prefix}_dir", "desc" if descending else "asc")
    if direction not in ("asc", "desc"):
        raise InvalidInput(f"{prefix}_dir must be asc or desc, not {direction!r}")
    q = query.get(f"{prefix}_q", "").strip()
    validation.check_text(q, f"{prefix}_q", FILTER_MAX)
    page_text = query.get(f"{prefix}_page", "1")
    page = validation.decimal_digits(page_text)
    if page is None or not 1 <= page <= validation.MAX_PAGE:
        raise InvalidInput(f"{prefix}_page must be a whole number from 1 to {validation.MAX_PAGE}, not {page_text!r}")
    return TableState(prefix, sort, direction == "desc", q, page)


def page_of(
    rows: Sequence[T],
    state: TableState,
    *,
    name: Callable[[T], str],
    keys: Mapping[str, Callable[[T], Any]],
    query: Sequence[tuple[str, str]],
) -> TablePage[T]:
    """The rows the filter keeps (``name`` contains it, in any case), sorted by the state's key
    (ties by name), and the state's page of them. A page past the last shows the last."""
    needle = state.q.casefold()
    kept = [r for r in rows if needle in name(r).casefold()] if needle else list(rows)
    key = keys[state.sort]
    kept.sort(key=name)
    kept.sort(key=key, reverse=state.descending)  # stable: ties stay by name
    pages = max(1, -(-len(kept) // PAGE_SIZE))
    page = min(state.page, pages)
    start = (page - 1) * PAGE_SIZE
    shown = kept[start : start + PAGE_SIZE]
    state = TableState(state.prefix, state.sort, state.descending, state.q, page)
    return TablePage(state, shown, len(rows), len(kept), pages, start + 1 if shown else 0, tuple(query))
