"""Enterprise owners and billing managers, read from GitHub's GraphQL API.

GitHub's REST API has no list of an enterprise's administrators (``consumed-licenses`` names
only owners who consume a seat); GraphQL has them: ``enterprise(slug:) { ownerInfo { admins } }``,
one edge per person with their ``role`` (``OWNER`` or ``BILLING_MANAGER``), paged by cursor.
"""

from __future__ import annotations

from typing import Any

from seatledger.errors import SourceError
from seatledger.ingest.github_client import GitHubClient, Unavailable

ADMINS_PAGE = 100
# GitHub's EnterpriseAdministratorRole → the ledger's enterprise role.
ROLES = {"OWNER": "owner", "BILLING_MANAGER": "billing_manager"}
# A guard against an API that keeps answering hasNextPage: no enterprise has this many admins.
MAX_PAGES = 1000

ADMINS_QUERY = (
    """
query($slug: String!, $after: String) {
  enterprise(slug: $slug) {
    ownerInfo {
      admins(first: %d, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { role node { login } }
      }
    }
  }
}
"""
    % ADMINS_PAGE
)


def read_enterprise_admins(client: GitHubClient, enterprise: str) -> list[tuple[str, str]]:
    """Every (login, role) of the enterprise's owners and billing managers, whole: a page that
    fails raises (:class:`Unavailable` when GraphQL refuses it), so a caller never mistakes
    part of the list for all of it."""
    found: list[tuple[str, str]] = []
    after: str | None = None
    for _ in range(MAX_PAGES):
        data = client.graphql(ADMINS_QUERY, {"slug": enterprise, "after": after})
        admins = _admins(data, enterprise)
        for edge in admins.get("edges") or []:
            login = ((edge or {}).get("node") or {}).get("login")
            role = ROLES.get(str((edge or {}).get("role") or "").upper())
            if login and role:
                found.append((str(login), role))
        page = admins.get("pageInfo") or {}
        if not page.get("hasNextPage"):
            return found
        after = page.get("endCursor")
        if not after:
            raise SourceError("enterprise admins: hasNextPage without an endCursor")
    raise SourceError(f"enterprise admins: more than {MAX_PAGES} pages")


def _admins(data: Any, enterprise: str) -> dict[str, Any]:
    ent = data.get("enterprise") if isinstance(data, dict) else None
    owner_info = ent.get("ownerInfo") if isinstance(ent, dict) else None
    admins = owner_info.get("admins") if isinstance(owner_info, dict) else None
    if not isinstance(admins, dict):
        # GitHub answers ownerInfo null to a token that is not an enterprise admin.
        raise Unavailable(f"enterprise {enterprise}: no ownerInfo.admins in the answer (not visible to this token)")
    return admins
