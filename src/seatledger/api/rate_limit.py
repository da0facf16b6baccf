"""``GET /rate_limit``: the caller's current window (asking does not count against it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from seatledger.api import throttle
from seatledger.api.auth import Caller, identified
from seatledger.api.schemas import RateLimit, RateLimitOverview, RateLimitResources, error_responses

router = APIRouter(tags=["rate-limit"])


@router.get(
    "/rate_limit",
    response_model=RateLimitOverview,
    responses=error_responses(400, 401, 422),
    summary="Get rate limit status for the authenticated user",
    operation_id="rate-limit/get",
)
def get_rate_limit(request: Request, caller: Annotated[Caller, Depends(identified)]) -> RateLimitOverview:
    """Limit, remaining, used and reset of the token's hourly window."""
    state = throttle.peek(request, request.app.state.engine, caller.token_id)
    core = RateLimit(limit=state.limit, remaining=state.remaining, reset=state.reset, used=state.used)
    return RateLimitOverview(resources=RateLimitResources(core=core), rate=core)
