"""The demo enterprise: deterministic per seed, matched as after a real import, refused over an
enterprise that exists, managed (EMU) on request. What each phase builds is tested in
test_demo_<phase>.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import create_engine, migrate
from seatledger.db import tables as t
from seatledger.demo import build_demo
from seatledger.errors import InvalidInput
from tests.demo.demo_ledger import ANCHOR, count

SAMPLES = {
    "users": sa.select(t.users.c.login, t.users.c.name, t.users.c.saml_name_id, t.users.c.dormant),
    "repositories": sa.select(t.repositories.c.owner_login, t.repositories.c.name, t.repositories.c.visibility),
    "commits": sa.select(t.commits.c.sha, t.commits.c.author_email, t.commits.c.author_date, t.commits.c.pushed_at),
    "server_accounts": sa.select(t.server_accounts.c.login, t.server_accounts.c.primary_email),
    "copilot_seats": sa.select(t.copilot_seats.c.plan, t.copilot_seats.c.last_activity_at),
}


def _fingerprint(engine: Engine) -> tuple[dict[str, int], dict[str, list[tuple[object, ...]]]]:
    with engine.connect() as conn:
        counts = {
            table.name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
            if table.name in {*SAMPLES, "org_memberships", "invitations", "user_emails", "vs_subscriptions"}
        }
        samples = {
            name: [tuple(r) for r in conn.execute(query.order_by(query.selected_columns[0]).limit(25))]
            for name, query in SAMPLES.items()
        }
    return counts, samples


def _built(tmp_path: Path, name: str, seed: int) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / name}.db")
    migrate(engine)
    build_demo(engine, size="small", seed=seed, anchor=ANCHOR)
    return engine


def test_same_seed_builds_the_same_ledger_and_another_seed_a_different_one(tmp_path: Path) -> None:
    first, again, other = (_built(tmp_path, n, s) for n, s in (("a", 7), ("b", 7), ("c", 8)))
    assert _fingerprint(first) == _fingerprint(again)
    counts, samples = _fingerprint(other)
    assert samples != _fingerprint(first)[1]
    assert counts["commits"] == _fingerprint(first)[0]["commits"]  # the size fixes the commit count


def test_demo_matches_server_accounts_and_subscribers_after_building(demo: Engine) -> None:
    sa_, vs = t.server_accounts, t.vs_subscriptions
    for rule in ("saml", "verified_email"):
        assert count(demo, sa.select(sa_.c.id).where(sa_.c.match_rule == rule)) >= 1, rule
    assert count(demo, sa.select(vs.c.id).where(vs.c.matched_user_id.is_not(None))) >= 1


def test_demo_refuses_an_enterprise_slug_that_exists_and_builds_beside_another(engine: Engine) -> None:
    build_demo(engine, size="small", seed=1, anchor=ANCHOR)
    with pytest.raises(InvalidInput, match="already exists"):
        build_demo(engine, size="small", seed=2, anchor=ANCHOR)
    build_demo(engine, size="small", seed=1, slug="globex", anchor=ANCHOR)
    assert count(engine, sa.select(t.enterprises.c.id)) == 2


def test_managed_demo_is_an_emu_enterprise_with_suffixed_logins_and_scim_names(engine: Engine) -> None:
    build_demo(engine, size="small", seed=1, slug="initech", managed=True, anchor=ANCHOR)
    u = t.users
    assert count(engine, sa.select(t.enterprises.c.id).where(t.enterprises.c.account_type == "managed")) == 1
    humans = sa.select(u.c.id).where(u.c.is_bot.is_(False))
    assert count(engine, humans.where(u.c.login.not_like("%\\_initech", escape="\\"))) == 0
    assert count(engine, humans.where(u.c.scim_user_name.is_(None))) == 0


def test_unknown_size_is_refused_with_the_sizes_named() -> None:
    with pytest.raises(InvalidInput, match="small, medium, large"):
        build_demo(create_engine("sqlite://"), size="huge")
