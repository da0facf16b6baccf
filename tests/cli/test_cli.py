"""The CLI as a person types it: every bad value is one line and exit 2, commands that only
read refuse a ledger that is not there, the ledger's only enterprise needs no --enterprise,
organization names match in any case, and the help names values instead of Python types.

Each runs the real entry point in this process (no subprocess: a few milliseconds each)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from seatledger import __version__
from seatledger.cli import command, main
from seatledger.db import create_engine, migrate
from seatledger.db.ledger import Ledger

T0 = dt.datetime(2026, 1, 1)


def _cli(
    args: list[str], data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``seatledger ARGS`` on the ledger in ``data``."""
    for name in ("SEATLEDGER_DATABASE_URL", "SEATLEDGER_SMTP_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SEATLEDGER_DATA_DIR", str(data))
    monkeypatch.setattr(sys, "argv", ["seatledger", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _ledger(data: Path, *slugs: str) -> Path:
    """A ledger in ``data`` holding these enterprises, each with the org Acme-Web (mixed case)
    and its member ann."""
    data.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{data / 'seatledger.db'}")
    migrate(engine)
    with engine.begin() as conn:
        led = Ledger(conn)
        for slug in slugs:
            eid = led.add_enterprise(slug, f"{slug.title()} Corporation", created_at=T0)
            org = led.add_org(eid, f"{slug.title()}-Web", created_at=T0)
            led.add_membership(org, led.add_user(eid, f"ann-{slug}", created_at=T0), started_at=T0)
    engine.dispose()
    return data


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["serve", "--port", "99999"], "--port"),
        (["report", "license-usage", "-o", "/nonexistent/dir/x.csv"], "the directory /nonexistent/dir does not exist"),
        (["report", "license-usage", "-o", "{data}"], "is a directory"),
        (["summary", "--as-of", "0001-01-01"], "--as-of must lie between the years 1970 and 2999"),
        (["report", "advanced-security", "--product", "code_security", "--as-of", "0001-01-01"], "--as-of must lie"),
        (
            [
                "token",
                "create",
                "--login",
                "ann-acme",
                "--enterprise",
                "acme",
                "--scopes",
                "read:enterprise",
                "--expires-in-days",
                "99999999999",
            ],
            "--expires-in-days must be from 1 to",
        ),
        (["token", "revoke", "99999999999999999999999"], "no token with id 99999999999999999999999"),
    ],
)
def test_a_bad_value_is_one_line_and_exit_2(
    args: list[str], says: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _ledger(tmp_path / "data", "acme")
    code, out, err = _cli([a.replace("{data}", str(data)) for a in args], data, monkeypatch, capsys)
    assert (code, out) == (2, "")
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert says in err


@pytest.mark.parametrize(
    "args",
    [
        ["summary"],
        ["report", "license-usage"],
        ["token", "list"],
        ["cost-center", "list"],
        ["price", "list"],
        ["billing", "show"],
        ["verify"],
        ["report", "copilot-activity", "--enterprise", "acme"],
    ],
)
def test_a_command_that_only_reads_refuses_a_missing_ledger_and_creates_none(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    mistyped = tmp_path / "dta"
    code, _out, err = _cli(args, mistyped, monkeypatch, capsys)
    assert code == 2
    assert err == (
        f"error: no ledger at {mistyped / 'seatledger.db'}: check SEATLEDGER_DATA_DIR (or SEATLEDGER_DATABASE_URL), "
        "or make one with `seatledger migrate` or `seatledger demo`\n"
    )
    assert not mistyped.exists()


def test_the_ledgers_only_enterprise_needs_no_enterprise_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _ledger(tmp_path / "data", "acme")
    code, out, _err = _cli(["summary", "--json"], data, monkeypatch, capsys)
    assert code == 0 and '"enterprise": "acme"' in out
    code, out, _err = _cli(["report", "license-usage"], data, monkeypatch, capsys)
    assert code == 0 and out.count("\n") == 1 + 1  # header + ann
    for args in (["cost-center", "list"], ["price", "list"], ["billing", "show"]):
        assert _cli(args, data, monkeypatch, capsys)[0] == 0, args


def test_with_two_enterprises_the_enterprise_option_is_asked_for_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _ledger(tmp_path / "data", "acme", "globex")
    code, _out, err = _cli(["summary"], data, monkeypatch, capsys)
    assert (code, err) == (2, "error: give --enterprise: the ledger holds 2 enterprises (acme, globex)\n")


def test_organization_names_match_in_any_case_as_in_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _ledger(tmp_path / "data", "acme")
    code, out, err = _cli(["summary", "--org", "ACME-WEB", "--json"], data, monkeypatch, capsys)
    assert code == 0, err
    assert '"organization": "Acme-Web"' in out
    code, out, err = _cli(["report", "license-usage", "--org", "acme-web"], data, monkeypatch, capsys)
    assert code == 0, err
    assert "ann-acme" in out


def test_version_prints_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(["--version"], tmp_path, monkeypatch, capsys)[:2] == (0, f"seatledger {__version__}\n")


def test_help_names_each_value_and_never_a_python_type(capsys: pytest.CaptureFixture[str]) -> None:
    root = command()

    def every(cmd, path):  # type: ignore[no-untyped-def]
        yield path
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from every(sub, [*path, name])

    for path in every(root, []):
        with pytest.raises(SystemExit):
            command()([*path, "--help"], prog_name="seatledger")
        text = capsys.readouterr().out
        for python_type in ("<bool>", "<str>", "<int", "<list", "<Path>", "<float>"):
            assert python_type not in text, (path, python_type)
    command()(["ingest", "git", "--help"], prog_name="seatledger", standalone_mode=False)
    assert "PATH" in capsys.readouterr().out


# Read-only commands and their value options: hostile values never give a traceback.
_FUZZED = [
    ["summary", "--as-of", "{v}"],
    ["summary", "--enterprise", "{v}"],
    ["summary", "--org", "{v}", "--json"],
    ["report", "license-usage", "--as-of", "{v}", "-o", "{data}/out.csv"],
    ["verify", "--enterprise", "{v}"],
    ["report", "advanced-security", "--product", "{v}", "-o", "{data}/out.csv"],
    ["token", "revoke", "{v}"],
    ["explain", "{v}"],
    ["changes", "--from", "{v}", "--to", "2026-02-01"],
    ["history", "--from", "{v}"],
    ["emails", "unattributed", "--as-of", "{v}"],
    ["billing", "show", "--as-of", "{v}"],
]


def test_hostile_values_on_the_command_line_never_give_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    data = _ledger(tmp_path / "data", "acme")
    values = st.one_of(
        st.text(max_size=30),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.sampled_from(["0001-01-01", "9999-12-31T23:59:59+14:00", "\x00", "-", "--json", "1e400", "2026-13-01"]),
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(template=st.sampled_from(_FUZZED), value=values)
    def run(template: list[str], value: str) -> None:
        args = [a.replace("{v}", value).replace("{data}", str(data)) for a in template]
        if any("\x00" in a for a in args):
            return  # an argument cannot carry a NUL byte to a process
        code, _out, err = _cli(args, data, monkeypatch, capsys)
        assert "Traceback" not in err, (args, err)
        assert code in (0, 1, 2), (args, code, err)
        if code == 2:
            assert len(err.strip().splitlines()) <= 3, (args, err)  # a short message, not a dump

    run()
