"""The Advanced Security what-if page: its totals and names are the engine's what-if (and its
plan), a mistake is the page with a message, and only enterprise roles may open it."""

from __future__ import annotations

from html import unescape
import re
from typing import Iterator

import httpx
import pytest

from seatledger import licensing
from seatledger.licensing import RepositorySelection
from seatledger.web.table_view import PAGE_SIZE

from web_site import NOW, ORG_OWNER_PASSWORD, Site, http_sign_in, number_of


@pytest.fixture
def owner(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, site.demo.owner_login, site.demo.owner_password)
        yield client


def _logins(html: str, testid: str) -> list[str]:
    table = html[html.index(f'data-testid="{testid}"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'/people/[^"]+">([^<]+)</a>', table)


def test_the_page_shows_the_engines_what_if_and_plan(site: Site, owner: httpx.Client) -> None:
    slug, org = site.demo.slug, site.demo.org
    with site.engine.connect() as conn:
        found = licensing.ghas_what_if(conn, slug, "code_security", RepositorySelection(orgs=(org,)), as_of=NOW)
        plan = licensing.ghas_plan(conn, slug, "secret_protection", 4, as_of=NOW)
    assert (found.enabling_adds or found.disabling_frees) and plan.steps
    licensing_page = owner.get(f"/enterprises/{slug}/licensing").text
    assert f'href="/enterprises/{slug}/ghas-what-if"' in licensing_page
    html = owner.get(f"/enterprises/{slug}/ghas-what-if", params={"product": "code_security", "org": org}).text
    assert number_of(html, "total-now") == found.total_committers
    assert number_of(html, "total-if-enabled") == found.total_if_enabled
    assert number_of(html, "total-if-disabled") == found.total_if_disabled
    assert _logins(html, "enabling-adds") == [p.login for p in found.enabling_adds]
    assert _logins(html, "disabling-frees") == [p.login for p in found.disabling_frees]
    planned = owner.get(f"/enterprises/{slug}/ghas-what-if", params={"product": "secret_protection", "spare": "4"}).text
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td>", planned[planned.index('data-testid="plan"') :]
    )
    assert rows == [(s.repository, str(s.new_committers)) for s in plan.steps]


@pytest.mark.parametrize(
    "query, message",
    [
        ({"product": "copilot"}, "product must be"),
        ({"product": "code_security", "org": "no-such-org"}, "no repository"),
        ({"product": "code_security", "spare": "lots"}, "spare must be"),
        ({"product": "code_security", "visibility": "secret"}, "visibility"),
    ],
)
def test_a_mistake_is_the_page_with_a_message(
    site: Site, owner: httpx.Client, query: dict[str, str], message: str
) -> None:
    got = owner.get(f"/enterprises/{site.demo.slug}/ghas-what-if", params=query)
    assert got.status_code == 422 and 'data-testid="message"' in got.text and message in got.text


def test_an_organization_owner_may_not_open_it(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, site.demo.org_owner_login, ORG_OWNER_PASSWORD)
        got = client.get(f"/enterprises/{site.demo.slug}/ghas-what-if", params={"product": "code_security"})
        assert got.status_code in (403, 404) and "total-now" not in got.text


def test_the_people_and_plan_tables_page_sort_and_filter_through_the_url(site: Site, owner: httpx.Client) -> None:
    slug = site.demo.slug
    query = {"product": "code_security", "visibility": ["private", "internal"]}
    with site.engine.connect() as conn:
        found = licensing.ghas_what_if(
            conn, slug, "code_security", RepositorySelection(visibilities=("private", "internal")), as_of=NOW
        )
        plan = licensing.ghas_plan(conn, slug, "code_security", 10_000, as_of=NOW)
    people = sorted({*found.enabling_adds, *found.disabling_frees}, key=lambda p: p.login)
    adds = sorted(found.enabling_adds, key=lambda p: p.login.casefold())
    pages = -(-len(adds) // PAGE_SIZE)
    assert pages > 1, len(adds)

    last = owner.get(f"/enterprises/{slug}/ghas-what-if", params={**query, "add_page": str(pages)})
    assert _logins(last.text, "enabling-adds") == [p.login for p in adds[(pages - 1) * PAGE_SIZE :]]
    assert f"Page {pages} of {pages}" in last.text
    back = re.search(r'href="([^"]+)#enabling-adds" rel="prev"', last.text)
    assert back is not None and unescape(back.group(1)).count("visibility=") == 2  # the choice is kept
    by_name = owner.get(f"/enterprises/{slug}/ghas-what-if", params={**query, "add_sort": "name", "add_dir": "desc"})
    named = sorted(sorted(adds, key=lambda p: p.login), key=lambda p: (p.name or "").casefold(), reverse=True)
    assert _logins(by_name.text, "enabling-adds") == [p.login for p in named[:PAGE_SIZE]]
    someone = people[0].login
    filtered = owner.get(f"/enterprises/{slug}/ghas-what-if", params={**query, "add_q": someone, "free_q": someone})
    assert set(_logins(filtered.text, "enabling-adds")) | set(_logins(filtered.text, "disabling-frees")) == {
        p.login for p in people if someone.casefold() in p.login.casefold()
    }

    by_commits = owner.get(
        f"/enterprises/{slug}/ghas-what-if",
        params={"product": "code_security", "spare": "10000", "step_sort": "new_committers", "step_dir": "desc"},
    )
    steps = sorted(sorted(plan.steps, key=lambda s: s.repository), key=lambda s: s.new_committers, reverse=True)
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td>",
        by_commits.text[by_commits.text.index('data-testid="plan"') :],
    )
    assert rows == [(s.repository, str(s.new_committers)) for s in steps[:PAGE_SIZE]]
    assert 'data-testid="plan-order"' in by_commits.text

    bad = owner.get(f"/enterprises/{slug}/ghas-what-if", params={**query, "free_sort": "salary"})
    assert bad.status_code == 422 and "free_sort must be one of login, name" in bad.text
