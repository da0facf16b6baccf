"""``seatledger ghas what-if``: the counting engine's what-if and plan (the REST API's
``…/seatledger/ghas/what-if`` answers the same) as JSON or as text; a mistake is one line and
exit code 2."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy.engine import Engine

from cli_support import run_seatledger
from seatledger import licensing
from seatledger.jsonable import jsonable
from seatledger.licensing import RepositorySelection

AT = dt.datetime(2026, 10, 31, 23, 59, 59)  # --as-of 2026-10-31: the end of that day
BASE = ["ghas", "what-if", "--enterprise", "acme", "--product", "code_security", "--as-of", "2026-10-31"]


def test_the_cli_prints_the_engines_what_if_and_plan(small_demo: tuple[Path, Engine]) -> None:
    data, engine = small_demo
    chosen = RepositorySelection(visibilities=("internal", "private"), pattern="acme-*/*")
    with engine.connect() as conn:
        what_if = jsonable(licensing.ghas_what_if(conn, "acme", "code_security", chosen, as_of=AT))
        plan = licensing.ghas_plan(conn, "acme", "code_security", 3, as_of=AT)
    done = run_seatledger(
        [*BASE, "--visibility", "internal", "--visibility", "private", "--pattern", "acme-*/*", "--json"], data
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == what_if
    assert json.loads(run_seatledger([*BASE, "--spare", "3", "--json"], data).stdout) == jsonable(plan)
    text = run_seatledger([*BASE, "--spare", "3"], data).stdout.splitlines()
    assert text[0] == "acme: code_security, 3 spare licenses as of 2026-10-31 23:59:59 UTC"
    assert [line.split()[:2] for line in text[1:-1]] == [[s.repository, f"+{s.new_committers}"] for s in plan.steps]
    assert text[-1] == f"{len(plan.steps)} repositories covered, {plan.left_out} left out"


def test_the_text_what_if_names_each_person_enabling_adds_and_disabling_frees(small_demo: tuple[Path, Engine]) -> None:
    data, engine = small_demo
    with engine.connect() as conn:
        found = licensing.ghas_what_if(conn, "acme", "code_security", RepositorySelection(orgs=("acme-web",)), as_of=AT)
    assert found.enabling_adds and found.disabling_frees  # the demo has both kinds in this org
    done = run_seatledger([*BASE, "--org", "acme-web"], data)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        f"acme: code_security on {len(found.repositories)} repositories as of 2026-10-31 23:59:59 UTC",
        f"Counted now: {found.total_committers}; if enabled: {found.total_if_enabled} (+{len(found.enabling_adds)});"
        f" if disabled: {found.total_if_disabled} (-{len(found.disabling_frees)})",
    ]
    frees = lines.index("Disabling frees:")
    assert lines[2] == "Enabling adds:"
    assert [line.split()[0] for line in lines[3:frees]] == [p.login for p in found.enabling_adds]
    assert [line.split()[0] for line in lines[frees + 1 :]] == [p.login for p in found.disabling_frees]


def test_a_choice_of_no_repository_is_one_line_and_exit_2(small_demo: tuple[Path, Engine]) -> None:
    done = run_seatledger([*BASE, "--org", "no-such-org"], small_demo[0])
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "no repository" in done.stderr
    assert done.stderr.count("\n") == 1
