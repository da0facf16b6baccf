"""The demo's plan (sizes) and the state its phases hand to each other."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Protocol, Sequence, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class DemoSize:
    """How big a demo enterprise is; the special cases are added at every size."""

    name: str
    people: int
    orgs: int
    repos: int
    commits: int  # pushed within the 120-day history


SIZES: dict[str, DemoSize] = {
    "small": DemoSize("small", people=300, orgs=6, repos=120, commits=6_000),
    "medium": DemoSize("medium", people=10_000, orgs=100, repos=20_000, commits=500_000),
    "large": DemoSize("large", people=100_000, orgs=1_000, repos=200_000, commits=5_000_000),
}

# The commit history reaches this far back from the demo's anchor instant.
HISTORY = dt.timedelta(days=120)


class Progress(Protocol):
    """Where a long build reports what it is doing (the CLI draws a Rich progress bar)."""

    def start(self, phase: str, total: int) -> None: ...

    def advance(self, n: int) -> None: ...


class NullProgress:
    """Reports nowhere (tests, the small demo of ``serve --first-run``)."""

    def start(self, phase: str, total: int) -> None:
        return None

    def advance(self, n: int) -> None:
        return None


@dataclass
class Person:
    """A cloud account of the demo and what the later phases need to know about it."""

    login: str
    name: str
    kind: str  # member | outside | billing_manager | owner | setup | bot | unaffiliated | invitee
    primary_email: str
    other_emails: list[str] = field(default_factory=list)  # verified, not primary
    unverified_emails: list[str] = field(default_factory=list)
    saml_name_id: str | None = None
    suspended: bool = False
    dormant: bool = False
    orgs: list[int] = field(default_factory=list)  # indices into World.orgs (current memberships)
    repos: list[int] = field(default_factory=list)  # indices into World.repos (outside collaborator on)
    id: int = 0


@dataclass
class Org:
    login: str
    created_at: dt.datetime
    id: int = 0
    plan: str | None = None  # Copilot plan of the org, None without Copilot
    members: list[int] = field(default_factory=list)  # indices into World.people
    repos: list[int] = field(default_factory=list)  # indices into World.repos
    teams: list[int] = field(default_factory=list)  # team ids


@dataclass
class Repo:
    owner_login: str
    name: str
    visibility: str
    org: int | None  # index into World.orgs; None for a user-namespace repository
    id: int = 0


@dataclass
class World:
    """Everything built so far; each phase reads what earlier phases left here."""

    slug: str
    seed: int
    size: DemoSize
    managed: bool
    now: dt.datetime  # the anchor: the history ends here
    progress: Progress
    enterprise_id: int = 0
    people: list[Person] = field(default_factory=list)
    orgs: list[Org] = field(default_factory=list)
    repos: list[Repo] = field(default_factory=list)
    enterprise_team_id: int = 0

    def rng(self, phase: str) -> random.Random:
        """An independent, seeded random stream per phase, so phases do not disturb each other."""
        return random.Random(f"{self.seed}:{self.slug}:{phase}")

    def uuid(self, what: str) -> str:
        """A UUID that is the same for the same seed, enterprise and purpose."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"seatledger-demo:{self.slug}:{self.seed}:{what}"))

    def login(self, base: str) -> str:
        """Managed (EMU) accounts carry the enterprise's short code as a suffix."""
        return f"{base}_{self.slug}" if self.managed else base

    def ago(self, rng: random.Random, low_days: float, high_days: float) -> dt.datetime:
        """A second-precision instant between ``high_days`` and ``low_days`` before the anchor."""
        return (self.now - dt.timedelta(days=rng.uniform(low_days, high_days))).replace(microsecond=0)


class Zipf:
    """Draws indices 0..n-1 with weight 1/(rank+1)^s: a few heavy ones and a long tail."""

    def __init__(self, n: int, s: float = 1.1) -> None:
        self.cum = list(accumulate(1.0 / (i + 1) ** s for i in range(n)))

    def draw(self, rng: random.Random) -> int:
        return bisect(self.cum, rng.random() * self.cum[-1])


def sample(rng: random.Random, items: Sequence[T], k: int) -> list[T]:
    return rng.sample(list(items), min(k, len(items)))
