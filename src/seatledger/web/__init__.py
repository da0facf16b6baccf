"""The web pages. ``mount`` adds the page routes and the static files."""

from fastapi import FastAPI


def mount(app: FastAPI) -> None:
    """Add the page routes."""
