"""Browser tests: Debian's Chromium, driven by Playwright, against a real uvicorn server on
the demo enterprise at a fixed instant."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from seatledger import licensing
from seatledger.licensing import Scope
from seatledger.reports import advanced_security as as_report
from seatledger.reports import copilot_activity as copilot_report
from seatledger.reports import license_usage as usage_report

from web_site import ARTIFACTS, NOW, ORG_OWNER_PASSWORD, Site, sign_in

# The browser drives the UI; the SQL behind every number runs on both databases in
# test_web_one_truth.py and tests/exports, so the browser runs once, on SQLite, to keep the
# suite fast.
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "licensing.png"


def _download(page: Any, selector: str) -> list[list[str]]:
    with page.expect_download() as info:
        page.click(selector)
    text = Path(info.value.path()).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text)))


def _number(page: Any, testid: str) -> int:
    return int(page.inner_text(f"[data-testid={testid}]").replace(",", "").split()[0])


def _screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    return path


def test_enterprise_owner_reads_every_card_and_downloads_each_enterprise_report(page: Any, site: Site) -> None:
    demo = site.demo
    sign_in(page, site, demo.owner_login, demo.owner_password)
    assert page.url == f"{site.url}/enterprises/{demo.slug}/licensing"
    page.wait_for_selector("#license-history[data-ready=true]")
    shot = _screenshot(page, "licensing-enterprise.png")
    if not DOCS_SCREENSHOT.exists():
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, DOCS_SCREENSHOT)

    ent = Scope.enterprise(demo.slug)
    with site.engine.connect() as conn:
        seats = licensing.seat_totals(conn, demo.slug, as_of=NOW)
        ghas = {p: licensing.committer_totals(conn, ent, p, as_of=NOW) for p in ("code_security", "secret_protection")}
        pushes = {p: len(list(licensing.iter_committer_pushes(conn, ent, p, as_of=NOW))) for p in ghas}
        copilot = licensing.copilot_totals(conn, ent, as_of=NOW)
        history = licensing.seat_history(conn, demo.slug, NOW.date().replace(day=1), NOW.date())

    assert _number(page, "seats-consumed") == seats.consumed
    for product, totals in ghas.items():
        assert _number(page, f"ghas-{product}-committers") == totals.total_committers
        assert _number(page, f"ghas-{product}-maximum") == totals.maximum_committers
    assert _number(page, "copilot-total") == copilot.breakdown.total
    assert _number(page, "copilot-business") == copilot.business
    assert _number(page, "copilot-enterprise") == copilot.enterprise
    # The chart's table shows the engine's history, day by day.
    day, consumed = history[-1]
    assert page.inner_text(f"[data-testid=history] tr:has-text('{day.isoformat()}') td.num") == f"{consumed:,}"

    rows = _download(page, "[data-testid=license-usage] a.button")
    assert rows[0] == usage_report.header()
    assert len(rows) - 1 == seats.consumed

    for product in ("code_security", "secret_protection"):
        if page.get_attribute("[data-testid=ghas-download]", "open") is None:
            page.click("[data-testid=ghas-download] summary")
        rows = _download(page, f"[data-testid=ghas-{product}-report] a.button")
        assert rows[0] == list(as_report.HEADER)
        assert len(rows) - 1 == pushes[product]
        assert len({r[0] for r in rows[1:]}) == ghas[product].total_committers

    rows = _download(page, "[data-testid=card-copilot] [data-testid=copilot-activity] a.button")
    assert rows[0] == list(copilot_report.HEADER)
    assert len(rows) - 1 == copilot.breakdown.total

    # ORGANIZATION table: a per-row download at organization level.
    org_row = page.locator("[data-testid=namespaces-organization] tbody tr").first
    org = org_row.get_attribute("data-name")
    with site.engine.connect() as conn:
        org_committers = licensing.committer_totals(conn, Scope.org(org), "code_security", as_of=NOW)
    assert int(org_row.locator("td[data-product=code_security]").inner_text()) == org_committers.total_committers
    with page.expect_download() as info:
        org_row.locator("a[data-product=code_security]").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == list(as_report.HEADER)
    assert len({r[0] for r in rows[1:]}) == org_committers.total_committers
    assert all(r[1].startswith(f"{org}/") for r in rows[1:])


def test_org_level_pages_show_the_org_and_download_repository_reports(page: Any, site: Site) -> None:
    demo = site.demo
    sign_in(page, site, demo.owner_login, demo.owner_password)
    page.goto(f"{site.url}/orgs/{demo.org}/licensing")
    _screenshot(page, "licensing-organization.png")
    org = Scope.org(demo.org)
    with site.engine.connect() as conn:
        seats = licensing.seat_totals(conn, demo.slug, org=demo.org, as_of=NOW)
        repos = list(licensing.iter_repository_committers(conn, org, "code_security", as_of=NOW))
        copilot = licensing.copilot_totals(conn, org, as_of=NOW)
    assert _number(page, "seats-consumed") == seats.consumed
    assert _number(page, "copilot-total") == copilot.breakdown.total

    rows = _download(page, "[data-testid=license-usage] a.button")
    assert rows[0] == usage_report.header()
    assert len(rows) - 1 == seats.consumed

    assert repos, "the demo org has repositories with Code Security committers"
    repo = repos[0]
    row = page.locator(f"[data-testid=repositories] tr[data-name='{repo.repository}']")
    assert int(row.locator("td[data-product=code_security]").inner_text()) == repo.committers
    with page.expect_download() as info:
        row.locator("a[data-product=code_security]").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == list(as_report.HEADER)
    assert {r[1] for r in rows[1:]} == {repo.repository}
    assert len(rows) - 1 == repo.committers

    # Copilot seats page: the inactive filter lists exactly the engine's inactive seats.
    page.goto(f"{site.url}/orgs/{demo.org}/copilot?inactive=30")
    _screenshot(page, "copilot-organization.png")
    with site.engine.connect() as conn:
        idle = [s.login for s in licensing.iter_copilot_seats(conn, org, as_of=NOW, inactive_days=30)]
    shown = page.locator("[data-testid=seats] tbody tr[data-login]").evaluate_all(
        "rows => rows.map(r => r.dataset.login)"
    )
    assert shown == idle[:100]
    rows = _download(page, "[data-testid=copilot-activity] a.button")
    assert rows[0] == list(copilot_report.HEADER)
    assert len(rows) - 1 == copilot.breakdown.total


def test_emailed_report_arrives_over_smtp_and_its_link_is_refused_after_expiry(
    page: Any, site: Site, smtp: Any
) -> None:
    demo = site.demo
    sign_in(page, site, demo.owner_login, demo.owner_password)
    page.click("[data-testid=license-usage] form button")
    page.wait_for_load_state()
    assert "is queued" in page.inner_text(".flash-success")
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]
    assert mail["To"] == demo.owner_email
    link = re.search(r"(http://\S+/exports/\d+/download\?token=\S+)", mail.get_payload(decode=True).decode())
    assert link is not None
    response = page.request.get(link.group(1))
    assert response.status == 200
    rows = list(csv.reader(io.StringIO(response.text())))
    with site.engine.connect() as conn:
        assert len(rows) - 1 == licensing.count_consumed(conn, demo.slug, as_of=NOW)

    page.goto(f"{site.url}/exports")
    assert page.inner_text("[data-testid=exports] tbody tr [data-testid=status]") == "ready"

    site.clock.now += site.settings.download_link_ttl_seconds + 1  # a day later
    response = page.request.get(link.group(1))
    assert response.status == 410
    assert "expired" in response.text()
    page.goto(link.group(1))
    assert "expired" in page.inner_text("main")


def test_org_owner_sees_their_org_and_is_refused_the_enterprise_page(page: Any, site: Site) -> None:
    demo = site.demo
    sign_in(page, site, demo.org_owner_login, ORG_OWNER_PASSWORD)
    assert page.url == f"{site.url}/orgs/{demo.org}/licensing"
    response = page.goto(f"{site.url}/enterprises/{demo.slug}/licensing")
    assert response is not None and response.status == 403
    assert "Only owners and billing managers" in page.inner_text("main")
    response = page.goto(f"{site.url}/reports/license-usage.csv?scope=enterprise:{demo.slug}")
    assert response is not None and response.status == 403


def test_an_owner_adds_server_usage_and_an_invalid_file_changes_nothing(page: Any, site: Site, tmp_path: Path) -> None:
    import json

    import sqlalchemy as sa

    from seatledger.db import tables as t
    from seatledger.reports import ServerScope, write_report

    demo = site.demo
    with site.engine.connect() as conn:
        server_id = conn.execute(sa.select(t.server_instances.c.server_id).limit(1)).scalar_one()
        out = io.BytesIO()
        write_report("server-usage", conn, ServerScope(server_id), out)
    export = json.loads(out.getvalue())
    export["server_id"], export["host_name"] = "5e0d8f7a-0000-4000-8000-000000000001", "ghes-new.acme.test"
    good = tmp_path / "ghes-new.json"
    good.write_text(json.dumps(export))
    bad = tmp_path / "broken.json"
    bad.write_text('{"format_version": 99, "users": []')

    def servers() -> int:
        with site.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(t.server_instances)).scalar_one())

    sign_in(page, site, demo.owner_login, demo.owner_password)
    before = servers()
    page.set_input_files("[data-testid=server-usage-upload] input[type=file]", str(bad))
    page.click("[data-testid=server-usage-upload] button")
    page.wait_for_load_state()
    assert "Server usage was not added" in page.inner_text(".flash-error")
    assert servers() == before

    page.set_input_files("[data-testid=server-usage-upload] input[type=file]", str(good))
    page.click("[data-testid=server-usage-upload] button")
    page.wait_for_load_state()
    assert "Server usage uploaded" in page.inner_text(".flash-success")
    assert servers() == before + 1
    row = page.locator("[data-testid=servers] tr[data-server-id='5e0d8f7a-0000-4000-8000-000000000001']")
    assert "ghes-new.acme.test" in row.inner_text()
    assert "Server usage uploaded" in row.inner_text()


def test_usage_page_charts_a_month_by_group_and_emails_the_usage_report(page: Any, site: Site, smtp: Any) -> None:
    from decimal import Decimal

    from seatledger.licensing.usage import iter_line_items

    demo = site.demo
    sign_in(page, site, demo.owner_login, demo.owner_password)
    page.goto(f"{site.url}/enterprises/{demo.slug}/usage?month=2026-10")
    page.select_option("select[name=group]", "cost_center")
    page.wait_for_selector("#usage-chart[data-ready=true]")
    assert "group=cost_center" in page.url
    _screenshot(page, "usage-enterprise.png")
    with site.engine.connect() as conn:
        info = licensing.get_enterprise(conn, demo.slug)
        items = list(iter_line_items(conn, info, dt.date(2026, 10, 1), dt.date(2026, 10, 31), as_of=NOW))
    net = sum((i.net_amount for i in items), Decimal(0))
    assert page.inner_text("[data-testid=usage-net]") == f"${net:,.2f}"

    page.click(".usage-head summary")
    page.select_option("[data-testid=usage-report] select[name=report_type]", "summarized")
    page.click("[data-testid=usage-report] button")
    page.wait_for_load_state()
    assert "is queued" in page.inner_text(".flash-success")
    [mail] = smtp.messages
    link = re.search(r"(http://\S+/exports/\d+/download\?token=\S+)", mail.get_payload(decode=True).decode())
    assert link is not None
    rows = list(csv.reader(io.StringIO(page.request.get(link.group(1)).text())))
    assert rows[0][:3] == ["date", "product", "sku"]
    assert len(rows) - 1 == len(items)


def test_the_pages_scripts_and_charts_run_under_the_content_security_policy(page: Any, site: Site) -> None:
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    demo = site.demo
    sign_in(page, site, demo.owner_login, demo.owner_password)
    page.wait_for_selector("#license-history[data-ready=true]")
    page.goto(f"{site.url}/enterprises/{demo.slug}/usage?month=2026-10")
    page.select_option("select[name=group]", "cost_center")  # sent by autosubmit.js, not an inline handler
    page.wait_for_selector("#usage-chart[data-ready=true]")
    assert "group=cost_center" in page.url
    assert refused == []


def test_usage_by_organization_charts_the_largest_groups_with_a_legend_that_leaves_the_plot_its_room(
    page: Any, site: Site
) -> None:
    from seatledger.db.ledger import Ledger
    from seatledger.web.usage_view import CHART_SERIES

    demo = site.demo
    with site.engine.begin() as conn:  # more organizations than the chart has series
        led = Ledger(conn)
        eid = licensing.get_enterprise(conn, demo.slug).id
        for i in range(CHART_SERIES + 4):
            org = led.add_org(eid, f"extra-{i}", created_at=dt.datetime(2026, 1, 1))
            uid = led.add_user(eid, f"extra-user-{i}", created_at=dt.datetime(2026, 1, 1))
            led.add_membership(org, uid, started_at=dt.datetime(2026, 1, 1))
    sign_in(page, site, demo.owner_login, demo.owner_password)
    page.goto(f"{site.url}/enterprises/{demo.slug}/usage?month=2026-10&group=organization")
    page.wait_for_selector("#usage-chart[data-ready=true]")
    _screenshot(page, "usage-by-organization.png")
    chart = page.evaluate(
        """() => { const c = Chart.getChart(document.getElementById("usage-chart"));
                   return { series: c.data.datasets.length, plot: c.chartArea.bottom - c.chartArea.top,
                            height: c.height, colours: c.data.datasets.map(d => d.backgroundColor) }; }"""
    )
    assert chart["series"] == CHART_SERIES + 1  # the largest, then the rest as one
    assert len(set(chart["colours"])) == chart["series"]  # no colour stands for two groups
    assert chart["plot"] >= chart["height"] / 2
