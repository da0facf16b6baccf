"""seatledger's own endpoints (under ``/enterprises/{enterprise}/seatledger/``, so GitHub's
paths stay GitHub's): one person's licenses and why, the change list between two dates, a
product's history per day with its peak, and the Advanced Security what-if.
Enterprise owners and billing managers, with the scopes of the other enterprise billing
endpoints. The bodies are the counting engine's dataclasses as plain JSON
(:mod:`seatledger.jsonable`), the same as ``seatledger explain --json`` and
``seatledger changes --json`` and ``seatledger history --json``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from seatledger import licensing, validation
from seatledger.api.auth import CurrentCaller, EnterprisePath, enterprise_connection
from seatledger.api.schemas import READ_ERRORS
from seatledger.errors import InvalidInput
from seatledger.jsonable import jsonable

router = APIRouter(tags=["seatledger"])

SCOPES = ("read:enterprise", "manage_billing:enterprise")
ROLES = ("owner", "billing_manager")

AsOf = Annotated[str | None, Query(description="A date (its end, UTC) or an ISO 8601 timestamp; default now.")]


def _required(value: str | None, what: str) -> str:
    # Checked after the enterprise and the caller's role: an unknown enterprise is 404 first.
    if value is None:
        raise InvalidInput(f"{what} is required: a date YYYY-MM-DD")
    return value


def _body(value: Any) -> JSONResponse:
    return JSONResponse(json.loads(json.dumps(jsonable(value))))


@router.get(
    "/enterprises/{enterprise}/seatledger/people/{person}",
    responses=READ_ERRORS,
    summary="Explain one person's licenses",
    operation_id="seatledger/get-person",
)
def get_person(
    request: Request,
    caller: CurrentCaller,
    enterprise: EnterprisePath,
    person: Annotated[str, Path(description="A login, or the email of a server-only or invited person.")],
    as_of: AsOf = None,
) -> JSONResponse:
    """Every license the person holds at ``as_of`` and why, and their license timeline."""
    at = validation.counting_date(as_of, "as_of") if as_of is not None else None
    with enterprise_connection(request, caller, enterprise, scopes=SCOPES, roles=ROLES) as (conn, info):
        found = licensing.describe_person(conn, info.slug, person, as_of=at)
    return _body(found)


@router.get(
    "/enterprises/{enterprise}/seatledger/changes",
    responses=READ_ERRORS,
    summary="List who started or stopped consuming each license between two dates",
    operation_id="seatledger/get-changes",
)
def get_changes(
    request: Request,
    caller: CurrentCaller,
    enterprise: EnterprisePath,
    start: Annotated[
        str | None, Query(alias="from", description="A date (its end, UTC) or an ISO 8601 timestamp.")
    ] = None,
    end: Annotated[str | None, Query(alias="to", description="A date (its end, UTC) or an ISO 8601 timestamp.")] = None,
    product: Annotated[
        str | None, Query(description="enterprise, code_security, secret_protection or copilot.")
    ] = None,
    org: Annotated[str | None, Query(description="Only licenses consumed through this organization.")] = None,
) -> JSONResponse:
    """The change list in ``(from, to]`` and the net per product."""
    products = licensing.CHANGE_PRODUCTS if product is None else (product,)
    with enterprise_connection(request, caller, enterprise, scopes=SCOPES, roles=ROLES) as (conn, info):
        t1, t2 = (
            validation.counting_date(_required(start, "from"), "from"),
            validation.counting_date(_required(end, "to"), "to"),
        )
        found = licensing.license_changes(conn, info.slug, t1, t2, products=products, org=org)
    return _body(found)


@router.get(
    "/enterprises/{enterprise}/seatledger/history",
    responses=READ_ERRORS,
    summary="A product's total per day over a range, with the peak",
    operation_id="seatledger/get-history",
)
def get_history(
    request: Request,
    caller: CurrentCaller,
    enterprise: EnterprisePath,
    start: Annotated[str | None, Query(alias="from", description="The first day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, Query(alias="to", description="The last day, YYYY-MM-DD.")] = None,
    product: Annotated[
        str,
        Query(
            description="enterprise, code_security, secret_protection, copilot, copilot_business or copilot_enterprise."
        ),
    ] = "enterprise",
    org: Annotated[str | None, Query(description="Only licenses consumed through this organization.")] = None,
) -> JSONResponse:
    """The product's total at the end of each day from ``from`` to ``to``, and the peak."""
    with enterprise_connection(request, caller, enterprise, scopes=SCOPES, roles=ROLES) as (conn, info):
        first, last = validation.day(_required(start, "from"), "from"), validation.day(_required(end, "to"), "to")
        found = licensing.license_history(conn, info.slug, product, first, last, org=org)
    return _body(found)


@router.get(
    "/enterprises/{enterprise}/seatledger/ghas/what-if",
    responses=READ_ERRORS,
    summary="Advanced Security what-if: the committers enabling or disabling repositories adds or frees",
    operation_id="seatledger/get-ghas-what-if",
)
def get_ghas_what_if(
    request: Request,
    caller: CurrentCaller,
    enterprise: EnterprisePath,
    product: Annotated[str | None, Query(description="code_security or secret_protection.")] = None,
    repository: Annotated[list[str] | None, Query(description="A repository, owner/name or name (repeatable).")] = None,
    org: Annotated[list[str] | None, Query(description="An organization's repositories (repeatable).")] = None,
    pattern: Annotated[str | None, Query(description="A glob on owner/name.")] = None,
    visibility: Annotated[list[str] | None, Query(description="public, private or internal (repeatable).")] = None,
    spare: Annotated[
        int | None, Query(description="Plan which chosen repositories this many spare licenses cover.")
    ] = None,
    as_of: AsOf = None,
) -> JSONResponse:
    """As ``seatledger ghas what-if --json``: the what-if, or with ``spare`` the plan."""
    with enterprise_connection(request, caller, enterprise, scopes=SCOPES, roles=ROLES) as (conn, info):
        at = validation.counting_date(as_of, "as_of") if as_of is not None else None
        if product is None:
            raise InvalidInput("product is required: code_security or secret_protection")
        selection = licensing.RepositorySelection(
            tuple(repository or ()), tuple(org or ()), pattern, tuple(visibility or ())
        )
        if spare is not None:
            return _body(licensing.ghas_plan(conn, info.slug, product, spare, selection, as_of=at))
        return _body(licensing.ghas_what_if(conn, info.slug, product, selection, as_of=at))
