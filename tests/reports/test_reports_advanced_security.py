"""The Advanced Security CSV: GitHub's four columns, one row per (committer, repository)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.engine import Engine

from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing import Scope, committer_totals
from seatledger.reports import open_report, write_report
from seatledger.reports.advanced_security import HEADER

from reports_ledger import AS_OF, SmallLedger


def _report(engine: Engine, scope: Scope, product: str) -> bytes:
    out = io.BytesIO()
    with engine.connect() as conn:
        write_report("advanced-security", conn, scope, out, product=product, as_of=AS_OF)
    return out.getvalue()


def test_code_security_report_is_exactly_githubs_columns_and_rows(engine: Engine, small_ledger: SmallLedger) -> None:
    # alice's latest *author* date on api is a1's (a2 was authored long ago, pushed later);
    # public repos, the bot, an unknown email and a push outside the 90 days do not appear.
    assert _report(engine, Scope.enterprise("acme"), "code_security") == (
        b"User login,Organization / repository,Last pushed date,Last pushed email\r\n"
        b"alice,acme-eng/api,2024-04-21,alice@acme.test\r\n"
        b"alice,acme-eng/web,2024-04-26,alice@acme.test\r\n"
        b"bob,acme-eng/api,2024-04-28,bob@home.test\r\n"
        b"olly,acme-eng/api,2024-04-30,olly@else.test\r\n"
    )


def test_secret_protection_report_is_separate_and_neutralises_a_hostile_email(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    assert _report(engine, Scope.enterprise("acme"), "secret_protection") == (
        b"User login,Organization / repository,Last pushed date,Last pushed email\r\n"
        b"alice,acme-eng/api,2024-04-21,alice@acme.test\r\n"
        b"bob,acme-eng/api,2024-04-28,bob@home.test\r\n"
        b"bob,acme-ops/infra,2024-04-27,bob@acme.test\r\n"
        b"olly,acme-eng/api,2024-04-30,olly@else.test\r\n"
        + "zoë,acme-ops/infra,2024-04-25,'=2+3@evil.test\r\n".encode("utf-8")
    )


def test_organization_and_repository_scopes_keep_only_their_repositories(
    engine: Engine, small_ledger: SmallLedger
) -> None:
    org = _report(engine, Scope.org("acme-ops"), "secret_protection").decode("utf-8").splitlines()
    assert org[1:] == ["bob,acme-ops/infra,2024-04-27,bob@acme.test", "zoë,acme-ops/infra,2024-04-25,'=2+3@evil.test"]
    repo = _report(engine, Scope.repo("acme-eng/web"), "code_security").decode("utf-8").splitlines()
    assert repo[1:] == ["alice,acme-eng/web,2024-04-26,alice@acme.test"]


SCOPES = [
    Scope.enterprise("acme"),
    Scope.org("acme-eng"),
    Scope.org("acme-ops"),
    Scope.user_namespace("alice"),
    Scope.repo("acme-eng/api"),
    Scope.repo("acme-eng/web"),
    Scope.repo("acme-ops/infra"),
]


@pytest.mark.parametrize("product", ["code_security", "secret_protection"])
def test_distinct_logins_in_the_csv_equal_the_engines_total_committers_at_every_scope(
    engine: Engine, small_ledger: SmallLedger, product: str
) -> None:
    for scope in SCOPES:
        rows = list(csv.reader(io.StringIO(_report(engine, scope, product).decode("utf-8"), newline="")))
        assert tuple(rows[0]) == HEADER
        with engine.connect() as conn:
            total = committer_totals(conn, scope, product, as_of=AS_OF).total_committers  # type: ignore[arg-type]
        assert len({r[0] for r in rows[1:]}) == total, scope


def test_two_runs_over_the_same_ledger_are_byte_identical(engine: Engine, small_ledger: SmallLedger) -> None:
    first = _report(engine, Scope.enterprise("acme"), "secret_protection")
    assert _report(engine, Scope.enterprise("acme"), "secret_protection") == first


def test_an_unknown_product_or_scope_is_refused_before_any_byte(engine: Engine, small_ledger: SmallLedger) -> None:
    with engine.connect() as conn:
        with pytest.raises(InvalidInput, match="code_security or secret_protection"):
            open_report("advanced-security", conn, Scope.enterprise("acme"), product="ghas")
        with pytest.raises(InvalidInput, match="code_security or secret_protection"):
            open_report("advanced-security", conn, Scope.enterprise("acme"))
        with pytest.raises(NotFound, match="no organization 'nope'"):
            open_report("advanced-security", conn, Scope.org("nope"), product="code_security")
