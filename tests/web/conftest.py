"""The web tests' fixtures live in web_site.py (imported by name from the test modules too)."""

from web_site import browser, demo, mona, page, site  # noqa: F401
