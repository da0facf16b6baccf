"""Property-based: schemathesis generates requests from our own ``/openapi.json`` and checks
every answer — no 500s, status codes, content types, headers and bodies as documented."""

from __future__ import annotations

import os

import pytest
import schemathesis
from schemathesis import checks
from schemathesis.generation import GenerationMode
from hypothesis import HealthCheck, given, settings

from seatledger.db.ledger import Ledger

# A longer run: SEATLEDGER_TEST_FUZZ_SCALE=50 (docs/tests.md).
SCALE = int(os.environ.get("SEATLEDGER_TEST_FUZZ_SCALE", "1"))
EXAMPLES_PER_OPERATION = 6 * SCALE
# Requests that break the schema on purpose (wrong types, values out of range, strings with
# control characters): each must be refused with a 4xx, never a 5xx.
NEGATIVE_EXAMPLES_PER_OPERATION = 4 * SCALE
# Generated path names would all be 404s; real ones let the generated query parameters and
# bodies reach the endpoints.
KNOWN_NAMES = {"enterprise": "acme", "org": "octo"}

pytestmark = pytest.mark.slow


def test_generated_requests_get_documented_answers_and_never_a_500(live_server, api_world) -> None:
    # A caller who may read everything in acme, so generated requests reach past the auth checks.
    with api_world.engine.begin() as conn:
        Ledger(conn).add_membership(api_world.orgs["octo"], api_world.users["owner"], "owner")
    headers = api_world.auth("owner")
    schema = schemathesis.openapi.from_url(live_server.url + "/openapi.json", timeout=60)
    operations = [result.ok() for result in schema.get_all_operations()]
    api_operations = [op for op in operations if op.path.startswith("/api/v3/")]
    assert len(api_operations) >= 13
    failures: list[str] = []
    for operation in api_operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            if case.path_parameters:
                case.path_parameters = {k: KNOWN_NAMES.get(k, v) for k, v in case.path_parameters.items()}
            # Names that are valid strings but unknown to the ledger are rightly refused (422),
            # so "every schema-valid request is accepted" does not apply; every other check does.
            case.call_and_validate(
                base_url=live_server.url, headers=headers, excluded_checks=[checks.positive_data_acceptance]
            )

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


# Tables a refused request may still touch: the caller's rate-limit window and its session.
_BOOKKEEPING = frozenset({"alembic_version", "api_rate_windows", "web_sessions", "signin_failures"})


def _fingerprint(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    import sqlalchemy as sa

    with engine.connect() as conn:
        tables = [n for n in sa.inspect(conn).get_table_names() if n not in _BOOKKEEPING]
        return {n: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in tables}


def test_generated_invalid_requests_are_refused_with_a_4xx_never_a_5xx(live_server, api_world) -> None:
    headers = api_world.auth("owner")
    engine = live_server.server.config.app.state.engine
    schema = schemathesis.openapi.from_url(live_server.url + "/openapi.json", timeout=60)
    operations = [result.ok() for result in schema.get_all_operations()]
    api_operations = [op for op in operations if op.path.startswith("/api/v3/")]
    server_errors: list[str] = []
    for operation in api_operations:

        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        @settings(
            max_examples=NEGATIVE_EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            if case.path_parameters:
                case.path_parameters = {k: KNOWN_NAMES.get(k, v) for k, v in case.path_parameters.items()}
            before = _fingerprint(engine)
            response = case.call(base_url=live_server.url, headers=headers)
            if response.status_code >= 500:
                server_errors.append(f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")
            elif response.status_code >= 400 and _fingerprint(engine) != before:
                server_errors.append(f"{case.method} {case.formatted_path} {case.query}: refused but wrote")

        try:
            check()
        except Exception as exc:  # noqa: BLE001 - a case that cannot even be sent is reported too
            server_errors.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not server_errors, "\n".join(server_errors)
