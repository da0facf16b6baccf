"""The API tests' fixtures live in api_fixtures.py (its helpers are imported by name from the test modules)."""

from api_fixtures import api, api_world  # noqa: F401
