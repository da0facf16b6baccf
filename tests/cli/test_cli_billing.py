"""`seatledger cost-center`, `price` and `report usage` through the real command."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.billing_scenario import build_acme
from typer.testing import CliRunner, Result

from seatledger.cli import app
from seatledger.db import tables as t
from seatledger.db.tables_billing import prices
from seatledger.errors import InvalidInput
from seatledger.licensing.scope import Scope
from seatledger.reports.usage import iter_report


def _invoke(args: list[str], db_url: str, tmp_path: Path) -> Result:
    """The command in-process (fast); the one-line error rendering is tested with _run."""
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data")}
    return CliRunner().invoke(app, args, env=env)


def _run(args: list[str], db_url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "seatledger", *args], env=env, cwd=tmp_path, capture_output=True, text=True
    )


def test_cost_center_commands_create_assign_list_and_delete(engine: Engine, db_url: str, tmp_path: Path) -> None:
    with engine.begin() as conn:
        build_acme(conn)
    created = _invoke(["cost-center", "create", "--enterprise", "acme", "Platform"], db_url, tmp_path)
    assert created.exit_code == 0, created.output
    center_id = created.stdout.split("\t")[0]
    added = _invoke(
        ["cost-center", "add", "Platform", "--enterprise", "acme", "--user", "ann", "--org", "beta"], db_url, tmp_path
    )
    assert added.exit_code == 0, added.output
    listed = _invoke(["cost-center", "list", "--enterprise", "acme"], db_url, tmp_path)
    assert listed.stdout == f"{center_id}\tPlatform\tactive\tOrg:beta, User:ann\n"
    unknown = _invoke(["cost-center", "add", "Platform", "--enterprise", "acme", "--user", "nobody"], db_url, tmp_path)
    assert isinstance(unknown.exception, InvalidInput)
    assert unknown.exception.message == "no user 'nobody' in this enterprise"
    deleted = _invoke(["cost-center", "delete", center_id, "--enterprise", "acme"], db_url, tmp_path)
    assert deleted.exit_code == 0, deleted.output
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.cost_centers.c.deleted_at).where(t.cost_centers.c.id == center_id)).one()
    assert row.deleted_at is not None


def test_price_set_changes_the_usage_report_written_through_a_temporary_file(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    with engine.begin() as conn:
        build_acme(conn)
    price = _invoke(
        [
            "price",
            "set",
            "--enterprise",
            "acme",
            "--sku",
            "ghec_licenses",
            "--price",
            "31.00",
            "--discount-percent",
            "10",
            "--from",
            "2026-03-01",
        ],
        db_url,
        tmp_path,
    )
    assert price.exit_code == 0, price.output
    out = tmp_path / "usage.csv"
    report = _invoke(
        ["report", "usage", "--org", "beta", "--start", "2026-03-01", "--end", "2026-03-31", "-o", str(out)],
        db_url,
        tmp_path,
    )
    assert report.exit_code == 0, report.output
    lines = out.read_bytes().split(b"\r\n")
    assert lines[0] == (
        b"date,product,sku,quantity,unit_type,applied_cost_per_quantity,gross_amount,"
        b"discount_amount,net_amount,organization,repository,cost_center_name"
    )
    # dan joins beta on the 10th: 31/31 = 1.00 a day, 10 % off
    assert lines[1] == b"2026-03-10,ghec,ghec_licenses,1,user-months,31.00,1.00,0.10,0.90,beta,,"
    assert len(lines) == 1 + 22 + 1  # header, 22 days, the empty string after the last CRLF
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".usage.csv")] == []
    with engine.connect() as conn:
        expected = b"".join(iter_report(conn, Scope.org("beta"), dt.date(2026, 3, 1), dt.date(2026, 3, 31)))
    assert out.read_bytes() == expected


def test_a_range_over_the_limit_is_refused_with_one_line_and_no_file(tmp_path: Path) -> None:
    out = tmp_path / "usage.csv"
    detailed = _run(
        [
            "report",
            "usage",
            "--enterprise",
            "acme",
            "--type",
            "detailed",
            "--start",
            "2026-03-01",
            "--end",
            "2026-04-15",
            "-o",
            str(out),
        ],
        "sqlite:///" + str(tmp_path / "none.db"),
        tmp_path,
    )
    assert (detailed.returncode, detailed.stderr) == (
        2,
        "error: a detailed usage report covers at most 31 days; 2026-03-01 to 2026-04-15 is 46 days\n",
    )
    yearly = _run(
        ["report", "usage", "--org", "beta", "--start", "2025-01-01", "--end", "2026-03-31"],
        "sqlite:///" + str(tmp_path / "none.db"),
        tmp_path,
    )
    assert yearly.returncode == 2 and "at most 366 days" in yearly.stderr
    assert not out.exists() and not (tmp_path / "none.db").exists()


def test_a_price_past_the_price_columns_range_is_refused_and_never_stored(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    # Decimal("1e400") is finite: SQLite stored it as Infinity and every usage answer failed after.
    with engine.begin() as conn:
        build_acme(conn)
    with engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(prices)).scalar_one()
    for price, discount in (("1e400", "0"), ("100000000", "0"), ("NaN", "0"), ("31.00", "1e400")):
        result = _invoke(
            [
                "price",
                "set",
                "--enterprise",
                "acme",
                "--sku",
                "ghec_licenses",
                "--price",
                price,
                "--discount-percent",
                discount,
                "--from",
                "2026-03-01",
            ],
            db_url,
            tmp_path,
        )
        assert isinstance(result.exception, InvalidInput), (price, discount, result.output)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(prices)).scalar_one() == before
