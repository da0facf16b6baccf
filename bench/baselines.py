"""The baselines: the same answers obtained the most direct way, in hand-written SQL.

Each query is what a DBA would write against the ledger to get the report's rows or a
total, with the same window and the same seat rule reduced to its core (members, owners and
outside collaborators on private repositories holding now; not suspended; not bots).
``{E}`` is the enterprise id, ``{NOW}``/``{START}`` the window as SQL literals.
"""

from __future__ import annotations

import datetime as dt

_HOLDS = "{a}.started_at <= {NOW} AND ({a}.ended_at IS NULL OR {a}.ended_at > {NOW})"

_SEAT_HOLDERS = (
    "SELECT m.user_id FROM org_memberships m JOIN organizations o ON o.id = m.organization_id "
    "WHERE o.enterprise_id = {E} AND m.role IN ('owner','member') AND " + _HOLDS.format(a="m", NOW="{NOW}") + " "
    "UNION SELECT rc.user_id FROM repo_collaborators rc JOIN repositories r ON r.id = rc.repository_id "
    "WHERE r.enterprise_id = {E} AND r.visibility <> 'public' AND NOT r.is_fork AND "
    + _HOLDS.format(a="rc", NOW="{NOW}")
)

_LIVE_USERS = (
    "SELECT u.id FROM users u WHERE u.enterprise_id = {E} AND NOT u.is_bot "
    "AND (u.suspended_at IS NULL OR u.suspended_at > {NOW}) AND u.id IN (" + _SEAT_HOLDERS + ")"
)


def advanced_security_sql(product: str, dialect: str) -> str:
    day = "date(c.author_date)" if dialect == "sqlite" else "c.author_date::date"
    enabled = f"r.{product}_enabled"
    return (
        "WITH live AS MATERIALIZED (" + _LIVE_USERS + "), "
        "pushes AS (SELECT u.login AS login, r.owner_login || '/' || r.name AS repo, "
        f"{day} AS last_pushed_date, c.author_email AS email, "
        "ROW_NUMBER() OVER (PARTITION BY c.repository_id, u.id ORDER BY c.author_date DESC, c.sha DESC) AS rn "
        "FROM commits c JOIN repositories r ON r.id = c.repository_id "
        f"JOIN user_emails ue ON ue.email = c.author_email AND ue.verified "
        "JOIN users u ON u.id = ue.user_id "
        f"WHERE r.enterprise_id = {{E}} AND {enabled} AND r.visibility <> 'public' "
        "AND c.pushed_at > {START} AND c.pushed_at <= {NOW} AND +ue.user_id IN (SELECT id FROM live)) "
        "SELECT login, repo, last_pushed_date, email FROM pushes WHERE rn = 1 ORDER BY login, repo"
    )


def license_usage_sql(dialect: str) -> str:
    agg = (lambda expr: f"group_concat({expr}, ', ')") if dialect == "sqlite" else (
        lambda expr: f"string_agg({expr}, ', ')"
    )
    role = "CASE m.role WHEN 'owner' THEN 'Owner' ELSE 'Member' END"
    roles = agg("o.login || ':' || " + role)
    return (
        "WITH live AS MATERIALIZED (" + _LIVE_USERS + ") "
        "SELECT u.login, u.name, "
        f"(SELECT {roles} "
        "FROM org_memberships m JOIN organizations o ON o.id = m.organization_id "
        "WHERE m.user_id = u.id AND m.role IN ('owner','member') AND " + _HOLDS.format(a="m", NOW="{NOW}") + ") AS roles, "
        f"(SELECT {agg('e.email')} FROM user_emails e WHERE e.user_id = u.id AND e.verified_domain) AS domain_emails, "
        "u.saml_name_id, u.two_factor "
        "FROM users u JOIN live ON live.id = u.id ORDER BY u.login"
    )


def totals_sql(dialect: str) -> str:
    """One query returning seats, SP committers, CS committers and Copilot seats."""

    def committers(product: str) -> str:
        return (
            "(SELECT COUNT(DISTINCT ue.user_id) FROM commits c JOIN repositories r ON r.id = c.repository_id "
            "JOIN user_emails ue ON ue.email = c.author_email AND ue.verified JOIN live ON live.id = ue.user_id "
            f"WHERE r.enterprise_id = {{E}} AND r.{product}_enabled AND r.visibility <> 'public' "
            "AND c.pushed_at > {START} AND c.pushed_at <= {NOW})"
        )

    return (
        "WITH live AS MATERIALIZED (" + _LIVE_USERS + ") "
        "SELECT (SELECT COUNT(*) FROM live) AS seats, "
        + committers("secret_protection") + " AS sp, " + committers("code_security") + " AS cs, "
        "(SELECT COUNT(DISTINCT cs.user_id) FROM copilot_seats cs JOIN organizations o ON o.id = cs.organization_id "
        "WHERE o.enterprise_id = {E} AND cs.created_at <= {NOW} AND (cs.ended_at IS NULL OR cs.ended_at > {NOW})) AS copilot"
    )


def fill(sql: str, enterprise_id: int, now: dt.datetime, window_days: int = 90) -> str:
    start = now - dt.timedelta(days=window_days)
    return (
        sql.replace("{E}", str(enterprise_id))
        .replace("{NOW}", f"'{now:%Y-%m-%d %H:%M:%S}'")
        .replace("{START}", f"'{start:%Y-%m-%d %H:%M:%S}'")
    )
