"""In Chromium: the Copilot reclaim dry run lists exactly the seats that *Cancel selected* then
removes (one unticked seat stays)."""

from __future__ import annotations

from typing import Any

import pytest

from seatledger import licensing
from seatledger.licensing import Scope

from web_site import NOW, Site, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def _held(site: Site) -> dict[int, Any]:
    with site.engine.connect() as conn:
        return {s.seat_id: s for s in licensing.iter_copilot_seats(conn, Scope.enterprise(site.demo.slug), as_of=NOW)}


def test_the_reclaim_dry_run_lists_exactly_the_seats_the_cancel_removes(page: Any, site: Site) -> None:
    slug = site.demo.slug
    sign_in(page, site, site.demo.owner_login, site.demo.owner_password)
    page.click("nav.tabs a:has-text('Reclaim')")
    page.click("[data-testid=reclaim-products] a:has-text('Copilot')")
    page.select_option("select[name=idle_days]", "60")
    page.click("[data-testid=reclaim-form] button")
    page.wait_for_selector("[data-testid=cancel-form]")
    listed = [int(v) for v in page.eval_on_selector_all("input[name=seat]", "boxes => boxes.map(b => b.value)")]
    with site.engine.connect() as conn:
        dry = licensing.reclaim(conn, slug, "copilot", rules=licensing.ReclaimRules(idle_days=60), as_of=NOW)
    assert listed == list(dry.seat_ids) and len(listed) >= 2
    kept = listed[0]
    page.uncheck(f"input[name=seat][value='{kept}']")
    before = {i for i, s in _held(site).items() if s.pending_cancellation_date is None}
    page.click("[data-testid=cancel-selected]")
    page.wait_for_selector(".flash-success")
    assert f"{len(listed) - 1} Copilot seats cancelled" in page.inner_text(".flash-success")
    after = {i for i, s in _held(site).items() if s.pending_cancellation_date is None}
    assert before - after == set(listed) - {kept}
    assert kept in after
