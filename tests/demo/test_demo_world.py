"""The demo's plan and shared state: the sizes, a random stream of each phase's own, stable
UUIDs, managed logins, instants before the anchor, and the skewed draws of the commits."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import Counter

from seatledger.demo.world import HISTORY, SIZES, NullProgress, World, Zipf, sample

ANCHOR = dt.datetime(2026, 6, 15)


def _world(seed: int = 1, slug: str = "acme", managed: bool = False) -> World:
    return World(slug=slug, seed=seed, size=SIZES["small"], managed=managed, now=ANCHOR, progress=NullProgress())


def test_the_sizes_grow_in_every_dimension() -> None:
    assert list(SIZES) == ["small", "medium", "large"]
    for smaller, larger in zip(SIZES.values(), list(SIZES.values())[1:]):
        for field in ("people", "orgs", "repos", "commits"):
            assert getattr(smaller, field) < getattr(larger, field), (smaller.name, field)
    assert HISTORY == dt.timedelta(days=120)


def test_each_phase_has_its_own_stream_the_same_for_the_same_seed_and_enterprise() -> None:
    def five(world: World, phase: str) -> list[float]:
        stream = world.rng(phase)
        return [stream.random() for _ in range(5)]

    drawn = five(_world(), "people")
    assert five(_world(), "people") == drawn
    for other in (five(_world(), "repos"), five(_world(seed=2), "people"), five(_world(slug="globex"), "people")):
        assert other != drawn


def test_uuids_are_stable_per_seed_enterprise_and_purpose() -> None:
    made = _world().uuid("server:east")
    assert uuid.UUID(made).version == 5
    assert _world().uuid("server:east") == made
    assert (
        len(
            {
                made,
                _world().uuid("server:west"),
                _world(seed=2).uuid("server:east"),
                _world(slug="globex").uuid("server:east"),
            }
        )
        == 4
    )


def test_managed_logins_carry_the_enterprise_suffix() -> None:
    assert _world().login("ada") == "ada"
    assert _world(slug="initech", managed=True).login("ada") == "ada_initech"


def test_an_instant_ago_lies_between_the_bounds_before_the_anchor_in_whole_seconds() -> None:
    world, rng = _world(), random.Random(3)
    for _ in range(200):
        at = world.ago(rng, 10, 30)
        assert ANCHOR - dt.timedelta(days=30) <= at <= ANCHOR - dt.timedelta(days=10)
        assert at.microsecond == 0


def test_zipf_draws_every_index_in_range_with_a_heavy_head_and_a_long_tail() -> None:
    rng = random.Random(7)
    zipf = Zipf(100)
    drawn = Counter(zipf.draw(rng) for _ in range(20_000))
    assert set(drawn) <= set(range(100)) and len(drawn) > 90
    assert drawn[0] == max(drawn.values())
    assert drawn[0] > 20 * drawn[50]  # weights 1 and 1/51**1.1, about 75 to 1


def test_sample_takes_k_distinct_items_or_all_when_there_are_fewer() -> None:
    rng = random.Random(1)
    picked = sample(rng, range(10), 4)
    assert len(picked) == len(set(picked)) == 4 and set(picked) <= set(range(10))
    assert sorted(sample(rng, ["a", "b"], 5)) == ["a", "b"]
