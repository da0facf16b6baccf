"""In Chromium: the date picker of the Licensing page moves every number and every download
link to the picked date, the tabs keep the date, and "Back to now" comes back."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from seatledger import licensing
from seatledger.licensing import Scope

from web_site import NOW, Site, sign_in
from test_web_as_of import AT, DAY

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
NUMBERS = (
    "seats-consumed",
    "ghas-code_security-committers",
    "ghas-secret_protection-committers",
    "copilot-total",
    "copilot-business",
    "copilot-enterprise",
)


def _numbers(page: Any) -> dict[str, int]:
    return {k: int(page.inner_text(f"[data-testid={k}]").replace(",", "").split()[0]) for k in NUMBERS}


def _engine_numbers(site: Site, at: Any) -> dict[str, int]:
    slug = site.demo.slug
    ent = Scope.enterprise(slug)
    with site.engine.connect() as conn:
        seats = licensing.seat_totals(conn, slug, as_of=at)
        ghas = {p: licensing.committer_totals(conn, ent, p, as_of=at) for p in ("code_security", "secret_protection")}
        copilot = licensing.copilot_totals(conn, ent, as_of=at)
    return {
        "seats-consumed": seats.consumed,
        "ghas-code_security-committers": ghas["code_security"].total_committers,
        "ghas-secret_protection-committers": ghas["secret_protection"].total_committers,
        "copilot-total": copilot.breakdown.total,
        "copilot-business": copilot.business,
        "copilot-enterprise": copilot.enterprise,
    }


def test_the_date_picker_moves_every_number_and_download(page: Any, site: Site) -> None:
    then, now = _engine_numbers(site, AT), _engine_numbers(site, NOW)
    assert then != now  # else the picker could do nothing and pass
    sign_in(page, site, site.demo.owner_login, site.demo.owner_password)
    assert _numbers(page) == now

    page.fill("[data-testid=date-picker] input[name=as_of]", DAY.isoformat())  # sends the form when changed
    page.wait_for_selector("[data-testid=as-of-banner]")
    assert _numbers(page) == then
    reports = page.eval_on_selector_all("main a[href^='/reports/']", "links => links.map(a => a.href)")
    assert reports and all(f"as_of={DAY.isoformat()}" in href for href in reports)
    assert (
        page.eval_on_selector_all(
            "main form[action='/exports'] input[name=as_of]", "inputs => inputs.map(i => i.value)"
        )
        == [DAY.isoformat()] * page.locator("main form[action='/exports']").count()
    )

    with page.expect_download() as info:
        page.click("[data-testid=license-usage] a.button")
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) - 1 == then["seats-consumed"]

    page.click("nav.tabs a:has-text('Copilot')")
    page.wait_for_selector("[data-testid=as-of-banner]")
    assert f"as_of={DAY.isoformat()}" in page.url
    assert int(page.inner_text("[data-testid=copilot-total]").replace(",", "")) == then["copilot-total"]

    page.click("nav.tabs a:has-text('Licensing')")
    page.click("[data-testid=back-to-now]")
    page.wait_for_selector("[data-testid=card-seats]")
    assert page.locator("[data-testid=as-of-banner]").count() == 0
    assert _numbers(page) == now
