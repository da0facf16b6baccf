"""In Chromium, every page on the ``medium`` demo (10,000 people, 100 organizations) at 1280 px
and at 375 px: each page's HTML stays under 300 KB, nothing scrolls sideways and axe-core finds
no violation. First-view times go to test-artifacts/medium-first-view.json with a screenshot of
each page at each width: they are recorded, not asserted (speed is measured by bench/)."""

from __future__ import annotations

import json
import time
from typing import Any, Iterator

import pytest

import sqlalchemy as sa

from seatledger import licensing
from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db import create_engine, migrate
from seatledger.db import tables as t

from web_site import (
    ARTIFACTS,
    WIDTHS,
    Clock,
    LiveServer,
    Site,
    axe_violations,
    demo_world,
    overflow,
    owner_pages,
    require_axe,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HTML_LIMIT = 300 * 1024  # bytes of one page's HTML


@pytest.fixture(scope="session")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The medium demo, built once, on its own SQLite file, served by a real uvicorn."""
    data = tmp_path_factory.mktemp("medium")
    url = f"sqlite:///{data / 'ledger.db'}"
    engine = create_engine(url)
    migrate(engine)
    demo = demo_world(engine, size="medium")
    settings = Settings(data_dir=data, database_url=url, secret_key="test-secret-key")
    app = create_app(settings, engine)
    app.state.clock = clock = Clock()
    with LiveServer(app) as server:
        yield Site(server.url, app, clock, settings, engine, demo)
    engine.dispose()


def _first_view(page: Any) -> dict[str, float]:
    """The browser's own timing of the page's first view, in milliseconds from the request."""
    return page.evaluate(
        """() => { const n = performance.getEntriesByType("navigation")[0];
                   return { response: n.responseEnd - n.requestStart,
                            dom_ready: n.domContentLoadedEventEnd - n.requestStart,
                            load: n.loadEventEnd - n.requestStart }; }"""
    )


def _chart_drawn(page: Any) -> float:
    """When the Usage chart was drawn (after the load event), in milliseconds from the request."""
    return page.evaluate(
        """() => performance.getEntriesByName("usage-chart-drawn")[0].startTime
                 - performance.getEntriesByType("navigation")[0].requestStart"""
    )


def test_every_medium_page_is_small_accessible_and_fits_a_phone(browser: Any, medium: Site) -> None:
    require_axe()
    ARTIFACTS.mkdir(exist_ok=True)
    pages = owner_pages(medium)
    times: dict[str, dict[str, Any]] = {}
    problems: list[str] = []
    for width_name, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(60000)
        try:
            sign_in(page, medium, medium.demo.owner_login, medium.demo.owner_password)
            for name, path in pages.items():
                response = page.goto(medium.url + path, wait_until="load")
                assert response is not None
                size = len(response.body())
                view = times.setdefault(name, {"path": path, "html_bytes": size})[width_name] = _first_view(page)
                if page.query_selector("#usage-chart"):  # drawn after the load event
                    page.wait_for_selector("#usage-chart[data-ready=true]")
                    view["chart_drawn"] = _chart_drawn(page)
                page.screenshot(path=str(ARTIFACTS / f"medium-{name}-{width_name}.png"))
                if size >= HTML_LIMIT:
                    problems.append(f"{name}: {size:,} bytes of HTML")
                problems += [f"{name} at {width} px: {v}" for v in axe_violations(page)]
                if width_name == "phone" and (wider := overflow(page)):
                    problems.append(f"{name} at {width} px scrolls sideways by {wider}")
            if width_name == "desktop":
                times["search-by-email"] = {"ms": _search_by_email(page, medium)}
        finally:
            context.close()
    (ARTIFACTS / "medium-first-view.json").write_text(json.dumps(times, indent=2) + "\n")
    assert problems == [], "\n".join(problems)


def _search_by_email(page: Any, site: Site) -> float:
    """Type part of a person's email into the Licensing page's search box: the person is
    suggested (the time until then is recorded, not asserted)."""
    slug = site.demo.slug
    with site.engine.connect() as conn:
        person = next(p for p in licensing.iter_licensed_people(conn, slug, offset=5000, limit=50) if p.login)
        email = conn.execute(
            sa.select(t.user_emails.c.email)
            .join(t.users, t.users.c.id == t.user_emails.c.user_id)
            .where(t.users.c.login == person.login, t.user_emails.c.verified == sa.true())
            .limit(1)
        ).scalar_one()
    page.goto(f"{site.url}/enterprises/{slug}/licensing")
    started = time.perf_counter()
    page.fill("[data-testid=people-search] input[name=q]", email[:-2])
    page.wait_for_selector(f"[data-testid=people-suggestions][data-ready=true] a[href$='/people/{person.login}']")
    return round((time.perf_counter() - started) * 1000, 1)
