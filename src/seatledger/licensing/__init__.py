"""The counting engine: every number a person sees comes from a function listed here."""

from seatledger.licensing.advanced_security import (
    ACTIVE_COMMITTER_WINDOW,
    CommitterPush,
    CommitterTotals,
    OrganizationCommitters,
    RepositoryCommitters,
    UnresolvedEmail,
    committer_totals,
    iter_committer_pushes,
    iter_namespace_committers,
    iter_repository_committers,
    iter_unresolved_emails,
)
from seatledger.licensing.copilot import (
    CopilotSeat,
    CopilotTotals,
    SeatBreakdown,
    copilot_totals,
    iter_copilot_seats,
)
from seatledger.licensing.matching import MatchResult, rematch
from seatledger.licensing.scope import EnterpriseInfo, Scope, get_enterprise, resolve
from seatledger.licensing.seats import (
    LicensedPerson,
    SeatReason,
    SeatTotals,
    billable_in_month,
    count_consumed,
    explain,
    iter_licensed_people,
    seat_history,
    seat_totals,
)
from seatledger.licensing.summary import EnterpriseSummary, enterprise_summary, iter_enterprise_slugs

__all__ = [
    "ACTIVE_COMMITTER_WINDOW",
    "CommitterPush",
    "CommitterTotals",
    "CopilotSeat",
    "CopilotTotals",
    "EnterpriseInfo",
    "EnterpriseSummary",
    "LicensedPerson",
    "MatchResult",
    "OrganizationCommitters",
    "RepositoryCommitters",
    "Scope",
    "SeatBreakdown",
    "SeatReason",
    "SeatTotals",
    "UnresolvedEmail",
    "billable_in_month",
    "committer_totals",
    "copilot_totals",
    "count_consumed",
    "enterprise_summary",
    "explain",
    "get_enterprise",
    "iter_committer_pushes",
    "iter_copilot_seats",
    "iter_enterprise_slugs",
    "iter_licensed_people",
    "iter_namespace_committers",
    "iter_repository_committers",
    "iter_unresolved_emails",
    "rematch",
    "resolve",
    "seat_history",
    "seat_totals",
]
