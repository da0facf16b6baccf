"""Racing writes through the REST API of a real uvicorn server: requests that each read "not
there yet" and each write leave exactly one row (the database's unique indexes hold the rule,
the losing request gets the answer it would get a moment later)."""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db import tables as t
from seatledger.db.tables_billing import usage_report_exports
from seatledger.db.tables_exports import export_jobs

from api_fixtures import ApiWorld
from livesupport import LiveServer

RACERS = 6
HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}


@pytest.fixture
def racing_api(settings: Settings, engine: Engine, api_world: ApiWorld) -> Iterator[str]:  # noqa: F811
    app = create_app(settings, engine)
    app.state.in_process_queue = False  # queued exports stay pending: the race is about the request
    with LiveServer(app) as server:
        yield server.url + "/api/v3"


def _race(url: str, send: Callable[[httpx.Client], httpx.Response]) -> list[httpx.Response]:
    """``RACERS`` threads, each with its own connection, released together."""
    start = threading.Barrier(RACERS)
    answers: list[Any] = [None] * RACERS

    def run(i: int) -> None:
        with httpx.Client(base_url=url, headers=HEADERS, timeout=60) as client:
            client.get("/rate_limit")  # connect before the start line
            start.wait()
            answers[i] = send(client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_racing_seat_assignments_for_one_person_leave_one_open_seat(
    racing_api: str,
    api_world: ApiWorld,
    engine: Engine,  # noqa: F811
) -> None:
    auth = api_world.auth("octo_owner")
    answers = _race(
        racing_api,
        lambda c: c.post(
            "/orgs/octo/copilot/billing/selected_users", json={"selected_usernames": ["m1"]}, headers=auth
        ),
    )
    assert [a.status_code for a in answers] == [201] * RACERS
    assert sum(a.json()["seats_created"] for a in answers) == 1  # the others found the seat
    s = t.copilot_seats
    with engine.connect() as conn:
        open_seats = conn.execute(
            sa.select(sa.func.count()).where(s.c.user_id == api_world.users["m1"], s.c.ended_at.is_(None))
        ).scalar()
    assert open_seats == 1


def test_racing_creates_of_one_cost_center_name_leave_one_active_center(
    racing_api: str,
    api_world: ApiWorld,
    engine: Engine,  # noqa: F811
) -> None:
    auth = api_world.auth("owner")
    answers = _race(
        racing_api,
        lambda c: c.post("/enterprises/acme/settings/billing/cost-centers", json={"name": "Platform"}, headers=auth),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes[0] == 200 and all(400 <= code < 500 for code in codes[1:]), codes
    assert all("already exists" in a.json()["message"] for a in answers if a.status_code != 200)
    c = t.cost_centers
    with engine.connect() as conn:
        active = conn.execute(
            sa.select(sa.func.count()).where(c.c.name == "Platform", c.c.deleted_at.is_(None))
        ).scalar()
    assert active == 1


def test_racing_usage_report_exports_of_one_person_accept_one(
    racing_api: str,
    api_world: ApiWorld,
    engine: Engine,  # noqa: F811
) -> None:
    auth = api_world.auth("owner")
    body = {"report_type": "summarized", "start_date": "2026-01-01", "end_date": "2026-01-31"}
    answers = _race(racing_api, lambda c: c.post("/enterprises/acme/settings/billing/reports", json=body, headers=auth))
    codes = sorted(a.status_code for a in answers)
    assert codes == [202] + [400] * (RACERS - 1), codes
    assert all("still being prepared" in a.json()["message"] for a in answers if a.status_code == 400)
    j = export_jobs
    with engine.connect() as conn:
        jobs = conn.execute(
            sa.select(sa.func.count()).where(j.c.requester_user_id == api_world.users["owner"])
        ).scalar()
        exports = conn.execute(sa.select(sa.func.count()).select_from(usage_report_exports)).scalar()
    assert (jobs, exports) == (1, 1)
