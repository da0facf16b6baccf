"""Rendering pages (``web/render.py``): the filters every template uses (numbers, instants, links
kept at the picked date), and the context ``page`` gives every page (the signed-in person, the
CSRF token, flash messages shown once)."""

from __future__ import annotations

import datetime as dt

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from livesupport import LiveServer
from seatledger.web.access import Access
from seatledger.web.render import page, templates
from seatledger.web.session import Session


def _filter(name: str, *args: object) -> object:
    return templates.env.filters[name](*args)


def test_numbers_get_thousands_separators_and_a_missing_number_a_dash() -> None:
    assert (_filter("number", 1234567), _filter("number", 0), _filter("number", None)) == ("1,234,567", "0", "—")


def test_instants_read_in_utc_to_the_minute_dates_as_dates_and_nothing_as_never() -> None:
    assert _filter("when", dt.datetime(2026, 3, 1, 9, 5, 59)) == "2026-03-01 09:05 UTC"
    assert _filter("when", dt.date(2026, 3, 1)) == "2026-03-01"
    assert _filter("when", None) == "never"


def test_a_link_from_a_page_at_a_date_carries_that_date() -> None:
    template = templates.env.from_string("{{ '/orgs/web/licensing' | dated }} {{ '/reports/x.csv?scope=a:b' | dated }}")
    assert template.render(as_of_text="") == "/orgs/web/licensing /reports/x.csv?scope=a:b"
    assert template.render(as_of_text="2026-03-01") == (
        "/orgs/web/licensing?as_of=2026-03-01 /reports/x.csv?scope=a:b&amp;as_of=2026-03-01"
    )
    assert templates.env.from_string("{{ '/x' | dated }}").render(as_of_text="2026-03-01T10:00:00+02:00") == (
        "/x?as_of=2026-03-01T10%3A00%3A00%2B02%3A00"
    ), "the date as sent, encoded for a query"


def test_a_page_gets_the_signed_in_person_the_sessions_csrf_token_and_its_flashes_once() -> None:
    session = Session(csrf="the-csrf-token")
    session.flash("Server usage uploaded.", "success")
    app = FastAPI()

    @app.get("/page")
    def show(request: Request) -> HTMLResponse:
        request.state.session = session  # what the session middleware puts there
        request.state.access = Access(7, "mona", None, (("acme", "owner"),), ("acme-web",))  # what signed_in puts there
        return page(request, "error.html", status_code=418, status=418, title="Teapot", message="short and stout")

    with LiveServer(app) as server:
        first = httpx.get(f"{server.url}/page", timeout=30)
        again = httpx.get(f"{server.url}/page", timeout=30)
    assert first.status_code == 418
    assert '<input type="hidden" name="csrf_token" value="the-csrf-token">' in first.text
    assert '<span class="who">mona</span>' in first.text and '<a href="/orgs/acme-web/licensing">' in first.text
    assert '<p class="flash flash-success" role="status">Server usage uploaded.</p>' in first.text
    assert "Server usage uploaded." not in again.text and session.flashes == [], "a flash is shown once"
