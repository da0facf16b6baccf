"""The metrics tests reuse the API tests' world."""

from tests.api.api_fixtures import api_world  # noqa: F401
