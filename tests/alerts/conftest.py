"""The alert tests' helpers live in alerts_support.py (imported by name from the test modules)."""

from alerts_support import receiver  # noqa: F401
