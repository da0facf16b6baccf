"""GitHub's nested account objects (simple-user, organization-simple, team, enterprise-team).

Copilot seats name people, organizations and teams; GitHub nests full objects with ids,
``node_id`` and URLs. URLs point at this server's API root, like a GitHub Enterprise Server's
``HOSTNAME/api/v3``; ``node_id`` uses GitHub's legacy base64 form (``04:User42``).
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import Iterable

import sqlalchemy as sa
from fastapi import Request
from sqlalchemy.engine import Connection

from seatledger.api.schemas import EnterpriseTeam, OrganizationSimple, SimpleUser, Team
from seatledger.db import tables as t


@dataclass(frozen=True)
class Urls:
    """Where this server's API and pages live, as the client reached them."""

    api: str  # e.g. http://127.0.0.1:8000/api/v3
    html: str  # e.g. http://127.0.0.1:8000

    @classmethod
    def of(cls, request: Request) -> "Urls":
        html = f"{request.url.scheme}://{request.url.netloc}"
        return cls(api=html + request.app.state.api_prefix, html=html)


def node_id(kind: str, number: int) -> str:
    prefix = {"User": "04", "Organization": "012", "Team": "04"}[kind]
    return base64.b64encode(f"{prefix}:{kind}{number}".encode()).decode()


def simple_user(urls: Urls, user_id: int, login: str, name: str | None = None) -> SimpleUser:
    api = f"{urls.api}/users/{login}"
    return SimpleUser(
        name=name,
        email=None,
        login=login,
        id=user_id,
        node_id=node_id("User", user_id),
        avatar_url=f"{urls.html}/avatars/u/{user_id}",
        gravatar_id="",
        url=api,
        html_url=f"{urls.html}/{login}",
        followers_url=f"{api}/followers",
        following_url=f"{api}/following{{/other_user}}",
        gists_url=f"{api}/gists{{/gist_id}}",
        starred_url=f"{api}/starred{{/owner}}{{/repo}}",
        subscriptions_url=f"{api}/subscriptions",
        organizations_url=f"{api}/orgs",
        repos_url=f"{api}/repos",
        events_url=f"{api}/events{{/privacy}}",
        received_events_url=f"{api}/received_events",
        type="User",
        site_admin=False,
    )


def organization_simple(urls: Urls, org_id: int, login: str) -> OrganizationSimple:
    api = f"{urls.api}/orgs/{login}"
    return OrganizationSimple(
        login=login,
        id=org_id,
        node_id=node_id("Organization", org_id),
        url=api,
        repos_url=f"{api}/repos",
        events_url=f"{api}/events",
        hooks_url=f"{api}/hooks",
        issues_url=f"{api}/issues",
        members_url=f"{api}/members{{/member}}",
        public_members_url=f"{api}/public_members{{/member}}",
        avatar_url=f"{urls.html}/avatars/o/{org_id}",
        description=None,
    )


def organization_ids(conn: Connection, logins: Iterable[str]) -> dict[str, int]:
    """Ids of the named organizations (one query for a page of seats)."""
    wanted = sorted(set(logins))
    if not wanted:
        return {}
    o = t.organizations
    return {row.login: row.id for row in conn.execute(sa.select(o.c.login, o.c.id).where(o.c.login.in_(wanted)))}


@dataclass(frozen=True)
class TeamRow:
    id: int
    slug: str
    name: str
    organization_id: int | None
    organization_login: str | None
    created_at: dt.datetime


def teams_by_slug(conn: Connection, enterprise_id: int, slugs: Iterable[str]) -> list[TeamRow]:
    """The enterprise's teams (organization and enterprise teams) with these slugs."""
    wanted = sorted(set(slugs))
    if not wanted:
        return []
    tm, o = t.teams, t.organizations
    rows = conn.execute(
        sa.select(tm.c.id, tm.c.slug, tm.c.name, tm.c.organization_id, o.c.login, tm.c.created_at)
        .select_from(tm.outerjoin(o, o.c.id == tm.c.organization_id))
        .where(tm.c.enterprise_id == enterprise_id, tm.c.slug.in_(wanted))
    )
    return [TeamRow(r.id, r.slug, r.name, r.organization_id, r.login, r.created_at) for r in rows]


def team_object(urls: Urls, team: TeamRow, enterprise_slug: str) -> Team | EnterpriseTeam:
    """An organization's team as GitHub's ``team``; an enterprise team as ``enterprise-team``."""
    if team.organization_id is None:
        api = f"{urls.api}/enterprises/{enterprise_slug}/teams/{team.slug}"
        return EnterpriseTeam(
            id=team.id,
            name=team.name,
            slug=team.slug,
            url=api,
            group_id=None,
            html_url=f"{urls.html}/enterprises/{enterprise_slug}/teams/{team.slug}",
            members_url=f"{api}/memberships{{/member}}",
            created_at=team.created_at,
            updated_at=team.created_at,
        )
    api = f"{urls.api}/organizations/{team.organization_id}/team/{team.id}"
    return Team(
        id=team.id,
        node_id=node_id("Team", team.id),
        name=team.name,
        slug=team.slug,
        description=None,
        permission="pull",
        url=api,
        html_url=f"{urls.html}/orgs/{team.organization_login}/teams/{team.slug}",
        members_url=f"{api}/members{{/member}}",
        repositories_url=f"{api}/repos",
        type="organization",
        organization_id=team.organization_id,
    )
