"""The GitHub-compatible REST API (issue: REST API). ``mount`` adds its routers."""

from fastapi import FastAPI


def mount(app: FastAPI, prefix: str) -> None:
    """Add the API routes under ``prefix``."""
