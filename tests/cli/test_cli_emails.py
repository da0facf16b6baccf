"""`seatledger emails unattributed` and `emails map`: the worklist and its fix from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from seatledger.cli import app
from seatledger.errors import InvalidInput

from tests.licensing.unattributed_world import AS_OF, build


def _invoke(args: list[str], db_url: str, tmp_path: Path) -> Result:
    env = {"SEATLEDGER_DATABASE_URL": db_url, "SEATLEDGER_DATA_DIR": str(tmp_path / "data")}
    return CliRunner().invoke(app, args, env=env)


def test_emails_unattributed_lists_the_worklist_and_map_takes_an_email_off_it(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    build(engine)
    as_of = AS_OF.isoformat()
    listed = _invoke(["emails", "unattributed", "--enterprise", "acme", "--as-of", as_of, "--json"], db_url, tmp_path)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout) == [
        {"email": "ann.home@gmail.com", "pushes": 3, "repositories": 2, "last_push": "2026-06-13T12:00:00Z"},
        {"email": "stranger@elsewhere.org", "pushes": 1, "repositories": 1, "last_push": "2026-06-14T12:00:00Z"},
    ]
    mapped = _invoke(
        ["emails", "map", "Stranger@Elsewhere.org", "--login", "carl", "--enterprise", "acme"], db_url, tmp_path
    )
    assert (mapped.exit_code, mapped.stdout) == (0, "stranger@elsewhere.org → carl: created\n")
    table = _invoke(["emails", "unattributed", "--enterprise", "acme", "--as-of", as_of], db_url, tmp_path)
    assert table.stdout.splitlines() == [
        "email\tpushes\trepositories\tlast push",
        "ann.home@gmail.com\t3\t2\t2026-06-13T12:00:00Z",
    ]
    taken = _invoke(["emails", "map", "ann@acme.test", "--login", "carl", "--enterprise", "acme"], db_url, tmp_path)
    assert isinstance(taken.exception, InvalidInput)
