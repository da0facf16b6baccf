"""A route's JSON body serialised once: GitHub's names (the models' aliases), and the headers
the handler set kept, except the length and type of the body it replaces."""

from __future__ import annotations

import json

from fastapi import Response
from pydantic import BaseModel, Field

from seatledger.api.json_body import json_body, json_bytes, model_json


class _Page(BaseModel):
    total_count: int = Field(alias="totalCount")
    login: str


def test_the_body_uses_the_models_aliases() -> None:
    page = _Page(totalCount=3, login="octo")
    assert json.loads(model_json(page)) == {"totalCount": 3, "login": "octo"}


def test_the_handlers_headers_are_kept_but_not_the_old_length_and_type() -> None:
    handler = Response(content=b"x" * 50, media_type="text/plain")
    handler.headers["Link"] = '<https://h/api?page=2>; rel="next"'
    handler.headers["X-RateLimit-Remaining"] = "41"
    out = json_body(_Page(totalCount=1, login="a"), handler)
    assert out.body == model_json(_Page(totalCount=1, login="a"))
    assert out.headers["content-type"] == "application/json"
    assert out.headers["content-length"] == str(len(out.body))
    assert out.headers["link"] == '<https://h/api?page=2>; rel="next"' and out.headers["x-ratelimit-remaining"] == "41"
    assert len(out.headers.getlist("content-type")) == len(out.headers.getlist("content-length")) == 1
    assert json_bytes(b"[]", Response()).body == b"[]"
