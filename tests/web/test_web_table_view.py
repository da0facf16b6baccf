"""The committer tables of the Licensing pages (ORGANIZATION, USER NAMESPACED, an org's
repositories) page, sort and filter on the server, their state in the URL; the Copilot seats
table counts what each filter keeps and says how many pages it has."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from contextlib import contextmanager
from typing import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db.ledger import Ledger
from seatledger.licensing import Scope
from seatledger.web import routes_copilot
from seatledger.web.usage_view import usage_page
from tests.factories import EnterpriseBuilder
from seatledger.web.accounts import set_password
from seatledger.web.table_view import PAGE_SIZE

from web_site import LiveServer, http_sign_in

T0 = dt.datetime(2025, 1, 1)
NOW = dt.datetime(2026, 3, 15, 12, 0)
REPOS = PAGE_SIZE + 30
PEOPLE = 5
pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages only: the SQL is tested elsewhere


@pytest.fixture
def mona(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    """acme: org "big" with REPOS Code Security repositories, repo-K pushed to by (K % 5) + 1
    people; orgs small-a and small-b with one each; mona, an enterprise owner, signed in."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        orgs = {name: led.add_org(eid, name, created_at=T0) for name in ("big", "small-a", "small-b")}
        people = []
        for i in range(PEOPLE):
            uid = led.add_user(eid, f"dev{i}", emails=[f"dev{i}@acme.test"], created_at=T0)
            for org in orgs.values():
                led.add_membership(org, uid, started_at=T0)
            people.append(f"dev{i}@acme.test")
        sha = 0
        pushed = NOW - dt.timedelta(days=1)
        for owner, count in (("big", REPOS), ("small-a", 1), ("small-b", 1)):
            for k in range(count):
                rid = led.add_repo(eid, owner, f"repo-{k:03d}", org_id=orgs[owner], code_security=True, created_at=T0)
                rows = []
                for email in people[: k % PEOPLE + 1]:
                    sha += 1
                    rows.append(
                        {"sha": f"{sha:040x}", "author_email": email, "author_date": pushed, "pushed_at": pushed}
                    )
                led.add_commits(rid, rows)
        _owner_mona(led, eid)
    with _signed_in_as_mona(settings, engine) as client:
        yield client


def _owner_mona(led: Ledger, eid: int) -> None:
    mona = led.add_user(eid, "mona", emails=["mona@acme.test"], created_at=T0)
    led.add_enterprise_role(eid, mona, "owner", started_at=T0)
    set_password(led.conn, mona, "mona-password")


