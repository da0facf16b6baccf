"""Rendering pages: one Jinja2 environment, and the context every page gets (the signed-in
person, their navigation, flash messages, the CSRF token)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from seatledger.web.deps import AS_OF, chosen_date
from seatledger.web.session import session_of

TEMPLATES_DIR = Path(__file__).with_name("templates")
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def _number(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _when(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "never"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


@pass_context
def _dated(context: Context, url: str) -> str:
    """``url`` at the date the page was picked at (``?as_of=``), so every link and download
    from a page at a date stays at that date."""
    chosen = context.get("as_of_text") or ""
    if not chosen:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({AS_OF: chosen})}"


templates.env.filters["number"] = _number
templates.env.filters["when"] = _when
templates.env.filters["dated"] = _dated


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``name`` with the page context."""
    session = session_of(request)
    context.setdefault("access", getattr(request.state, "access", None))
    context["csrf_token"] = session.csrf
    context["flashes"] = session.pop_flashes()
    context["request"] = request
    context.setdefault("as_of_text", chosen_date(request))  # the date picker's date, as sent
    return templates.TemplateResponse(request, name, context, status_code=status_code)
