"""Running ``python -m seatledger`` as a person does, on a data directory of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_seatledger(
    args: list[str], data: Path, settings: dict[str, str] | None = None, *, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The command with ``data`` as its data directory, the SEATLEDGER_ variables in ``settings``
    (e.g. the database's URL) and no other SEATLEDGER_ setting; ``stdin`` is typed into it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env["SEATLEDGER_DATA_DIR"] = str(data)
    env.update(settings or {})
    return subprocess.run(
        [sys.executable, "-m", "seatledger", *args], capture_output=True, text=True, env=env, input=stdin, timeout=120
    )
