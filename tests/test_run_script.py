"""``./run`` for real: on a fresh data directory it migrates, loads the demo, prints the URL
and serves."""

from __future__ import annotations

import os
import selectors
import subprocess
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
START_DEADLINE_S = 180  # scripts/setup may have to reinstall when pyproject.toml changed


def _lines_until_url(proc: subprocess.Popen[bytes], url: str) -> list[str]:
    """stdout lines up to and including the one with the URL (waits on the pipe, not a timer)."""
    assert proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + START_DEADLINE_S
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=deadline - time.monotonic()):
                break
            line = proc.stdout.readline().decode()
            if not line:  # the process ended
                break
            seen.append(line.rstrip("\n"))
            if url in line:
                return seen
    raise AssertionError(f"./run never printed {url}; it printed {seen!r} (exit {proc.poll()})")


def test_run_on_a_fresh_data_dir_loads_the_demo_prints_the_url_and_serves(tmp_path: Path) -> None:
    port = free_port()
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env["SEATLEDGER_DATA_DIR"] = str(data)
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "stderr.log", "wb") as stderr:
        proc = subprocess.Popen(
            [str(ROOT / "run"), "--port", str(port)], stdout=subprocess.PIPE, stderr=stderr, env=env, cwd=tmp_path
        )
        try:
            lines = _lines_until_url(proc, url)
            health = httpx.get(f"{url}/healthz", timeout=30)
            login = httpx.get(f"{url}/login", timeout=30)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert any("loading the small demo" in line for line in lines), lines
    assert health.status_code == 200 and health.json() == {
        "status": "ok",
        "intervals": {"acme": None},
        "sources": {"acme": {}},  # the demo comes from no importer
    }
    assert login.status_code == 200
    engine = sa.create_engine(f"sqlite:///{data / 'seatledger.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT slug FROM enterprises")).scalars().all() == ["acme"]
    engine.dispose()
