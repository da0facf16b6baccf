"""In Chromium, every page at a desktop width (1280 px) and a phone's (375 px): axe-core
(npm, pinned in package-lock.json, installed by scripts/setup) finds no WCAG 2.1 AA violation,
and no page scrolls sideways at 375 px: wide tables scroll inside their own box."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from web_site import (
    ARTIFACTS,
    ERROR_STATUS,
    ORG_OWNER_PASSWORD,
    WIDTHS,
    Site,
    axe_violations,
    overflow,
    owner_pages,
    require_axe,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.fixture(params=list(WIDTHS))
def sized_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    # The pages' CSP forbids inline scripts, axe's injected one too: bypass it for the audit only
    # (test_web_browser.py holds the pages' own scripts to the policy).
    context = browser.new_context(viewport={"width": WIDTHS[request.param], "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(30000)
    page.width_name = request.param
    yield page
    context.close()


def _audit(page: Any, name: str, problems: dict[str, list[str]]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"a11y-{name}-{page.width_name}.png"), full_page=False)
    found = axe_violations(page)
    if page.width_name == "phone" and (wider := overflow(page)):
        found.append(f"the page scrolls sideways by {wider}")
    if found:
        problems[name] = found


def test_every_page_has_no_accessibility_violation_and_no_sideways_scrolling(sized_page: Any, site: Site) -> None:
    require_axe()
    page, demo, problems = sized_page, site.demo, {}
    page.goto(site.url + "/login")
    _audit(page, "sign-in", problems)
    sign_in(page, site, demo.owner_login, demo.owner_password)
    for name, path in owner_pages(site).items():
        response = page.goto(site.url + path)
        assert response is not None and response.status == ERROR_STATUS.get(name, 200), name
        _audit(page, name, problems)
    page.context.clear_cookies()
    sign_in(page, site, demo.org_owner_login, ORG_OWNER_PASSWORD)
    response = page.goto(f"{site.url}/enterprises/{demo.slug}/licensing")
    assert response is not None and response.status == ERROR_STATUS["forbidden"]
    _audit(page, "forbidden", problems)
    assert problems == {}, "\n".join(f"{name}: {line}" for name, lines in problems.items() for line in lines)


def test_keyboard_users_skip_to_the_content_see_focus_and_close_the_dropdown_with_escape(page: Any, site: Site) -> None:
    demo = site.demo
    sign_in(page, site, demo.owner_login, demo.owner_password)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # the first control of the page shows where the focus is
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") != "none"

    menu = page.locator("[data-testid=ghas-download]")
    menu.locator("summary").click()
    assert menu.get_attribute("open") is not None
    page.keyboard.press("Escape")
    assert menu.get_attribute("open") is None
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"


def test_at_a_phones_width_the_navigation_folds_and_tables_scroll_inside_their_box(browser: Any, site: Site) -> None:
    context = browser.new_context(viewport={"width": WIDTHS["phone"], "height": 900})
    page = context.new_page()
    demo = site.demo
    try:
        sign_in(page, site, demo.owner_login, demo.owner_password)
        page.goto(f"{site.url}/orgs/{demo.org}/licensing")
        toggle = page.locator(".nav-toggle")
        assert toggle.is_visible() and not page.locator(".topnav").is_visible()
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
        assert page.locator(f".topnav a[href='/enterprises/{demo.slug}/licensing']").is_visible()

        box = page.locator("#repositories")
        assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # the table is wider than the phone...
        assert overflow(page) is None  # ...and scrolls inside its box, not the page
        box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
        first = page.locator("[data-testid=repositories] tbody tr th").first.bounding_box()
        panel = box.bounding_box()
        assert first is not None and panel is not None
        assert first["x"] >= panel["x"] and first["x"] + first["width"] <= panel["x"] + panel["width"]
        last = page.locator("[data-testid=repositories] tbody tr td.downloads a").first
        assert last.is_visible()  # the row's downloads are reached by scrolling the table
    finally:
        context.close()
