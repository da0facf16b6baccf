"""``page``/``per_page`` parameters and GitHub's ``Link`` header.

GitHub lists ``rel="prev"``, ``"next"``, ``"last"``, ``"first"`` in that order, omits
``next``/``last`` on the last page and ``prev``/``first`` on the first, and sends no ``Link``
at all when everything fits on page 1. Other query parameters are kept as they were sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Awaitable, Callable
from urllib.parse import urlencode

from fastapi import Query, Request, Response

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PageRequest:
    """The page asked for (1-based)."""

    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def window(self, total: int) -> tuple[int, int] | None:
        """(offset, limit) to read, or None when the page lies past the end (nothing to read;
        also keeps absurd page numbers away from the database's OFFSET)."""
        if self.offset >= total:
            return None
        return self.offset, self.per_page


def paging(default_per_page: int) -> Callable[..., Awaitable[PageRequest]]:
    """A dependency reading ``page`` and ``per_page`` (default ``default_per_page``, max 100)."""

    async def dependency(  # async: no I/O, so no hop to the thread pool
        page: Annotated[int, Query(ge=1, description="The page number of the results to fetch.")] = 1,
        per_page: Annotated[
            int,
            Query(ge=1, le=MAX_PER_PAGE, description=f"The number of results per page (max {MAX_PER_PAGE})."),
        ] = default_per_page,
    ) -> PageRequest:
        return PageRequest(page=page, per_page=per_page)

    return dependency


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def link_header(request: Request, page: PageRequest, total: int) -> str | None:
    """The ``Link`` header for ``page`` of ``total`` items, or None when one page holds all."""
    last = last_page(total, page.per_page)
    if last == 1 and page.page == 1:
        return None
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "per_page")]
    base = f"{request.url.scheme}://{request.url.netloc}{request.url.path}"

    def url(number: int) -> str:
        query = urlencode([*kept, ("page", str(number)), ("per_page", str(page.per_page))])
        return f"{base}?{query}"

    links: list[str] = []
    if page.page > 1:
        links.append(f'<{url(page.page - 1)}>; rel="prev"')
    if page.page < last:
        links.append(f'<{url(page.page + 1)}>; rel="next"')
        links.append(f'<{url(last)}>; rel="last"')
    if page.page > 1:
        links.append(f'<{url(1)}>; rel="first"')
    return ", ".join(links)


def set_link(response: Response, request: Request, page: PageRequest, total: int) -> None:
    """Put the ``Link`` header on ``response`` when there is more than one page."""
    header = link_header(request, page, total)
    if header is not None:
        response.headers["Link"] = header
