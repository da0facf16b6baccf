"""The baselines: the same answers obtained the most direct way, in hand-written SQL.

Each query is what a DBA would write against the ledger to get the report's rows or a
total, with the same window and the same seat rule as the engine (spec 2.1: org members and
owners, outside collaborators on private/internal repositories, pending invitations, server
accounts, Visual Studio subscribers; never bots, the setup user or suspended users), written
out as one UNION. ``{E}`` is the enterprise id, ``{NOW}``/``{START}`` the window as SQL
literals. The enterprise's settings (managed users, volume billing, pending invitations under
metered billing) are read from its rows, as the engine does.
"""

from __future__ import annotations

import datetime as dt

_HOLDS = "{a}.started_at <= {NOW} AND ({a}.ended_at IS NULL OR {a}.ended_at > {NOW})"
_PAID = "('private','internal')"
# A cloud account that can hold a seat now: in the enterprise, not a bot, not the setup user,
# not suspended.
_LIVE = (
    "{u}.enterprise_id = {E} AND NOT {u}.is_bot AND ({u}.suspended_at IS NULL OR {u}.suspended_at > {NOW}) "
    "AND {u}.id NOT IN (SELECT setup_user_id FROM enterprises WHERE id = {E} AND setup_user_id IS NOT NULL)"
)
_ORG_INVITES_CONSUME = (
    "(SELECT e.pending_invites_consume_metered OR EXISTS (SELECT 1 FROM enterprise_products p "
    "WHERE p.enterprise_id = {E} AND p.product = 'enterprise' AND p.billing = 'volume') FROM enterprises e WHERE e.id = {E})"
)

# Every person holding a seat now, as (user_id, other_key): a cloud account, or an unmatched
# server account ("server:<primary email>") or invitee ("invite:<email or login>").
_SEAT_PEOPLE = (
    "SELECT m.user_id AS user_id, NULL AS other_key FROM org_memberships m "
    "JOIN organizations o ON o.id = m.organization_id JOIN users u ON u.id = m.user_id "
    "WHERE o.enterprise_id = {E} AND m.role IN ('owner','member') AND " + _HOLDS.format(a="m", NOW="{NOW}")
    + " AND " + _LIVE.format(u="u", E="{E}", NOW="{NOW}") + " "
    "UNION SELECT rc.user_id, NULL FROM repo_collaborators rc JOIN repositories r ON r.id = rc.repository_id "
    "JOIN users u ON u.id = rc.user_id "
    f"WHERE r.enterprise_id = {{E}} AND r.organization_id IS NOT NULL AND r.visibility IN {_PAID} AND NOT r.is_fork AND "
    + _HOLDS.format(a="rc", NOW="{NOW}") + " AND " + _LIVE.format(u="u", E="{E}", NOW="{NOW}") + " "
    "UNION SELECT iv.uid, CASE WHEN iv.uid IS NULL THEN 'invite:' || iv.invitee END FROM ("
    "SELECT COALESCE(i.invitee_user_id, "
    "(SELECT u.id FROM users u WHERE u.enterprise_id = {E} AND u.login = i.invitee_login), "
    "CASE WHEN i.repository_id IS NULL THEN (SELECT MIN(ue.user_id) FROM user_emails ue JOIN users u ON u.id = ue.user_id "
    "WHERE ue.email = i.invitee_email AND ue.verified AND u.enterprise_id = {E}) END) AS uid, "
    "COALESCE(i.invitee_email, i.invitee_login) AS invitee "
    "FROM invitations i JOIN organizations o ON o.id = i.organization_id LEFT JOIN repositories r ON r.id = i.repository_id "
    "WHERE o.enterprise_id = {E} "
    "AND NOT EXISTS (SELECT 1 FROM enterprises e WHERE e.id = {E} AND e.account_type = 'managed') "
    f"AND ((i.repository_id IS NOT NULL AND i.role = 'collaborator' AND r.visibility IN {_PAID} AND NOT r.is_fork) "
    "OR (i.repository_id IS NULL AND i.role IN ('member','owner') AND " + _ORG_INVITES_CONSUME + ")) "
    "AND ((i.status = 'pending' AND i.resolved_at IS NULL) OR i.resolved_at IS NOT NULL) "
    "AND i.created_at <= {NOW} AND (i.resolved_at IS NULL OR i.resolved_at > {NOW})) iv "
    "LEFT JOIN users u ON u.id = iv.uid WHERE iv.uid IS NULL OR (" + _LIVE.format(u="u", E="{E}", NOW="{NOW}") + ") "
    "UNION SELECT sa.matched_user_id, CASE WHEN sa.matched_user_id IS NULL THEN "
    "'server:' || COALESCE(sa.primary_email, si.server_id || ':' || CAST(sa.user_id AS VARCHAR)) END "
    "FROM server_accounts sa JOIN server_instances si ON si.id = sa.server_instance_id "
    "WHERE si.enterprise_id = {E} AND NOT sa.suspended AND NOT sa.is_scim_setup_user AND sa.created_at <= {NOW} "
    "AND (sa.matched_user_id IS NULL OR sa.matched_user_id NOT IN "
    "(SELECT setup_user_id FROM enterprises WHERE id = {E} AND setup_user_id IS NOT NULL)) "
    "UNION SELECT u.id, NULL FROM vs_subscriptions v JOIN users u ON u.id = v.matched_user_id "
    "WHERE v.enterprise_id = {E} AND v.status = 'active' AND v.created_at <= {NOW} AND "
    + _LIVE.format(u="u", E="{E}", NOW="{NOW}") + " "
    "UNION SELECT NULL, 'server:' || v.subscriber_email FROM vs_subscriptions v "
    "WHERE v.enterprise_id = {E} AND v.status = 'active' AND v.matched_user_id IS NULL AND v.created_at <= {NOW} "
    "AND EXISTS (SELECT 1 FROM server_accounts sa JOIN server_instances si ON si.id = sa.server_instance_id "
    "WHERE si.enterprise_id = {E} AND sa.primary_email = v.subscriber_email AND sa.matched_user_id IS NULL "
    "AND NOT sa.suspended AND NOT sa.is_scim_setup_user)"
)

