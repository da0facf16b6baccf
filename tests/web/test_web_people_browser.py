"""In Chromium: the search box on the Licensing page finds a person by email as you type, and
the person page explains a server-only person, a Visual Studio subscriber, a committer and an
invitee the way the counting engine does."""

from __future__ import annotations

from typing import Any

import pytest

from seatledger import licensing

from web_site import ARTIFACTS, NOW, Site, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def test_search_finds_a_person_by_email_and_the_person_page_explains_each_kind(page: Any, site: Site) -> None:
    slug = site.demo.slug
    with site.engine.connect() as conn:
        people = list(licensing.iter_licensed_people(conn, slug, as_of=NOW))
        kinds = {
            "server-only": next(p for p in people if p.key.startswith("server:")),
            "visual studio": next(p for p in people if p.visual_studio_subscription_user and p.login),
            "committer": next(p for p in people if p.code_security_user and p.login),
            "invitee": next(p for p in people if p.invited_email),
        }
        explained = {k: licensing.describe_person(conn, slug, p.key, as_of=NOW) for k, p in kinds.items()}
    sign_in(page, site, site.demo.owner_login, site.demo.owner_password)

    email = kinds["server-only"].key.removeprefix("server:")
    page.fill("[data-testid=people-search] input[name=q]", email[:-3])
    page.wait_for_selector("[data-testid=people-suggestions][data-ready=true] li")
    page.click(f"[data-testid=people-suggestions] a[href='/enterprises/{slug}/people/{email}']")
    page.wait_for_selector("[data-testid=seat-reasons]")
    assert page.url.endswith(f"/enterprises/{slug}/people/{email}")

    for kind, found in explained.items():
        if kind != "server-only":
            page.goto(f"{site.url}/enterprises/{slug}/people/{found.handle}")
        reasons = page.locator("[data-testid=seat-reasons] li").all_inner_texts()
        assert reasons == [r.detail for r in found.seat_reasons], kind
        assert page.inner_text("[data-testid=person-licenses]") == ", ".join(found.licenses), kind
    assert any(r.reason == "visual_studio" for r in explained["visual studio"].seat_reasons)
    assert explained["invitee"].seat_reasons[0].reason == "pending_invitation"
    committed = next(c for c in explained["committer"].advanced_security if c.product == "code_security")
    assert committed.counted and committed.repositories
    page.goto(f"{site.url}/enterprises/{slug}/people/{explained['committer'].handle}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "person-committer.png"), full_page=True)
    table = page.inner_text("[data-testid=ghas-code_security] + table")
    for repo in committed.repositories:
        assert repo.repository in table
