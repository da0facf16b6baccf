"""Alert rules (``alerts/rules.py``): added, listed and removed, and a bad one refused with a
message that says what is wrong."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from alerts_support import acme
from seatledger.alerts.rules import add_rule, list_rules, remove_rule
from seatledger.errors import InvalidInput, NotFound


def test_rules_are_listed_removed_and_bad_ones_refused_with_a_clear_message(engine: Engine) -> None:
    acme(engine, members=1, purchased=5)
    with engine.begin() as conn:
        rule = add_rule(conn, "acme", "verify_drift", email="ops@acme.test").rule
        assert [r.id for r in list_rules(conn, "acme")] == [rule.id]
        remove_rule(conn, "acme", rule.id)
        assert list_rules(conn, "acme") == []
        cases = [
            (dict(kind="consumed-percent", product="enterprise", threshold=0, email="a@b.test"), "percent"),
            (dict(kind="consumed-percent", product="copilot", threshold=90, email="a@b.test"), "product"),
            (dict(kind="expiring", threshold=-1, email="a@b.test"), "days"),
            (dict(kind="weekly", email="a@b.test"), "unknown alert kind"),
            (dict(kind="verify-drift"), "email address, a webhook URL"),
            (dict(kind="verify-drift", webhook_url="ftp://x"), r"http\(s\) URL"),
            (dict(kind="verify-drift", email="nobody"), "not an email address"),
        ]
        for kwargs, message in cases:
            with pytest.raises(InvalidInput, match=message):
                add_rule(conn, "acme", **kwargs)  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            add_rule(conn, "nope", "verify-drift", email="a@b.test")
        with pytest.raises(NotFound):
            remove_rule(conn, "acme", rule.id)


def test_the_time_driven_alerts_refuse_bad_input_with_a_clear_message(engine: Engine) -> None:
    acme(engine, members=1, purchased=5)
    cases = [
        (dict(kind="copilot-idle", email="a@b.test"), "a number of seats from 0"),
        (dict(kind="copilot-idle", threshold=-1, email="a@b.test"), "a number of seats"),
        (dict(kind="copilot-idle", threshold=3, product="enterprise", email="a@b.test"), "takes no product"),
        (dict(kind="source-stale", threshold=0, email="a@b.test"), "a number of hours from 1"),
        (dict(kind="source-stale", threshold=6, source="ftp", email="a@b.test"), "the source is one of sync"),
        (dict(kind="expiring", threshold=6, source="sync", email="a@b.test"), "only the source-stale alert"),
    ]
    with engine.begin() as conn:
        for kwargs, message in cases:
            with pytest.raises(InvalidInput, match=message):
                add_rule(conn, "acme", **kwargs)  # type: ignore[arg-type]
