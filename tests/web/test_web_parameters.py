"""Query values past the ledger's limits get the error page with a 4xx, never a 500."""

from __future__ import annotations

import httpx

from web_site import Site, http_sign_in

# (path, what the refusal names): dates outside the years the ledger keeps, absurd page numbers.
OUT_OF_RANGE = [
    ("/summary?as_of=0001-01-01", "as_of"),
    ("/summary?as_of=9999-12-31T23:00:00-05:00", "as_of"),
    ("/summary?as_of=2026-01-01T00:00:00%2B23:00", "as_of"),
    ("/enterprises/acme/usage?month=9999-12", "month"),
    ("/enterprises/acme/usage?month=²⁰²⁶-01", "month"),
    ("/enterprises/acme/copilot?page_no=99999999999999999999", "page_no"),
]


def test_dates_and_pages_out_of_range_are_a_clear_4xx_page(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=60) as client:
        assert http_sign_in(client, site.demo.owner_login, site.demo.owner_password).status_code in (200, 303)
        for path, name in OUT_OF_RANGE:
            r = client.get(path)
            assert r.status_code == 422, (path, r.status_code)
            assert name in r.text and "flash-error" in r.text, path
