"""``report -o`` leaves no hidden ``.FILE.….partial`` file with people's emails behind: not
when ended by a signal, and not for long when killed outright (the next report to that folder
removes it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from seatledger.reports.writer import atomic_file


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_partial_file_of_a_killed_report_is_removed_by_the_next_report_to_that_folder(tmp_path: Path) -> None:
    orphan = tmp_path / f".licenses.csv.{_dead_pid()}.abcd1234.partial"
    older = tmp_path / ".old.csv.k2j4h5g6.partial"  # written by a version without the pid
    mine = Path(tempfile.mkstemp(prefix=f".live.csv.{os.getpid()}.", suffix=".partial", dir=tmp_path)[1])
    unrelated = tmp_path / ".notes.partial"
    for path in (orphan, older, unrelated):
        path.write_text("owner@acme.test\n")
    with atomic_file(tmp_path / "copilot.csv") as out:
        out.write(b"login\r\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["copilot.csv", mine.name, unrelated.name])


def test_a_report_ended_by_sigterm_removes_its_partial_file(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from seatledger.reports.writer import atomic_file\n"
        f"with atomic_file({str(tmp_path / 'licenses.csv')!r}) as out:\n"
        "    out.write(b'login,email\\r\\nowner,owner@acme.test\\r\\n'); out.flush()\n"
        "    print('writing', flush=True)\n"
        "    sys.stdin.read()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "writing\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []
