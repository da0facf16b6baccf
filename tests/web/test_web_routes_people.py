"""The people and changes pages over HTTP: the person page is the engine's explanation at
the chosen date, the Changes page's net and CSV are the change list, the search box's JSON
finds people; an unknown person, a bad date or a backwards range is the page with a message
(never a 500), and only enterprise roles see them."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from typing import Iterator

import httpx
import pytest

from seatledger import licensing
from seatledger.reports.changes import HEADER
from seatledger.web.table_view import PAGE_SIZE

from web_site import NOW, ORG_OWNER_PASSWORD, Site, http_sign_in

# The SQL behind every number runs on both databases in tests/licensing; these pages once.
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def owner(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=True) as c:
        http_sign_in(c, site.demo.owner_login, site.demo.owner_password)
        yield c


def test_the_person_page_explains_each_license_at_the_chosen_date(site: Site, owner: httpx.Client) -> None:
    at = dt.datetime(2026, 10, 20, 23, 59, 59)
    with site.engine.connect() as conn:
        person = next(p for p in licensing.iter_licensed_people(conn, "acme", as_of=at) if p.code_security_user)
        found = licensing.describe_person(conn, "acme", person.key, as_of=at)
    r = owner.get(f"/enterprises/acme/people/{person.login}", params={"as_of": "2026-10-20"})
    assert r.status_code == 200
    for reason in found.seat_reasons:
        assert reason.detail in r.text
    for repo in next(c for c in found.advanced_security if c.product == "code_security").repositories:
        assert repo.repository in r.text and f"{repo.leaves_window_at:%Y-%m-%d %H:%M} UTC" in r.text
    assert 'data-testid="person-licenses">' + ", ".join(found.licenses) in r.text


def test_the_changes_page_and_its_csv_are_the_change_list(site: Site, owner: httpx.Client) -> None:
    r = owner.get("/enterprises/acme/changes", params={"from": "2026-09-01", "to": "2026-10-31"})
    assert r.status_code == 200
    with site.engine.connect() as conn:
        found = licensing.license_changes(
            conn, "acme", dt.datetime(2026, 9, 1, 23, 59, 59), dt.datetime(2026, 10, 31, 23, 59, 59)
        )
    for p in found.products:
        assert f'data-testid="net-{p.product}"' in r.text and f"{p.net:+d}</td>" in r.text
    rows = list(
        csv.reader(
            io.StringIO(
                owner.get("/enterprises/acme/changes.csv", params={"from": "2026-09-01", "to": "2026-10-31"}).text
            )
        )
    )
    assert rows[0] == list(HEADER) and len(rows) - 1 == len(found.changes)
    default = owner.get("/enterprises/acme/changes")  # the last 30 days to now
    assert default.status_code == 200 and f"to {NOW:%Y-%m-%d %H:%M} UTC" in default.text


def _shown_people(page: httpx.Response) -> list[str]:
    assert page.status_code == 200, page.text[-300:]
    table = page.text.split('data-testid="changes">', 1)[1].split("</table>", 1)[0]
    return [
        html.unescape(h) for h in re.findall(r'<td><a href="/enterprises/acme/people/[^"]*">([^<]*)</a></td>', table)
    ]


def test_the_change_list_pages_sorts_and_filters_through_its_url_while_net_and_csv_stay_whole(
    site: Site, owner: httpx.Client
) -> None:
    span = {"from": "2025-01-01", "to": NOW.date().isoformat()}
    with site.engine.connect() as conn:
        found = licensing.license_changes(
            conn, "acme", dt.datetime(2025, 1, 1, 23, 59, 59), dt.datetime.combine(NOW.date(), dt.time(23, 59, 59))
        )
    by_name = sorted(found.changes, key=lambda c: c.handle)
    by_time = [c.handle for c in sorted(by_name, key=lambda c: c.at)]
    pages = -(-len(by_time) // PAGE_SIZE)
    assert pages > 2  # the demo's year of changes is more than two pages

    first = owner.get("/enterprises/acme/changes", params=span)
    assert _shown_people(first) == by_time[:PAGE_SIZE] and f"Page 1 of {pages}" in first.text
    for p in found.products:  # the net table counts every change, not the page's
        assert f'data-testid="net-{p.product}"' in first.text and f"{p.net:+d}</td>" in first.text
    last = owner.get("/enterprises/acme/changes", params={**span, "chg_page": str(pages)})
    assert _shown_people(last) == by_time[(pages - 1) * PAGE_SIZE :]
    assert 'rel="next"' not in last.text and 'rel="prev"' in last.text

    backwards = owner.get("/enterprises/acme/changes", params={**span, "chg_sort": "person", "chg_dir": "desc"})
    by_person = [c.handle for c in sorted(by_name, key=lambda c: c.handle.casefold(), reverse=True)]
    assert _shown_people(backwards) == by_person[:PAGE_SIZE]

    someone = by_time[0]
    theirs = owner.get("/enterprises/acme/changes", params={**span, "chg_q": someone.upper()})
    assert set(_shown_people(theirs)) == {h for h in by_time if someone.casefold() in h.casefold()}
    assert len(_shown_people(theirs)) == sum(someone.casefold() in h.casefold() for h in by_time)

    rows = list(
        csv.reader(io.StringIO(owner.get("/enterprises/acme/changes.csv", params={**span, "chg_page": "2"}).text))
    )
    assert len(rows) - 1 == len(found.changes)


def test_the_search_box_json_and_results_page_find_a_person_by_email(site: Site, owner: httpx.Client) -> None:
    with site.engine.connect() as conn:
        server = next(p for p in licensing.iter_licensed_people(conn, "acme", as_of=NOW) if p.key.startswith("server:"))
    email = server.key.removeprefix("server:")
    data = owner.get("/enterprises/acme/people.json", params={"q": email.upper()}).json()
    assert [p["handle"] for p in data["people"]] == [email] and data["people"][0][
        "url"
    ] == f"/enterprises/acme/people/{email}"
    assert owner.get("/enterprises/acme/people.json", params={"q": "a"}).json() == {"total": 0, "people": []}
    page = owner.get("/enterprises/acme/people", params={"q": email})
    assert f'href="/enterprises/acme/people/{email.replace("@", "%40")}"' in page.text


def test_the_history_page_and_its_csv_are_the_engines_history_with_the_peak(site: Site, owner: httpx.Client) -> None:
    params = {"product": "copilot_business", "from": "2026-01-01", "to": "2026-10-31", "org": "acme-mobile"}
    r = owner.get("/enterprises/acme/history", params=params)
    assert r.status_code == 200
    with site.engine.connect() as conn:
        found = licensing.license_history(
            conn, "acme", "copilot_business", dt.date(2026, 1, 1), dt.date(2026, 10, 31), org="acme-mobile"
        )
    assert (
        f'data-testid="history-peak">{found.peak:,}<' in r.text
        and f'data-testid="history-peak-day">{found.peak_day}<' in r.text
    )
    rows = list(csv.reader(io.StringIO(owner.get("/enterprises/acme/history.csv", params=params).text)))
    assert rows == [["date", "total"], *([d.isoformat(), str(n)] for d, n in found.days)]
    assert owner.get("/enterprises/acme/history").status_code == 200  # the last year of seats


def test_the_history_day_table_is_paged_sorted_and_filtered_through_its_url(site: Site, owner: httpx.Client) -> None:
    params = {"product": "enterprise", "from": "2025-01-01", "to": "2026-10-31"}  # 669 days
    with site.engine.connect() as conn:
        days = licensing.license_history(conn, "acme", "enterprise", dt.date(2025, 1, 1), dt.date(2026, 10, 31)).days
    shown = re.compile(r"<tr><td>(\d{4}-\d\d-\d\d)</td><td class=\"num\">([\d,]+)</td></tr>")

    def rows(**more: str) -> list[tuple[str, int]]:
        r = owner.get("/enterprises/acme/history", params={**params, **more})
        assert r.status_code == 200
        return [(d, int(n.replace(",", ""))) for d, n in shown.findall(r.text)]

    newest = [(d.isoformat(), n) for d, n in reversed(days)]
    assert rows() == newest[:100]  # newest first, one page
    assert rows(day_page="7") == newest[600:]
    assert rows(day_q="2026-03") == [r for r in newest if r[0].startswith("2026-03")]
    by_total = sorted(newest, key=lambda r: (r[1], r[0]))
    assert [n for _, n in rows(day_sort="total", day_dir="asc")] == [n for _, n in by_total[:100]]
    assert owner.get("/enterprises/acme/history", params={**params, "day_sort": "mood"}).status_code == 422


MISTAKES = [
    (
        "/enterprises/acme/people/nobody-at-all",
        {},
        404,
        "no person &#39;nobody-at-all&#39; in enterprise &#39;acme&#39;",
    ),
    ("/enterprises/acme/people/nobody-at-all", {"as_of": "2026-02-30"}, 422, "as_of must be a date YYYY-MM-DD"),
    (
        "/enterprises/acme/changes",
        {"from": "2026-10-31", "to": "2026-09-01"},
        422,
        "the range ends (2026-09-01 23:59:59) before it starts",
    ),
    ("/enterprises/acme/changes", {"from": "someday"}, 422, "from is not an ISO 8601 timestamp"),
    ("/enterprises/acme/changes", {"chg_sort": "salary"}, 422, "chg_sort must be one of at, product, change, person"),
    ("/enterprises/acme/changes", {"chg_page": "0"}, 422, "chg_page must be a whole number from 1"),
    ("/enterprises/acme/people", {"q": "a"}, 422, "search for at least 2 characters"),
    (
        "/enterprises/acme/history",
        {"from": "2026-10-31", "to": "2026-09-01"},
        422,
        "the history ends (2026-09-01) before it starts",
    ),
    ("/enterprises/acme/history", {"product": "seats"}, 422, "product must be one of"),
]


def test_a_mistake_is_the_page_with_a_message(owner: httpx.Client) -> None:
    for path, params, status, message in MISTAKES:
        r = owner.get(path, params=params)
        assert r.status_code == status, (path, params)
        assert 'data-testid="message">' + message in r.text and '<nav class="tabs">' in r.text, (path, params)


def test_an_organization_owner_cannot_see_enterprise_people(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=True) as c:
        http_sign_in(c, site.demo.org_owner_login, ORG_OWNER_PASSWORD)
        for path in (
            "/enterprises/acme/people/x",
            "/enterprises/acme/people.json?q=ab",
            "/enterprises/acme/changes",
            "/enterprises/acme/changes.csv",
            "/enterprises/acme/history",
            "/enterprises/acme/history.csv",
        ):
            assert c.get(path).status_code == 403, path
