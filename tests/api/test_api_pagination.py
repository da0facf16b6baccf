"""``page``/``per_page`` and the ``Link`` header exactly as GitHub forms them; bad query
parameters are 422 with GitHub's error body, never a 500."""

from __future__ import annotations

import httpx

CONSUMED = "/enterprises/acme/consumed-licenses"  # 11 people


def links(response: httpx.Response) -> str | None:
    return response.headers.get("Link")


def test_first_page_links_to_next_and_last_only(api: httpx.Client, api_world, live_server) -> None:
    r = api.get(CONSUMED, params={"per_page": 4}, headers=api_world.auth("owner"))
    base = f"{live_server.url}/api/v3{CONSUMED}"
    assert links(r) == f'<{base}?page=2&per_page=4>; rel="next", <{base}?page=3&per_page=4>; rel="last"'
    assert len(r.json()["users"]) == 4


def test_middle_page_links_to_prev_next_last_and_first(api: httpx.Client, api_world, live_server) -> None:
    r = api.get(CONSUMED, params={"per_page": 4, "page": 2}, headers=api_world.auth("owner"))
    base = f"{live_server.url}/api/v3{CONSUMED}"
    assert links(r) == (
        f'<{base}?page=1&per_page=4>; rel="prev", <{base}?page=3&per_page=4>; rel="next", '
        f'<{base}?page=3&per_page=4>; rel="last", <{base}?page=1&per_page=4>; rel="first"'
    )


def test_last_page_links_to_prev_and_first_and_holds_the_remainder(api: httpx.Client, api_world, live_server) -> None:
    r = api.get(CONSUMED, params={"per_page": 4, "page": 3}, headers=api_world.auth("owner"))
    base = f"{live_server.url}/api/v3{CONSUMED}"
    assert links(r) == f'<{base}?page=2&per_page=4>; rel="prev", <{base}?page=1&per_page=4>; rel="first"'
    assert len(r.json()["users"]) == 3


def test_pages_partition_the_list_and_totals_do_not_depend_on_the_page(api: httpx.Client, api_world) -> None:
    h = api_world.auth("owner")
    whole = api.get(CONSUMED, params={"per_page": 100}, headers=h).json()
    assert links(api.get(CONSUMED, params={"per_page": 100}, headers=h)) is None  # one page: no Link
    pages = [api.get(CONSUMED, params={"per_page": 4, "page": n}, headers=h).json() for n in (1, 2, 3, 4)]
    assert [u for p in pages for u in p["users"]] == whole["users"]
    assert {p["total_seats_consumed"] for p in pages} == {whole["total_seats_consumed"]} == {11}


def test_page_past_the_end_is_empty_with_prev_and_first(api: httpx.Client, api_world, live_server) -> None:
    r = api.get(CONSUMED, params={"per_page": 4, "page": 9}, headers=api_world.auth("owner"))
    assert r.status_code == 200
    assert r.json()["users"] == [] and r.json()["total_seats_consumed"] == 11
    base = f"{live_server.url}/api/v3{CONSUMED}"
    assert links(r) == f'<{base}?page=8&per_page=4>; rel="prev", <{base}?page=1&per_page=4>; rel="first"'
    huge = api.get(CONSUMED, params={"page": 10**30}, headers=api_world.auth("owner"))
    assert huge.status_code == 200 and huge.json()["users"] == []


def test_link_keeps_the_other_query_parameters(api: httpx.Client, api_world, live_server) -> None:
    path = "/enterprises/acme/settings/billing/advanced-security"  # 3 repositories
    r = api.get(
        path,
        params={"advanced_security_product": "code_security", "per_page": 1, "page": 2},
        headers=api_world.auth("owner"),
    )
    base = f"{live_server.url}/api/v3{path}?advanced_security_product=code_security"
    assert links(r) == (
        f'<{base}&page=1&per_page=1>; rel="prev", <{base}&page=3&per_page=1>; rel="next", '
        f'<{base}&page=3&per_page=1>; rel="last", <{base}&page=1&per_page=1>; rel="first"'
    )
    assert [x["name"] for x in r.json()["repositories"]] == ["octo/lib"]
    assert r.json()["total_count"] == 3 and r.json()["total_advanced_security_committers"] == 4


def test_default_page_sizes_are_30_for_licenses_and_50_for_copilot_seats(api: httpx.Client, api_world) -> None:
    with api_world.engine.begin() as conn:
        from seatledger.db.ledger import Ledger

        led = Ledger(conn)
        eid = led.enterprise_id("acme")
        for i in range(52):
            uid = led.add_user(eid, f"p{i:02d}")
            led.add_membership(api_world.orgs["widgets"], uid)
            led.add_copilot_seat(api_world.orgs["widgets"], uid)
    h = api_world.auth("owner")
    consumed = api.get(CONSUMED, headers=h).json()
    assert len(consumed["users"]) == 30 and consumed["total_seats_consumed"] == 63
    seats = api.get("/enterprises/acme/copilot/billing/seats", headers=api_world.auth("billing"))
    assert len(seats.json()["seats"]) == 50 and seats.json()["total_seats"] == 55
    assert 'page=2&per_page=50>; rel="next"' in seats.headers["Link"]


BAD_QUERIES = [
    "per_page=0",
    "per_page=101",
    "per_page=-5",
    "page=0",
    "page=-1",
    "page=abc",
    "per_page=1.5",
    "advanced_security_product=ghas",
    "advanced_security_product=",
]


def test_bad_query_parameters_are_422_with_a_github_error(api: httpx.Client, api_world) -> None:
    for query in BAD_QUERIES:
        r = api.get(f"/enterprises/acme/settings/billing/advanced-security?{query}", headers=api_world.auth("owner"))
        assert r.status_code == 422, (query, r.text)
        body = r.json()
        assert set(body) >= {"message", "documentation_url"} and "detail" not in body
        assert query.split("=")[0] in body["message"], query


def test_every_paginated_endpoint_validates_per_page(api: httpx.Client, api_world) -> None:
    for path, who in (
        (CONSUMED, "owner"),
        ("/orgs/octo/settings/billing/advanced-security", "octo_owner"),
        ("/orgs/octo/copilot/billing/seats", "octo_owner"),
        ("/enterprises/acme/copilot/billing/seats", "owner"),
    ):
        for value in ("0", "101", "x"):
            assert api.get(path, params={"per_page": value}, headers=api_world.auth(who)).status_code == 422, (
                path,
                value,
            )
        assert api.get(path, params={"per_page": "100"}, headers=api_world.auth(who)).status_code == 200, path
