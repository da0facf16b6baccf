"""The demo enterprise: a deterministic, realistic ledger for a first look and for load tests.

``build_demo`` writes through the same :class:`~seatledger.db.ledger.Ledger` the importers
use, in one transaction (a failed build leaves nothing). The same seed, size, slug and anchor
always give the same ledger. Phases live in their own modules: people, repos, commits,
servers, billing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from seatledger.db import statistics
from seatledger.db import tables as t
from seatledger.db import tables_intervals as ti
from seatledger.db.ledger import Ledger
from seatledger.demo.world import HISTORY, SIZES, DemoSize, NullProgress, Progress, World
from seatledger.demo.billing import build_billing
from seatledger.demo.commits import build_commits
from seatledger.demo.people import build_people
from seatledger.demo.repos import build_repos
from seatledger.demo.servers import build_servers
from seatledger.errors import InvalidInput
from seatledger.licensing.matching import MatchResult, rematch

__all__ = ["DEFAULT_SLUG", "HISTORY", "SIZES", "DemoResult", "DemoSize", "Progress", "build_demo", "default_anchor"]

DEFAULT_SLUG = "acme"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,38}$")


@dataclass(frozen=True)
class DemoResult:
    slug: str
    enterprise_id: int
    people: int  # cloud accounts
    organizations: int
    repositories: int
    commits: int
    match: MatchResult


def default_anchor() -> dt.datetime:
    """Where the demo's history ends by default: today, 00:00 UTC."""
    today = dt.datetime.now(dt.timezone.utc).date()
    return dt.datetime(today.year, today.month, today.day)


def build_demo(
    engine: Engine,
    *,
    size: str = "small",
    seed: int = 1,
    slug: str = DEFAULT_SLUG,
    managed: bool = False,
    anchor: dt.datetime | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """Build the demo enterprise ``slug``; refuses a slug that already exists."""
    if size not in SIZES:
        raise InvalidInput(f"--size must be one of {', '.join(SIZES)}, not {size!r}")
    if not _SLUG.match(slug):
        raise InvalidInput(f"an enterprise slug is lower-case letters, digits and dashes, not {slug!r}")
    world = World(
        slug=slug,
        seed=seed,
        size=SIZES[size],
        managed=managed,
        now=anchor or default_anchor(),
        progress=progress or NullProgress(),
    )
    try:
        with engine.begin() as conn:
            exists = conn.execute(sa.select(t.enterprises.c.id).where(t.enterprises.c.slug == slug)).first()
            if exists:
                raise InvalidInput(f"enterprise {slug!r} already exists; choose another with --enterprise")
            ledger = Ledger(conn)
            world.enterprise_id = ledger.add_enterprise(
                slug,
                "Acme Corporation" if slug == DEFAULT_SLUG else slug.replace("-", " ").title(),
                account_type="managed" if managed else "personal",
                uses_saml=True,
                created_at=world.now - dt.timedelta(days=1200),
            )
            build_people(world, ledger)
            build_repos(world, ledger)
            commits = build_commits(world, ledger)
            build_servers(world, ledger)
            build_billing(world, ledger)
            ledger.bump_version(world.enterprise_id)
            # Server accounts and VS subscribers are matched exactly as after a real import.
            match = rematch(conn, world.enterprise_id)
    except IntegrityError as exc:
        raise InvalidInput(
            f"the demo's names clash with data already in the ledger ({slug!r}); choose another --enterprise"
        ) from exc
    statistics.settle(engine, (t.commits, *ti.COUNTED))
    return DemoResult(slug, world.enterprise_id, len(world.people), len(world.orgs), len(world.repos), commits, match)
