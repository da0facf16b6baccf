"""The pages as a person meets them: the tabs and names every page shares, and *My exports* with
its download links. Errors in the site's layout: test_web_error_page.py; a refused report
request back on its form: test_web_routes_reports.py."""

from __future__ import annotations

import re

import httpx
import pytest

from web_site import csrf_of

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # pages only: the SQL is tested elsewhere


def test_every_page_of_an_org_has_the_same_tabs_and_names_the_enterprise_by_its_display_name(
    mona: httpx.Client,
) -> None:
    for base in ("/orgs/acme-web", "/enterprises/acme"):
        seen = []
        for path in ("licensing", "usage", "copilot"):
            text = mona.get(f"{base}/{path}").text
            tabs = re.findall(r'href="([^"]+)"', re.findall(r'<nav class="tabs">(.*?)</nav>', text, re.S)[0])
            assert tabs[:3] == [f"{base}/{p}" for p in ("licensing", "usage", "copilot")]
            seen.append(tabs)
            assert "Acme Corporation" in text, f"{base}/{path}"
            assert "<h1>acme " not in text
            assert '<a href="/enterprises/acme/licensing">Acme Corporation</a>' in text  # the top bar
        assert seen[0] == seen[1] == seen[2], base  # the same tabs on every page of a level


def test_my_exports_links_each_ready_export_and_says_the_lifetime_in_whole_hours(mona: httpx.Client) -> None:
    page = mona.get("/enterprises/acme/licensing")
    mona.post("/exports", data={"csrf_token": csrf_of(page.text), "kind": "license-usage", "scope": "enterprise:acme"})
    exports = mona.get("/exports").text
    assert "expire 24 hours after" in exports and "24.0" not in exports
    assert 'data-testid="status">ready<' in exports
    link = re.search(r'href="(/exports/1/download\?token=[^"]+)" data-testid="download"', exports)
    assert link is not None
    download = mona.get(link.group(1).replace("&amp;", "&"))
    assert download.status_code == 200
    assert len(download.text.strip().splitlines()) == 1 + 2  # header + ann, bob
