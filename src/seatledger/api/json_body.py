"""A route's JSON body serialised once.

FastAPI validates a returned model against ``response_model`` again and dumps it; for a page
of 100 people built by the handler itself from the counting engine's typed results, that
second pass costs more CPU than the rest of the request. Routes on the hot path return
:func:`json_body` instead (``response_model`` stays declared, so the OpenAPI schema and the
schema tests are unchanged).
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def json_body(model: BaseModel, response: Response) -> Response:
    """``model`` as the JSON response, with the headers the handler set on ``response``."""
    out = Response(content=model.model_dump_json(by_alias=True), media_type="application/json")
    out.headers.raw.extend(
        (name, value) for name, value in response.headers.raw if name not in (b"content-length", b"content-type")
    )
    return out
