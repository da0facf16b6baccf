"""The application factory (``app.py``): one error renderer that answers the API, the webhook
receiver and ``/metrics`` in GitHub's JSON and the web with a page; ``OPTIONS`` and ``405``
naming exactly the methods of a path; ``/healthz``; and the picklable factory handed to
uvicorn's workers."""

from __future__ import annotations

import pickle
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from livesupport import LiveServer
from seatledger import tokens
from seatledger.app import API_PREFIX, DOCS_URL, ServeApp
from seatledger.config import Settings
from seatledger.db.ledger import Ledger


def test_an_error_is_githubs_json_on_the_api_and_the_receivers_and_a_page_on_the_web(live_server: LiveServer) -> None:
    for path in (f"{API_PREFIX}/no/such/endpoint", "/webhooks/nothing-here"):
        r = httpx.get(live_server.url + path, timeout=30)
        assert r.status_code == 404 and r.headers["content-type"].startswith("application/json"), path
        assert r.json() == {"message": "Not Found", "documentation_url": DOCS_URL, "status": "404"}
    page = httpx.get(live_server.url + "/no/such/page", timeout=30)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Not found" in page.text and "documentation_url" not in page.text


def test_a_body_that_is_not_json_is_400_and_an_invalid_one_422_naming_the_field(
    live_server: LiveServer, engine: Engine
) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        led.add_user(led.add_enterprise("acme", "Acme"), "dev", emails=["dev@acme.test"])
        _token_id, token = tokens.create_token(conn, "acme", "dev", "read:org")
    url = f"{live_server.url}{API_PREFIX}/orgs/octo/copilot/billing/selected_users"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    broken = httpx.post(url, content=b"{not json", headers=headers, timeout=30)
    assert broken.status_code == 400 and broken.json()["message"] == "Problems parsing JSON"
    invalid = httpx.post(url, json={"selected_usernames": "mona"}, headers=headers, timeout=30)
    assert invalid.status_code == 422
    assert invalid.json()["message"].startswith("Invalid request. selected_usernames: ")


def test_options_answers_list_exactly_the_methods_of_the_path(live_server: LiveServer) -> None:
    api = httpx.Client(base_url=live_server.url + API_PREFIX, timeout=30)
    spec = httpx.get(live_server.url + "/openapi.json", timeout=30).json()
    for path, operations in spec["paths"].items():
        url = path.removeprefix("/api/v3").format(
            enterprise="acme", org="octo", cost_center_id="x", report_id="x", person="someone"
        )
        documented = {m.upper() for m in operations} & {"GET", "POST", "PUT", "PATCH", "DELETE"}
        r = api.options(url)
        assert r.status_code == 204, (path, r.status_code)
        assert set(r.headers["Allow"].split(", ")) == documented | {"OPTIONS"}, (path, r.headers["Allow"])
        undocumented = next(m for m in ("PUT", "PATCH", "DELETE", "POST") if m not in documented)
        refused = api.request(undocumented, url)
        assert refused.status_code == 405 and refused.headers["Allow"] == r.headers["Allow"], (path, undocumented)


def test_healthz_answers_ok_with_each_enterprises_last_verification_and_sources(
    live_server: LiveServer, engine: Engine
) -> None:
    assert httpx.get(live_server.url + "/healthz", timeout=30).json() == {
        "status": "ok",
        "intervals": {},
        "sources": {},
    }
    with engine.begin() as conn:
        Ledger(conn).add_enterprise("acme", "Acme")
    health = httpx.get(live_server.url + "/healthz", timeout=30).json()
    assert health["status"] == "ok" and health["intervals"] == {"acme": None}  # never verified


def test_the_workers_factory_survives_pickling_with_its_settings(tmp_path: Path) -> None:
    # uvicorn starts each worker in a fresh interpreter and hands it the factory pickled.
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'ledger.db'}", secret_key="k")
    factory = pickle.loads(pickle.dumps(ServeApp(settings, in_process_queue=False)))
    assert factory.settings == settings and factory.in_process_queue is False
