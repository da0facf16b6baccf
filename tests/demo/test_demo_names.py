"""The demo's made-up names: organization logins unique across enterprises, and no name handed
out twice."""

from __future__ import annotations

import random

from seatledger.demo.names import (
    ADJECTIVES,
    FIRST,
    LAST,
    NOUNS,
    ORG_WORDS,
    UniqueNames,
    org_login,
    person_name,
    repo_name,
)


def test_organization_logins_carry_the_slug_and_never_repeat() -> None:
    logins = [org_login("acme", i) for i in range(3 * len(ORG_WORDS))]
    assert logins[0] == f"acme-{ORG_WORDS[0]}"
    assert logins[len(ORG_WORDS)] == f"acme-{ORG_WORDS[0]}-1"  # the words come round again, numbered
    assert len(set(logins)) == len(logins)
    assert all(login.startswith("acme-") for login in logins)
    assert not set(logins) & {org_login("globex", i) for i in range(3 * len(ORG_WORDS))}


def test_a_name_taken_gets_the_next_free_number_and_is_never_handed_out_twice() -> None:
    names = UniqueNames()
    assert [names.take("ann") for _ in range(3)] == ["ann", "ann2", "ann3"]
    assert names.take("bob") == "bob"
    names.take("cat2")
    assert [names.take("cat") for _ in range(3)] == ["cat", "cat3", "cat4"]  # cat2 was taken as itself
    assert len(names.taken) == 8


def test_names_come_from_the_word_lists_and_the_same_seed_gives_the_same_names() -> None:
    def draw(seed: int) -> list[tuple[tuple[str, str], str]]:
        rng = random.Random(seed)
        return [(person_name(rng), repo_name(rng)) for _ in range(50)]

    assert draw(1) == draw(1) and draw(1) != draw(2)
    for (first, last), repo in draw(1):
        adjective, noun = repo.split("-", 1)
        assert first in FIRST and last in LAST and adjective in ADJECTIVES and noun in NOUNS
