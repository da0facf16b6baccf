"""Names for the demo: people, organizations, teams and repositories, all made up."""

from __future__ import annotations

import random

FIRST = (
    "ada alan amara anil anna aria ben bilal carla chen chloe dara diego elena emma eric farah felix "
    "grace hana hugo ines ivan jamal jana jonas kai kenji lara leo lina luca maya mei mila nadia noah "
    "omar olga pablo priya quinn rafael rosa sam sara sofia taro tess uma victor wen xavier yara yusuf zoe"
).split()
LAST = (
    "abe alvarez becker brown castro chen cohen costa dubois evans fischer garcia gupta haddad hansen ito "
    "jensen kim kowalski kumar larsen lee lopez martin meyer moreau mori nakamura nguyen novak okafor "
    "olsen park patel perez petrov rossi sato schmidt silva singh smith tanaka torres vogel wang weber "
    "williams wu yamada young zhang"
).split()
ORG_WORDS = (
    "platform payments mobile web data ml infra security identity search ads billing growth support "
    "devtools observability storage network edge commerce analytics research labs design docs"
).split()
TEAM_WORDS = "backend frontend sre data-eng qa release api mobile-core reviewers maintainers".split()
ADJECTIVES = (
    "blue quick silent bright hidden lunar rapid solid tiny vast amber brave calm eager fuzzy golden "
    "iron jolly kind lucky mellow noble polar rustic swift"
).split()
NOUNS = (
    "api gateway service worker portal engine ledger cache queue bridge console toolkit sdk agent "
    "pipeline scheduler indexer router proxy monitor wallet catalog checkout auth notifier"
).split()
EDITORS = (
    "vscode/1.95.3/copilot/1.245.0",
    "vscode/1.94.2/copilot-chat/0.22.4",
    "JetBrains-IC/2024.3/copilot-intellij/1.5.29",
    "VisualStudio/17.12.0/copilot-vs/1.190.0",
    "Neovim/0.10.2/copilot.vim/1.41.0",
    "copilot-chat/github.com",
)


def person_name(rng: random.Random) -> tuple[str, str]:
    """A first and last name."""
    return rng.choice(FIRST), rng.choice(LAST)


def org_login(slug: str, i: int) -> str:
    """Organization logins are unique across the ledger, so they carry the enterprise slug."""
    word = ORG_WORDS[i % len(ORG_WORDS)]
    return f"{slug}-{word}" if i < len(ORG_WORDS) else f"{slug}-{word}-{i // len(ORG_WORDS)}"


def repo_name(rng: random.Random) -> str:
    return f"{rng.choice(ADJECTIVES)}-{rng.choice(NOUNS)}"


class UniqueNames:
    """Hands out names, adding a number to a name already taken."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.last: dict[str, int] = {}  # the last number tried per base, so a crowded base stays cheap

    def take(self, base: str) -> str:
        name, n = base, self.last.get(base, 1)
        while name in self.taken:
            n += 1
            name = f"{base}{n}"
        self.last[base] = n
        self.taken.add(name)
        return name
