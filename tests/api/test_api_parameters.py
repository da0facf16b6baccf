"""The limits on every API request's path and query (``api/parameters.py``): a path name no
route can use is 404, as an unknown name is; a query value with a NUL byte or over the length
limit is 422; both with GitHub's error body, before any handler sees them."""

from __future__ import annotations

import httpx

from seatledger import validation
from test_api_validation import COST_CENTERS, _is_github_error


def test_a_query_value_with_a_nul_byte_or_over_the_limit_is_422(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner")
    for value in ("a\x00b", "x" * (validation.QUERY_VALUE_MAX + 1)):
        for path, name in (
            ("/enterprises/acme/settings/billing/usage", "cost_center_id"),
            ("/enterprises/acme/settings/billing/usage/summary", "organization"),
            ("/enterprises/acme/settings/billing/usage/summary", "sku"),
        ):
            r = api.get(path, params={name: value}, headers=headers)
            assert r.status_code == 422 and _is_github_error(r), (path, name, r.text)


def test_a_path_name_with_a_nul_byte_or_over_the_limit_is_404(api: httpx.Client, api_world) -> None:
    headers = api_world.auth("owner")
    for name in ("a%00b", "x" * (validation.PATH_NAME_MAX + 1)):
        for path in (f"{COST_CENTERS}/{name}", f"/enterprises/acme/settings/billing/reports/{name}"):
            r = api.get(path, headers=headers)
            assert r.status_code == 404 and _is_github_error(r), (path, r.text)
