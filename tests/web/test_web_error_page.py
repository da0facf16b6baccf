"""The web's error page (``web/error_page.py``): every status a page answers with, in the site's
layout, with the signed-in person's navigation and the message that says what went wrong."""

from __future__ import annotations

import re

import httpx


def _in_layout(response: httpx.Response) -> str:
    assert 'class="topbar"' in response.text and "Sign out" in response.text
    assert 'href="/exports"' in response.text  # the signed-in person's navigation
    message = re.search(r'data-testid="error-message">([^<]+)<', response.text)
    assert message is not None
    return message.group(1)


def test_error_pages_keep_the_layout_with_the_navigation_and_say_what_went_wrong(mona: httpx.Client) -> None:
    missing = mona.get("/orgs/no-such-org/licensing")
    assert missing.status_code == 404
    assert "no-such-org" in _in_layout(missing)
    nowhere = mona.get("/no/such/page")
    assert nowhere.status_code == 404
    _in_layout(nowhere)
    invalid = mona.get("/enterprises/acme/usage?group=colour")
    assert invalid.status_code == 422
    assert "group by one of" in _in_layout(invalid)
    forged = mona.post("/exports", data={"kind": "license-usage", "scope": "enterprise:acme", "csrf_token": "forged"})
    assert forged.status_code == 403
    _in_layout(forged)


def test_each_status_has_a_heading_a_person_reads_and_the_status_itself(mona: httpx.Client) -> None:
    for path, status, title in (
        ("/no/such/page", 404, "Not found"),
        ("/enterprises/acme/usage?group=colour", 422, "Invalid request"),
    ):
        answer = mona.get(path)
        assert answer.status_code == status
        assert f'<h1>{title} <span class="muted">Error {status}</span></h1>' in answer.text
        assert f"<title>{title} · seatledger</title>" in answer.text


def test_a_signed_out_visitor_gets_the_page_without_navigation(mona: httpx.Client) -> None:
    with httpx.Client(base_url=str(mona.base_url), timeout=30) as anonymous:
        answer = anonymous.get("/no/such/page")
    assert answer.status_code == 404
    assert 'data-testid="error-message">Not Found<' in answer.text
    assert "Sign out" not in answer.text and 'href="/exports"' not in answer.text


def test_a_missing_static_file_gets_the_page_though_it_carries_no_session(mona: httpx.Client) -> None:
    answer = mona.get("/static/no-such.css")
    assert answer.status_code == 404 and 'data-testid="error"' in answer.text
    assert "Sign out" not in answer.text, "no session is loaded on /static, so no navigation either"
    assert "set-cookie" not in answer.headers
