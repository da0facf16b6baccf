"""`seatledger serve --workers 2`: two worker processes share the port and answer the API the
same, share the token's rate-limit window, leave counting ahead to one warmer in the supervising
process, and SIGTERM stops them all."""

from __future__ import annotations

import datetime as dt
import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger import tokens
from seatledger.db.ledger import Ledger
from seatledger.db.tables_api import api_rate_windows

LONG_AGO = dt.datetime(2024, 1, 1)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(c) for c in (task / "children").read_text().split())
    return found


def _spawned(pid: int) -> list[int]:
    """The children ``multiprocessing`` spawned (uvicorn's workers); not its resource tracker."""
    return [p for p in _children(pid) if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]


def _wait_ended(pidfd: int) -> None:
    ready, _, _ = select.select([pidfd], [], [], 60)  # readable once that process has ended
    assert ready == [pidfd]
    os.close(pidfd)


def _ledger_with_a_token(engine: Engine) -> str:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme", created_at=LONG_AGO)
        org = led.add_org(eid, "octo", created_at=LONG_AGO)
        for login in ("owner", "alice", "bob"):
            uid = led.add_user(eid, login, name=login.title(), emails=[f"{login}@acme.test"], created_at=LONG_AGO)
            led.add_membership(org, uid, "member", started_at=LONG_AGO)
            if login == "owner":
                led.add_enterprise_role(eid, uid, "owner", started_at=LONG_AGO)
        _id, token = tokens.create_token(conn, "acme", "owner", "read:enterprise")
    return token


def _serve(db_url: str, data_dir: Path, *, stderr: int, workers: int = 2) -> "subprocess.Popen[str]":
    """``seatledger serve --workers N`` on a free port, with only this test's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env["SEATLEDGER_DATA_DIR"] = str(data_dir)
    env["SEATLEDGER_DATABASE_URL"] = db_url
    return subprocess.Popen(
        [sys.executable, "-m", "seatledger", "serve", "--port", "0", "--workers", str(workers), "--no-access-log"],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
    )


def test_two_workers_share_the_port_answer_alike_and_stop_on_sigterm(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    token = _ledger_with_a_token(engine)
    proc = _serve(db_url, tmp_path, stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once the socket listens
        assert line.startswith("seatledger is serving at http://127.0.0.1:"), line
        assert line.rstrip().endswith("(2 worker processes)")
        url = line.split()[4].rstrip("/")
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            answers = [http.get("/api/v3/enterprises/acme/consumed-licenses") for _ in range(6)]
            assert {r.status_code for r in answers} == {200}
            assert {r.content for r in answers} == {answers[0].content}
            assert answers[0].json()["total_seats_consumed"] == 3
            used = [int(r.headers["X-RateLimit-Used"]) for r in answers]
            assert used[0] == 1 and max(used) <= 6
        spawned = _spawned(proc.pid)  # uvicorn's two workers
        assert len(spawned) == 2
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        assert not [p for p in spawned if Path(f"/proc/{p}").exists()]
        # Both workers counted against the token's one window; what they held in memory was
        # written when they stopped: no request lost.
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.sum(api_rate_windows.c.used))).scalar() == 6
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_workers_end_when_the_supervising_process_is_killed(engine: Engine, db_url: str, tmp_path: Path) -> None:
    proc = _serve(db_url, tmp_path, stderr=subprocess.DEVNULL)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[4].rstrip("/")
        with httpx.Client(base_url=url, timeout=60) as http:
            assert http.get("/healthz").status_code == 200  # a worker is up
        spawned = _spawned(proc.pid)
        assert len(spawned) == 2
        pidfds = [os.pidfd_open(p) for p in spawned]
        proc.kill()  # SIGKILL: no chance to stop the workers itself
        proc.wait(10)
        for fd in pidfds:
            _wait_ended(fd)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def _url_of(proc: "subprocess.Popen[str]") -> str:
    assert proc.stdout is not None
    line = proc.stdout.readline()  # printed once the socket listens
    assert line.startswith("seatledger is serving at http://127.0.0.1:"), line
    return line.split()[4].rstrip("/")


def test_two_servers_started_apart_answer_alike_right_after_a_write_to_either(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    _ledger_with_a_token(engine)
    with engine.begin() as conn:
        led = Ledger(conn)
        led.ensure_membership(led.org_id("octo"), led.user_id(led.enterprise_id("acme"), "owner") or 0, "owner")
        _id, token = tokens.create_token(
            conn, "acme", "owner", ["read:enterprise", "manage_billing:copilot", "admin:org"]
        )
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    with logs[0].open("w") as a_log, logs[1].open("w") as b_log:
        first = _serve(db_url, tmp_path / "a", stderr=a_log.fileno(), workers=1)
        second = _serve(db_url, tmp_path / "b", stderr=b_log.fileno(), workers=1)
    try:
        urls = [_url_of(first), _url_of(second)]
        for proc, log in zip((first, second), logs):  # a server that died after listening says why
            assert proc.poll() is None, log.read_text()
        headers = {"Authorization": f"Bearer {token}"}
        seats = "/api/v3/enterprises/acme/copilot/billing/seats"
        consumed = "/api/v3/enterprises/acme/consumed-licenses"
        with httpx.Client(headers=headers, timeout=60) as http:
            try:
                assert http.get(urls[0] + consumed).json() == http.get(urls[1] + consumed).json()
            except httpx.ConnectError as exc:  # a server gone: its own words
                raise AssertionError("\n".join(f"{log.name}:\n{log.read_text()}" for log in logs)) from exc
            for n, (writer, other) in enumerate((urls, urls[::-1])):
                added = http.post(
                    writer + "/api/v3/orgs/octo/copilot/billing/selected_users",
                    json={"selected_usernames": [("alice", "bob")[n]]},
                )
                assert added.status_code == 201 and added.json() == {"seats_created": 1}
                answers = [http.get(url + seats) for url in (writer, other)]
                assert {a.status_code for a in answers} == {200}
                seen = [
                    sorted((x["assignee"]["login"], x["created_at"], x["plan_type"]) for x in a.json()["seats"])
                    for a in answers
                ]
                assert seen[0] == seen[1] and len(seen[0]) == n + 1
                assert answers[0].json()["total_seats"] == answers[1].json()["total_seats"] == n + 1
    finally:
        for proc in (first, second):
            proc.send_signal(signal.SIGTERM)
        for proc in (first, second):
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