# The cloud accounts among them (their user ids).
_SEAT_HOLDERS = "SELECT user_id AS id FROM (" + _SEAT_PEOPLE + ") people WHERE user_id IS NOT NULL"

# The live seat holders' user ids (the name the queries below and license_usage_sql use).
_LIVE_USERS = _SEAT_HOLDERS

# A commit's author: the seat holder with that verified email, in the enterprise and not a bot.
_AUTHOR = (
    "JOIN user_emails ue ON ue.email = c.author_email AND ue.verified "
    "JOIN users u ON u.id = ue.user_id AND u.enterprise_id = {E} AND NOT u.is_bot JOIN live ON live.id = ue.user_id "
)


def advanced_security_sql(product: str, dialect: str) -> str:
    day = "date(c.author_date)" if dialect == "sqlite" else "c.author_date::date"
    enabled = f"r.{product}_enabled"
    return (
        "WITH live AS MATERIALIZED (" + _LIVE_USERS + "), "
        "pushes AS (SELECT u.login AS login, r.owner_login || '/' || r.name AS repo, "
        f"{day} AS last_pushed_date, c.author_email AS email, "
        "ROW_NUMBER() OVER (PARTITION BY c.repository_id, u.id ORDER BY c.author_date DESC, c.sha DESC) AS rn "
        "FROM commits c JOIN repositories r ON r.id = c.repository_id " + _AUTHOR +
        f"WHERE r.enterprise_id = {{E}} AND {enabled} AND r.visibility <> 'public' "
        "AND c.pushed_at > {START} AND c.pushed_at <= {NOW}) "
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
            "(SELECT COUNT(DISTINCT ue.user_id) FROM commits c JOIN repositories r ON r.id = c.repository_id " + _AUTHOR +
            f"WHERE r.enterprise_id = {{E}} AND r.{product}_enabled AND r.visibility <> 'public' "
            "AND c.pushed_at > {START} AND c.pushed_at <= {NOW})"
        )

    return (
        "WITH people AS MATERIALIZED (" + _SEAT_PEOPLE + "), "
        "live AS MATERIALIZED (SELECT user_id AS id FROM people WHERE user_id IS NOT NULL) "
        "SELECT (SELECT COUNT(*) FROM people) AS seats, "
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
