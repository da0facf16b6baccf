"""`seatledger report ...`: scope options, -o written through a temporary file, one-line errors."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from seatledger.cli import app, main
from seatledger.licensing import CommitterPush, Scope
from seatledger.reports import write_report

from tests.reports.reports_ledger import AS_OF, SmallLedger, build_small_ledger

AS_OF_ARG = "2024-05-01T12:00:00Z"


@pytest.fixture
def small_ledger(engine: Engine) -> Iterator[SmallLedger]:
    yield build_small_ledger(engine)


def _env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}


def _seatledger(args: list[str], env: dict[str, str], cwd: Path, **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "seatledger", "report", *args], env=env, cwd=cwd, capture_output=True, **kw
    )


def _main(
    args: list[str], env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> tuple[int, bytes, str]:
    """Run the real entry point in this process: (exit code, stdout bytes, stderr text)."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["seatledger", "report", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsysbinary.readouterr()
    return code, out, err.decode("utf-8")


@pytest.mark.parametrize(
    "args",
    [
        ["advanced-security", "--product", "code_security", "--org", "a", "--repo", "a/b"],
        ["copilot-activity", "--enterprise", "e", "--org", "o"],
        ["license-usage", "--enterprise", "e", "--org", "o"],
    ],
)
def test_more_than_one_scope_option_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    code, out, err = _main(args, {"SEATLEDGER_DATA_DIR": str(tmp_path)}, monkeypatch, capsysbinary)
    assert code == 2
    assert err.splitlines() == [err.strip()]
    assert err.startswith("error: give exactly one of --enterprise, --org")
    assert out == b""


def test_a_bad_product_or_as_of_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    env = {"SEATLEDGER_DATA_DIR": str(tmp_path)}
    code, _, err = _main(["advanced-security", "--product", "ghas", "--org", "a"], env, monkeypatch, capsysbinary)
    assert (code, err.count("\n")) == (2, 1)
    assert "code_security or secret_protection" in err
    code, _, err = _main(["copilot-activity", "--org", "a", "--as-of", "yesterday"], env, monkeypatch, capsysbinary)
    assert (code, err) == (2, "error: --as-of must be an ISO date or timestamp, not 'yesterday'\n")


def test_o_writes_the_same_bytes_as_stdout_and_as_the_library(
    engine: Engine,
    small_ledger: SmallLedger,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    expected = io.BytesIO()
    with engine.connect() as conn:
        write_report(
            "advanced-security", conn, Scope.org("acme-ops"), expected, product="secret_protection", as_of=AS_OF
        )
    args = ["advanced-security", "--product", "secret_protection", "--org", "acme-ops", "--as-of", AS_OF_ARG]
    env = _env(db_url, tmp_path)
    stdout = _seatledger(args, env, tmp_path)  # a real process with stdout and stderr on pipes
    assert (stdout.returncode, stdout.stderr) == (0, b"")  # no progress bar when stderr is not a terminal
    assert stdout.stdout == expected.getvalue()
    out = tmp_path / "out" / "sp.csv"
    out.parent.mkdir()
    assert _main([*args, "-o", str(out)], env, monkeypatch, capsysbinary) == (0, b"", "")
    assert out.read_bytes() == expected.getvalue()
    assert list(out.parent.iterdir()) == [out]


def test_server_usage_command_writes_the_json_export(
    engine: Engine,
    small_ledger: SmallLedger,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    code, out, err = _main(
        ["server-usage", "--server-id", small_ledger.server_id, "--as-of", "2024-05-01"],
        _env(db_url, tmp_path),
        monkeypatch,
        capsysbinary,
    )
    assert (code, err) == (0, "")
    assert out.startswith(b'{\n  "format_version": 1,\n')
    assert b'"exported_at": "2024-05-01T23:59:59Z"' in out


def test_an_unknown_enterprise_is_one_line_exit_2_and_leaves_no_file(
    engine: Engine,
    small_ledger: SmallLedger,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    out = tmp_path / "out" / "cs.csv"
    out.parent.mkdir()
    code, _, err = _main(
        ["advanced-security", "--product", "code_security", "--enterprise", "nope", "-o", str(out)],
        _env(db_url, tmp_path),
        monkeypatch,
        capsysbinary,
    )
    assert (code, err) == (2, "error: no enterprise 'nope'\n")
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_a_report_interrupted_midway_never_leaves_a_truncated_file(
    engine: Engine,
    small_ledger: SmallLedger,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    failure: type[BaseException],
) -> None:
    def pushes_then_failure(*_args: object, **_kw: object) -> Iterator[CommitterPush]:
        for i in range(5000):  # well past the first 64 KiB chunk, so bytes were written before the failure
            yield CommitterPush(f"user{i:05d}", "acme-eng/api", AS_OF.date(), f"user{i}@acme.test")
        raise failure()

    monkeypatch.setattr("seatledger.reports.advanced_security.iter_committer_pushes", pushes_then_failure)
    out = tmp_path / "reports" / "cs.csv"
    out.parent.mkdir()
    result = CliRunner().invoke(
        app,
        ["report", "advanced-security", "--product", "code_security", "--enterprise", "acme", "-o", str(out)],
        env=_env(db_url, tmp_path),
    )
    # Click turns Ctrl-C into exit 130; any other failure propagates.
    assert result.exit_code == 130 if failure is KeyboardInterrupt else isinstance(result.exception, failure)
    assert list(out.parent.iterdir()) == []


def test_a_progress_bar_goes_to_stderr_when_it_is_a_terminal(
    engine: Engine, small_ledger: SmallLedger, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "activity.csv"
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "seatledger",
                "report",
                "copilot-activity",
                "--enterprise",
                "acme",
                "--as-of",
                AS_OF_ARG,
                "-o",
                str(out),
            ],
            env={**_env(db_url, tmp_path), "TERM": "xterm", "COLUMNS": "80"},
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=follower,
            timeout=60,
        )
        os.close(follower)
        follower = -1
        terminal = b""
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's writer is gone and everything was read
                break
            if not data:
                break
            terminal += data
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)
    assert proc.returncode == 0
    assert b"copilot-activity rows" in terminal
    assert out.read_bytes().startswith(b"report_time,login,")
