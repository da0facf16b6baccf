"""What an import did: counts of created, updated and unchanged things, and what it refused.

Every importer returns an :class:`ImportReport`; the CLI prints :meth:`ImportReport.summary`
and the web upload shows it. Counts are kept per kind ("user", "commit", "repository"...), so
"importing the same thing twice changes nothing" reads as "created 0, updated 0".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from seatledger.db.ledger_writer import Outcome


@dataclass(frozen=True)
class Rejection:
    """One input item that was not imported, and why."""

    item: str
    reason: str


@dataclass
class ImportReport:
    """Tallies of one import; importers fill it in as they write."""

    source: str
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    # Things worth telling the person that are not errors (unattributed emails, unmatched subscribers).
    notes: list[str] = field(default_factory=list)

    def count(self, kind: str, outcome: Outcome, n: int = 1) -> None:
        if n:
            getattr(self, outcome)[kind] += n

    def reject(self, item: str, reason: str) -> None:
        self.rejected.append(Rejection(item, reason))

    def merge(self, other: "ImportReport") -> None:
        self.created.update(other.created)
        self.updated.update(other.updated)
        self.unchanged.update(other.unchanged)
        self.rejected.extend(other.rejected)
        self.notes.extend(other.notes)

    @property
    def changed(self) -> bool:
        """Whether the import wrote anything."""
        return bool(+self.created or +self.updated)

    def summary(self) -> str:
        """One line: ``created 2 user, 40 commit; updated 1 repository; rejected 1``."""
        parts = []
        for label, counter in (("created", self.created), ("updated", self.updated), ("unchanged", self.unchanged)):
            items = ", ".join(f"{n} {kind}" for kind, n in sorted(counter.items()) if n)
            if items:
                parts.append(f"{label} {items}")
        if self.rejected:
            parts.append(f"rejected {len(self.rejected)}")
        return f"{self.source}: " + ("; ".join(parts) if parts else "nothing to do")
