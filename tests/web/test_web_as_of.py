"""Any date, everywhere: the Licensing, Usage and Copilot pages (enterprise and organization) at
a date picked with ``?as_of=`` count at that date, say so in a banner, and every link and
download from them (the CSV, the emailed report, the other tabs) stays at that date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Iterator

import httpx
import pytest
import sqlalchemy as sa

from seatledger import licensing
from seatledger.db.tables_exports import export_jobs
from seatledger.licensing import Scope

from web_site import NOW, Site, csrf_of, http_sign_in, number_of

DAY = (NOW - dt.timedelta(days=75)).date()
AT = dt.datetime.combine(DAY, dt.time(23, 59, 59))  # a date means the end of that day, UTC


@pytest.fixture
def owner(site: Site) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, site.demo.owner_login, site.demo.owner_password)
        yield client


def _links(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"]+)"', html)]


def _dated_links(html: str, base: str) -> list[str]:
    """The page's links to reports and to the Licensing, Usage and Copilot pages (not the top
    bar's navigation, nor the banner's way back to now)."""
    html = re.sub(r'<a [^>]*data-testid="back-to-now">', "", html[html.index("<main") :])
    wanted = re.compile(
        rf"^(/reports/|/orgs/[^/]+/(licensing|usage|copilot)|{re.escape(base)}/(licensing|usage|copilot))"
    )
    return [h for h in _links(html) if wanted.match(h)]


def test_the_licensing_pages_at_a_date_count_at_that_date_and_every_link_carries_it(
    site: Site, owner: httpx.Client
) -> None:
    slug, org = site.demo.slug, site.demo.org
    ent = Scope.enterprise(slug)
    with site.engine.connect() as conn:
        then, now = (licensing.seat_totals(conn, slug, as_of=at) for at in (AT, NOW))
        ghas = licensing.committer_totals(conn, ent, "code_security", as_of=AT)
        copilot = licensing.copilot_totals(conn, ent, as_of=AT)
        org_seats = licensing.seat_totals(conn, slug, org=org, as_of=AT)
        org_copilot = licensing.copilot_totals(conn, Scope.org(org), as_of=AT)
    assert then.consumed != now.consumed  # the demo grew: a page that ignored the date would show it

    for base, path in (
        (f"/enterprises/{slug}", "licensing"),
        (f"/orgs/{org}", "licensing"),
        (f"/enterprises/{slug}", "usage"),
        (f"/orgs/{org}", "usage"),
        (f"/enterprises/{slug}", "copilot"),
        (f"/orgs/{org}", "copilot"),
    ):
        html = owner.get(f"{base}/{path}", params={"as_of": DAY.isoformat()}).text
        assert 'data-testid="as-of-banner"' in html, path
        assert re.search(rf'name="as_of" value="{DAY.isoformat()}"', html), path
        links = _dated_links(html, base)
        assert links, path
        for link in links:
            assert f"as_of={DAY.isoformat()}" in link, (path, link)
        plain = owner.get(f"{base}/{path}").text
        assert 'data-testid="as-of-banner"' not in plain and "as_of=" not in "".join(_dated_links(plain, base))

    html = owner.get(f"/enterprises/{slug}/licensing", params={"as_of": DAY.isoformat()}).text
    assert number_of(html, "seats-consumed") == then.consumed
    assert number_of(html, "ghas-code_security-committers") == ghas.total_committers
    assert number_of(html, "copilot-total") == copilot.breakdown.total
    org_html = owner.get(f"/orgs/{org}/licensing", params={"as_of": DAY.isoformat()}).text
    assert number_of(org_html, "seats-consumed") == org_seats.consumed
    copilot_html = owner.get(f"/orgs/{org}/copilot", params={"as_of": DAY.isoformat()}).text
    assert number_of(copilot_html, "copilot-total") == org_copilot.breakdown.total

    download = next(h for h in _links(html) if h.startswith("/reports/license-usage.csv"))
    got = owner.get(download)
    assert got.status_code == 200 and f"as-of-{DAY.isoformat()}" in got.headers["content-disposition"]
    assert len(list(csv.reader(io.StringIO(got.text)))) - 1 == then.consumed


def test_a_report_emailed_from_a_page_at_a_date_counts_at_that_date(site: Site, owner: httpx.Client) -> None:
    slug = site.demo.slug
    with site.engine.connect() as conn:
        then = licensing.seat_totals(conn, slug, as_of=AT)
    html = owner.get(f"/enterprises/{slug}/licensing", params={"as_of": DAY.isoformat()}).text
    form = html[html.index('data-testid="license-usage"') :]
    assert f'name="as_of" value="{DAY.isoformat()}"' in form[: form.index("</form>")]
    sent = owner.post(
        "/exports",
        data={
            "csrf_token": csrf_of(html),
            "kind": "license-usage",
            "scope": f"enterprise:{slug}",
            "as_of": DAY.isoformat(),
        },
    )
    assert "is queued" in sent.text
    with site.engine.connect() as conn:
        job = conn.execute(sa.select(export_jobs)).one()
    assert (job.status, job.as_of, job.rows) == ("ready", AT, then.consumed)


@pytest.mark.parametrize("bad", ["2026-13-45", "yesterday", "1800-01-01"])
def test_a_bad_date_is_refused_with_a_message_in_the_layout(site: Site, owner: httpx.Client, bad: str) -> None:
    for path, query in (
        (f"/enterprises/{site.demo.slug}/licensing", {}),
        (f"/orgs/{site.demo.org}/copilot", {}),
        (f"/enterprises/{site.demo.slug}/usage", {}),
        ("/reports/license-usage.csv", {"scope": f"enterprise:{site.demo.slug}"}),
    ):
        got = owner.get(path, params={**query, "as_of": bad})
        assert got.status_code == 422, path
        assert 'data-testid="error-message"' in got.text and "as_of" in got.text and "Traceback" not in got.text
