"""The Advanced Security what-if page: its totals and names are the engine's what-if (and its
plan), a mistake is the page with a message, and only enterprise roles may open it."""

from __future__ import annotations

import re
from typing import Iterator

import httpx
import pytest

from seatledger import licensing
from seatledger.licensing import RepositorySelection

from web_site import NOW, ORG_OWNER_PASSWORD, Site, http_sign_in, number_of


@pytest.fixture
def owner(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, site.demo.owner_login, site.demo.owner_password)
        yield client


def _logins(html: str, testid: str) -> list[str]:
    table = html[html.index(f'data-testid="{testid}"'):]
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
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td>", planned[planned.index('data-testid="plan"'):])
    assert rows == [(s.repository, str(s.new_committers)) for s in plan.steps]


@pytest.mark.parametrize("query, message", [
    ({"product": "copilot"}, "product must be"),
    ({"product": "code_security", "org": "no-such-org"}, "no repository"),
    ({"product": "code_security", "spare": "lots"}, "spare must be"),
    ({"product": "code_security", "visibility": "secret"}, "visibility"),
])
def test_a_mistake_is_the_page_with_a_message(site: Site, owner: httpx.Client, query: dict[str, str], message: str) -> None:
    got = owner.get(f"/enterprises/{site.demo.slug}/ghas-what-if", params=query)
    assert got.status_code == 422 and 'data-testid="message"' in got.text and message in got.text


def test_an_organization_owner_may_not_open_it(site: Site) -> None:
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, site.demo.org_owner_login, ORG_OWNER_PASSWORD)
        got = client.get(f"/enterprises/{site.demo.slug}/ghas-what-if", params={"product": "code_security"})
        assert got.status_code in (403, 404) and "total-now" not in got.text
