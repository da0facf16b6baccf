"""Running ``python -m seatledger`` as a person does, on a data directory of the test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_seatledger(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    """The command with ``data`` as its data directory and no other SEATLEDGER_ setting."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEATLEDGER_")}
    env["SEATLEDGER_DATA_DIR"] = str(data)
    return subprocess.run([sys.executable, "-m", "seatledger", *args], capture_output=True, text=True, env=env, timeout=120)