@contextmanager
def _signed_in_as_mona(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    app = create_app(settings, engine)
    app.state.clock = lambda: NOW.replace(tzinfo=dt.timezone.utc).timestamp()
    with LiveServer(app) as server, httpx.Client(base_url=server.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, "mona", "mona-password")
        yield client


SEATS = routes_copilot.PAGE_SIZE + 20


@pytest.fixture
def copilot_seats(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    """acme: org "big" with SEATS Copilot seats, seat K last used (K % 3) * 35 + 1 days ago, or
    never when K % 7 == 0."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        org = led.add_org(eid, "big", created_at=T0)
        for k in range(SEATS):
            uid = led.add_user(eid, f"dev{k:03d}", created_at=T0)
            led.add_membership(org, uid, started_at=T0)
            last = None if k % 7 == 0 else NOW - dt.timedelta(days=(k % 3) * 35 + 1)
            led.add_copilot_seat(org, uid, created_at=T0, last_activity_at=last)
        _owner_mona(led, eid)
    with _signed_in_as_mona(settings, engine) as client:
        yield client


def _rows(page: str, testid: str) -> list[tuple[str, int]]:
    """(name, Code Security committers) of each row of the table."""
    table = page[page.index(f'data-testid="{testid}"') :]
    table = table[: table.index("</table>")]
    return [
        (htmllib.unescape(name), int(n))
        for name, n in re.findall(r'<tr data-name="([^"]+)">.*?data-product="code_security">(\d+)<', table, re.S)
    ]


def test_an_orgs_repositories_are_paged_with_never_more_than_a_page_of_rows(mona: httpx.Client) -> None:
    first = mona.get("/orgs/big/licensing").text
    rows = _rows(first, "repositories")
    assert [name for name, _ in rows] == [f"big/repo-{k:03d}" for k in range(PAGE_SIZE)]
    assert f"1–{PAGE_SIZE} of {REPOS}" in first and "Page 1 of 2" in first
    second = mona.get("/orgs/big/licensing?repo_page=2").text
    assert [name for name, _ in _rows(second, "repositories")] == [f"big/repo-{k:03d}" for k in range(PAGE_SIZE, REPOS)]
    # A page past the last shows the last.
    assert _rows(mona.get("/orgs/big/licensing?repo_page=9").text, "repositories") == _rows(second, "repositories")


def test_a_table_sorts_by_committers_through_its_url_with_ties_by_name(mona: httpx.Client) -> None:
    page = mona.get("/orgs/big/licensing?repo_sort=code_security&repo_dir=desc").text
    rows = _rows(page, "repositories")
    counts = [n for _name, n in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] == PEOPLE
    assert rows[:2] == [("big/repo-004", PEOPLE), ("big/repo-009", PEOPLE)]
    assert 'aria-sort="descending"' in page
    # The sorted column's link turns the order round; the filter form keeps the sort.
    assert "repo_dir=asc&amp;repo_sort=code_security" in page
    assert '<input type="hidden" name="repo_sort" value="code_security">' in page


def test_a_table_filters_by_name_in_any_case_and_counts_what_it_kept(mona: httpx.Client) -> None:
    page = mona.get("/orgs/big/licensing?repo_q=REPO-01").text
    assert [name for name, _ in _rows(page, "repositories")] == [f"big/repo-{k:03d}" for k in range(10, 20)]
    assert f"1–10 of 10 (of {REPOS})" in page
    assert "No repository matches the filter." in mona.get("/orgs/big/licensing?repo_q=nothing").text


def test_the_enterprise_tables_each_keep_their_own_state_in_the_url(mona: httpx.Client) -> None:
    page = mona.get("/enterprises/acme/licensing?org_sort=code_security&org_dir=desc&ns_q=x").text
    assert [name for name, _ in _rows(page, "namespaces-organization")] == ["big", "small-a", "small-b"]
    assert _rows(mona.get("/enterprises/acme/licensing?org_q=small").text, "namespaces-organization") == [
        ("small-a", 1),
        ("small-b", 1),
    ]
    # The ORGANIZATION table's links keep the other table's filter.
    assert re.search(r'href="\?[^"]*ns_q=x[^"]*org_sort=name[^"]*#namespaces-organization"', page)


def test_a_bad_table_parameter_is_a_422_page_naming_it(mona: httpx.Client) -> None:
    for query in ("repo_sort=stars", "repo_dir=up", "repo_page=0", "repo_page=abc", "repo_q=" + "x" * 101):
        response = mona.get(f"/orgs/big/licensing?{query}")
        assert response.status_code == 422, query
        assert query.split("=")[0] in response.text and "Sign out" in response.text


def _seat_logins(page: str) -> list[str]:
    return re.findall(r'<tr data-login="([^"]+)">', page)


def test_copilot_seat_filters_show_their_counts_and_the_table_its_page_count(copilot_seats: httpx.Client) -> None:
    def idle(k: int, days: int) -> bool:
        return k % 7 == 0 or (k % 3) * 35 + 1 >= days

    expected = {days: [f"dev{k:03d}" for k in range(SEATS) if idle(k, days)] for days in (30, 60, 90)}
    page = copilot_seats.get("/orgs/big/copilot").text
    counts = dict(re.findall(r'data-inactive="(\w+)"[^>]*>[^<]*<span data-testid="filter-count">\(([\d,]+)\)', page))
    assert counts == {"all": str(SEATS), **{str(d): str(len(logins)) for d, logins in expected.items()}}
    assert "Page 1 of 2" in page
    size = routes_copilot.PAGE_SIZE
    assert _seat_logins(page) == [f"dev{k:03d}" for k in range(size)]
    second = copilot_seats.get("/orgs/big/copilot?page_no=2").text
    assert "Page 2 of 2" in second and _seat_logins(second) == [f"dev{k:03d}" for k in range(size, SEATS)]
    for days, logins in expected.items():
        filtered = copilot_seats.get(f"/orgs/big/copilot?inactive={days}").text
        assert _seat_logins(filtered) == logins[:size]
        assert f"Page 1 of {-(-len(logins) // size)}" in filtered
        assert 'aria-current="page" data-inactive="%d"' % days in filtered


SERVERS = PAGE_SIZE + 5


@pytest.fixture
def servers(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    """acme with SERVERS server instances ghes-K.acme.test; every third one synced K hours before NOW."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=T0)
        for k in range(SERVERS):
            sid = led.add_server(eid, None, f"ghes-{k:03d}.acme.test", created_at=T0)
            if k % 3 == 0:
                led.add_sync_event(sid, occurred_at=NOW - dt.timedelta(hours=k))
        _owner_mona(led, eid)
    with _signed_in_as_mona(settings, engine) as client:
        yield client


def _hosts(page: str) -> list[str]:
    table = page[page.index('data-testid="servers"') :]
    return re.findall(r"<tr data-server-id=\"[^\"]+\"><th>([^<]+)</th>", table[: table.index("</table>")])


def test_server_instances_are_paged_sorted_by_last_sync_and_filtered_by_host_name(servers: httpx.Client) -> None:
    hosts = [f"ghes-{k:03d}.acme.test" for k in range(SERVERS)]
    first = servers.get("/enterprises/acme/licensing").text
    assert _hosts(first) == hosts[:PAGE_SIZE] and f"1–{PAGE_SIZE} of {SERVERS}" in first
    assert _hosts(servers.get("/enterprises/acme/licensing?srv_page=2").text) == hosts[PAGE_SIZE:]
    synced = [h for k, h in enumerate(hosts) if k % 3 == 0]  # the latest sync first, never-synced last
    by_sync = _hosts(servers.get("/enterprises/acme/licensing?srv_sort=synced&srv_dir=desc").text)
    assert by_sync[: len(synced)] == synced and set(by_sync[len(synced) :]) <= set(hosts) - set(synced)
    filtered = servers.get("/enterprises/acme/licensing?srv_q=GHES-10").text
    assert _hosts(filtered) == [h for h in hosts if "ghes-10" in h] and f"1–5 of 5 (of {SERVERS})" in filtered
    assert servers.get("/enterprises/acme/licensing?srv_sort=version").status_code == 422


USAGE_ORGS = PAGE_SIZE + 3


@pytest.fixture
def usage(settings: Settings, engine: Engine) -> Iterator[tuple[httpx.Client, list[tuple[str, str]]]]:
    """acme with USAGE_ORGS organizations of 1 to 4 members (so their bills tie in fours), and the
    engine's March totals per organization: (name, billed)."""
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        for i in range(USAGE_ORGS):
            for n in range(i % 4 + 1):
                b.member(f"org-{i:03d}", f"org-{i:03d}-user{n}")
        _owner_mona(b.ledger, b.id)
        data = usage_page(conn, Scope.enterprise("acme"), dt.date(2026, 3, 1), "organization", NOW)
    totals = [(g.label, f"${g.net:,.2f}") for g in data.totals]
    with _signed_in_as_mona(settings, engine) as client:
        yield client, totals


def _usage_rows(page: str) -> list[tuple[str, str]]:
    table = page[page.index('data-testid="usage-totals"') :]
    table = table[: table.index("</table>")]
    return re.findall(
        r"<tr><th>([^<]+)</th>.*?<td class=\"num\">[^<]*</td><td class=\"num\">[^<]*</td><td class=\"num\">([^<]+)</td></tr>",
        table,
    )


def test_the_usage_totals_page_by_billed_amount_and_sort_and_filter_through_the_url(
    usage: tuple[httpx.Client, list[tuple[str, str]]],
) -> None:
    client, totals = usage
    base = "/enterprises/acme/usage?month=2026-03&group=organization"
    assert len({billed for _name, billed in totals}) == 4  # the bills tie in fours: ties go by name
    first = client.get(base).text
    assert _usage_rows(first) == totals[:PAGE_SIZE] and "Page 1 of 2" in first
    assert _usage_rows(client.get(base + "&grp_page=2").text) == totals[PAGE_SIZE:]
    by_name = client.get(base + "&grp_sort=name&grp_dir=asc").text
    assert _usage_rows(by_name)[:3] == sorted(totals)[:3]
    assert _usage_rows(client.get(base + "&grp_q=ORG-10").text) == [t for t in totals if t[0].startswith("org-10")]
    assert client.get(base + "&grp_sort=units").status_code == 422
