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
    return json_bytes(model_json(model), response)


def model_json(model: BaseModel) -> bytes:
    """The bytes :func:`json_body` sends for ``model`` (what a route may memoise)."""
    return model.model_dump_json(by_alias=True).encode("utf-8")


def json_bytes(content: bytes, response: Response) -> Response:
    """Serialised JSON ``content`` as the response, with the headers the handler set on ``response``."""
    out = Response(content=content, media_type="application/json")
    out.headers.raw.extend(
        (name, value) for name, value in response.headers.raw if name not in (b"content-length", b"content-type")
    )
    return out
