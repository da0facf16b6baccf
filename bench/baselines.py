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
    "WHERE o.enterprise_id = {E} AND m.role IN ('owner','member') AND "
    + _HOLDS.format(a="m", NOW="{NOW}")
    + " AND "
    + _LIVE.format(u="u", E="{E}", NOW="{NOW}")
    + " "
    "UNION SELECT rc.user_id, NULL FROM repo_collaborators rc JOIN repositories r ON r.id = rc.repository_id "
    "JOIN users u ON u.id = rc.user_id "
    f"WHERE r.enterprise_id = {{E}} AND r.organization_id IS NOT NULL AND r.visibility IN {_PAID} AND NOT r.is_fork AND "
    + _HOLDS.format(a="rc", NOW="{NOW}")
    + " AND "
    + _LIVE.format(u="u", E="{E}", NOW="{NOW}")
    + " "
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
    + _LIVE.format(u="u", E="{E}", NOW="{NOW}")
    + " "
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
        "FROM commits c JOIN repositories r ON r.id = c.repository_id "
        + _AUTHOR
        + f"WHERE r.enterprise_id = {{E}} AND {enabled} AND r.visibility <> 'public' "
        "AND c.pushed_at > {START} AND c.pushed_at <= {NOW}) "
        "SELECT login, repo, last_pushed_date, email FROM pushes WHERE rn = 1 ORDER BY login, repo"
    )


def license_usage_sql(dialect: str) -> str:
    """The license usage CSV's 28 columns in one statement, with the whole seat rule.

    What a DBA would write from spec 2.1: one UNION ALL of the six consuming rules holding at
    {NOW} (members/owners, collaborators on private/internal repositories, pending
    invitations, server accounts, Visual Studio subscribers matched or known from a server),
    keyed per person ('user:<id>', 'server:<email>', 'invite:<email>'), then one grouped
    aggregate per multi-valued column, joined per person. Values are written as the report
    writes them (true/false, ISO dates, sorted ', '-joined lists, formula-neutralised text);
    only the CSV quoting is the client's (``sqlite3 -csv`` quotes more fields).
    """
    pg = dialect != "sqlite"
    c = ' COLLATE "C"' if pg else ""
    chr_ = "chr" if pg else "char"

    def agg(rows: str, *, byte_order: bool = True) -> str:
        """(pkey, v): per person the distinct values of ``rows`` (pkey, val), sorted, joined."""
        if pg:
            order = f"val{c}" if byte_order else "val"
            return (
                f"SELECT pkey, string_agg(val, ', ' ORDER BY {order}) AS v "
                f"FROM (SELECT DISTINCT pkey, val FROM ({rows}) a) b GROUP BY pkey"
            )
        return (
            "SELECT pkey, group_concat(val, ', ') AS v "
            f"FROM (SELECT DISTINCT pkey, val FROM ({rows}) a ORDER BY pkey, val) b GROUP BY pkey"
        )

    def safe(x: str) -> str:
        """CSV injection: a value starting like a formula gets a leading apostrophe."""
        return (
            f"CASE WHEN substr({x}, 1, 1) IN ('=', '+', '-', '@', {chr_}(9), {chr_}(13)) THEN '''' || {x} ELSE {x} END"
        )

    def flag(x: str) -> str:
        return f"CASE WHEN {x} THEN 'true' ELSE 'false' END"

    def day(x: str) -> str:
        return f"to_char({x}, 'YYYY-MM-DD')" if pg else f"date({x})"

    def holds(a: str) -> str:
        return f"{a}.started_at <= {{NOW}} AND ({a}.ended_at IS NULL OR {a}.ended_at > {{NOW}})"

    not_setup = "IS DISTINCT FROM" if pg else "IS NOT"

    def eligible(u: str) -> str:
        return (
            f"{u}.enterprise_id = {{E}} AND NOT {u}.is_bot AND ({u}.suspended_at IS NULL OR {u}.suspended_at > {{NOW}}) "
            f"AND {u}.id {not_setup} (SELECT setup_user_id FROM ent)"
        )

    def paid(r: str) -> str:
        return f"{r}.visibility IN ('private','internal') AND NOT {r}.is_fork"

    resolved = (
        "COALESCE(i.invitee_user_id, "
        "(SELECT x.id FROM users x WHERE x.enterprise_id = {E} AND x.login = i.invitee_login LIMIT 1), "
        "CASE WHEN i.repository_id IS NULL THEN (SELECT min(xe.user_id) FROM user_emails xe "
        "JOIN users x ON x.id = xe.user_id WHERE xe.email = i.invitee_email AND xe.verified "
        "AND x.enterprise_id = {E}) END)"
    )
    rules = (
        # members and owners
        "SELECT m.user_id AS user_id, NULL AS other_key, "
        "CASE m.role WHEN 'owner' THEN 'org_owner' ELSE 'org_member' END AS reason, m.started_at AS started_at, "
        "m.organization_id AS org_id, NULL AS repository_id, m.id AS source_id "
        "FROM org_memberships m JOIN users u ON u.id = m.user_id JOIN organizations o ON o.id = m.organization_id "
        f"WHERE o.enterprise_id = {{E}} AND m.role IN ('owner','member') AND {holds('m')} AND {eligible('u')} "
        # collaborators on the paid repositories of an organization
        "UNION ALL SELECT rc.user_id, NULL, 'outside_collaborator', rc.started_at, r.organization_id, r.id, rc.id "
        "FROM repo_collaborators rc JOIN users u ON u.id = rc.user_id JOIN repositories r ON r.id = rc.repository_id "
        f"WHERE r.enterprise_id = {{E}} AND r.organization_id IS NOT NULL AND {paid('r')} AND {holds('rc')} "
        f"AND {eligible('u')} "
        # pending invitations (none on a managed enterprise; org ones per the billing setting)
        "UNION ALL SELECT p.resolved, CASE WHEN p.resolved IS NULL THEN 'invite:' || p.invitee END, "
        "'pending_invitation', p.created_at, p.organization_id, p.repository_id, p.id FROM ("
        f"SELECT i.id, i.organization_id, i.repository_id, i.created_at, {resolved} AS resolved, "
        "COALESCE(i.invitee_email, i.invitee_login) AS invitee FROM invitations i "
        "JOIN organizations o ON o.id = i.organization_id LEFT JOIN repositories r ON r.id = i.repository_id "
        "WHERE o.enterprise_id = {E} AND NOT (SELECT managed FROM ent) "
        f"AND ((i.repository_id IS NOT NULL AND i.role = 'collaborator' AND {paid('r')}) "
        "OR ((SELECT org_invitations FROM ent) AND i.repository_id IS NULL AND i.role IN ('member','owner'))) "
        "AND ((i.status = 'pending' AND i.resolved_at IS NULL) OR i.resolved_at IS NOT NULL) "
        "AND i.created_at <= {NOW} AND (i.resolved_at IS NULL OR i.resolved_at > {NOW})"
        f") p LEFT JOIN users iu ON iu.id = p.resolved WHERE iu.id IS NULL OR ({eligible('iu')}) "
        # active server accounts: their matched cloud account, else one person per primary email
        "UNION ALL SELECT a.matched_user_id, CASE WHEN a.matched_user_id IS NULL THEN "
        "'server:' || COALESCE(a.primary_email, si.server_id || ':' || a.user_id) END, 'server_user', "
        "a.created_at, NULL, NULL, a.id FROM server_accounts a JOIN server_instances si ON si.id = a.server_instance_id "
        "WHERE si.enterprise_id = {E} AND NOT a.suspended AND NOT a.is_scim_setup_user AND a.created_at <= {NOW} "
        f"AND (a.matched_user_id IS NULL OR a.matched_user_id {not_setup} (SELECT setup_user_id FROM ent)) "
        # Visual Studio subscribers matched to a cloud account ...
        "UNION ALL SELECT v.matched_user_id, NULL, 'visual_studio', v.created_at, NULL, NULL, v.id "
        "FROM vs_subscriptions v JOIN users u ON u.id = v.matched_user_id "
        f"WHERE v.enterprise_id = {{E}} AND v.status = 'active' AND v.created_at <= {{NOW}} AND {eligible('u')} "
        # ... or known only from a server instance (GHES primary email = UPN)
        "UNION ALL SELECT NULL, 'server:' || v.subscriber_email, 'visual_studio', v.created_at, NULL, NULL, v.id "
        "FROM vs_subscriptions v WHERE v.enterprise_id = {E} AND v.status = 'active' AND v.matched_user_id IS NULL "
        "AND v.created_at <= {NOW} AND EXISTS (SELECT 1 FROM server_accounts a "
        "JOIN server_instances si ON si.id = a.server_instance_id WHERE si.enterprise_id = {E} "
        "AND a.primary_email = v.subscriber_email AND a.matched_user_id IS NULL AND NOT a.suspended "
        "AND NOT a.is_scim_setup_user)"
    )
    member, collab = "p.member = 1", "p.collaborator = 1"
    # an invitee whose email is an active subscription's UPN not matched yet
    vs_pending = (
        "(p.other_key LIKE 'invite:%' AND EXISTS (SELECT 1 FROM vs_subscriptions v WHERE v.enterprise_id = {E} "
        "AND v.subscriber_email = substr(p.other_key, 8) AND v.status = 'active' AND v.matched_user_id IS NULL))"
    )
    collaborator = "CASE WHEN (SELECT managed FROM ent) THEN 'Repository collaborator' ELSE 'Outside collaborator' END"
    owner_and_collaborator = "CASE WHEN (SELECT managed FROM ent) THEN 'Owner, Repository collaborator' ELSE 'Outside collaborator, Owner' END"
    return (
        "WITH ent AS MATERIALIZED (SELECT e.setup_user_id, e.data_residency, e.slug, "
        "e.account_type = 'managed' AS managed, (COALESCE((SELECT ep.billing FROM enterprise_products ep "
        "WHERE ep.enterprise_id = e.id AND ep.product = 'enterprise'), 'metered') = 'volume' "
        "OR e.pending_invites_consume_metered) AS org_invitations FROM enterprises e WHERE e.id = {E}), "
        "reasons AS MATERIALIZED (SELECT COALESCE('user:' || x.user_id, x.other_key) AS pkey, x.* "
        f"FROM ({rules}) x), "
        "people AS MATERIALIZED (SELECT pkey, min(user_id) AS user_id, min(other_key) AS other_key, "
        "min(started_at) AS started_at, max(CASE WHEN reason <> 'pending_invitation' THEN 1 ELSE 0 END) AS accepted, "
        "max(CASE WHEN reason = 'visual_studio' THEN 1 ELSE 0 END) AS vs, "
        "max(CASE WHEN reason IN ('org_owner','org_member') THEN 1 ELSE 0 END) AS member, "
        "max(CASE WHEN reason = 'outside_collaborator' THEN 1 ELSE 0 END) AS collaborator FROM reasons GROUP BY pkey), "
        "accounts AS MATERIALIZED (SELECT x.pkey, si.hostname || ':' || a.user_id AS id, a.primary_email, "
        "a.code_security_user, a.secret_protection_user FROM reasons x JOIN server_accounts a ON a.id = x.source_id "
        "JOIN server_instances si ON si.id = a.server_instance_id WHERE x.reason = 'server_user'), "
        # active committers: distinct (repository, author email) pushed in the window, resolved
        "committers AS MATERIALIZED (SELECT ue.user_id, max(CASE WHEN r.code_security_enabled THEN 1 ELSE 0 END) AS cs, "
        "max(CASE WHEN r.secret_protection_enabled THEN 1 ELSE 0 END) AS sp FROM (SELECT DISTINCT repository_id, "
        "author_email FROM commits WHERE pushed_at > {START} AND pushed_at <= {NOW} AND repository_id IN ("
        "SELECT id FROM repositories WHERE enterprise_id = {E} AND (code_security_enabled OR secret_protection_enabled) "
        "AND (visibility <> 'public' OR (SELECT data_residency FROM ent)))) c "
        "JOIN repositories r ON r.id = c.repository_id JOIN user_emails ue ON ue.email = c.author_email AND ue.verified "
        "JOIN users u ON u.id = ue.user_id AND NOT u.is_bot GROUP BY ue.user_id), "
        # a collaborator role only where the person is not a member of the repository's org
        "roles AS ("
        + agg(
            "SELECT pkey, val FROM (SELECT x.pkey, CASE WHEN x.reason IN ('org_owner','org_member') "
            "THEN o.login || ':' || CASE x.reason WHEN 'org_owner' THEN 'Owner' ELSE 'Member' END "
            "WHEN x.member_of_org = 0 THEN r.owner_login || '/' || r.name || ':Collaborator' END AS val "
            "FROM (SELECT pkey, reason, org_id, repository_id, max(CASE WHEN reason IN ('org_owner','org_member') "
            "THEN 1 ELSE 0 END) OVER (PARTITION BY pkey, org_id) AS member_of_org FROM reasons "
            "WHERE reason IN ('org_owner','org_member','outside_collaborator')) x "
            "LEFT JOIN organizations o ON o.id = x.org_id LEFT JOIN repositories r ON r.id = x.repository_id) y "
            "WHERE val IS NOT NULL"
        )
        + "), "
        "pending_orgs AS ("
        + agg(
            "SELECT x.pkey, o.login AS val FROM reasons x JOIN organizations o ON o.id = x.org_id "
            "WHERE x.reason = 'pending_invitation' AND x.repository_id IS NULL"
        )
        + "), "
        "domain_emails AS ("
        + agg(
            "SELECT p.pkey, e.email AS val FROM user_emails e JOIN people p ON p.user_id = e.user_id "
            "WHERE e.verified_domain AND e.verified",
            byte_order=False,
        )
        + "), "
        "server_ids AS (" + agg("SELECT pkey, id AS val FROM accounts") + "), "
        "server_emails AS ("
        + agg("SELECT pkey, primary_email AS val FROM accounts WHERE primary_email IS NOT NULL")
        + "), "
        "server_as AS ("
        + agg("SELECT pkey, id AS val FROM accounts WHERE code_security_user OR secret_protection_user")
        + "), "
        "server_cs AS (" + agg("SELECT pkey, id AS val FROM accounts WHERE code_security_user") + "), "
        "server_sp AS (" + agg("SELECT pkey, id AS val FROM accounts WHERE secret_protection_user") + "), "
        "server_n AS (SELECT pkey, count(*) AS n FROM accounts GROUP BY pkey), "
        # the first subscription by start (a person matched by several)
        "vs_email AS (SELECT pkey, val FROM (SELECT x.pkey, v.subscriber_email AS val, ROW_NUMBER() OVER ("
        "PARTITION BY x.pkey ORDER BY x.started_at, x.source_id) AS n FROM reasons x "
        "LEFT JOIN vs_subscriptions v ON v.id = x.source_id WHERE x.reason = 'visual_studio') a WHERE n = 1), "
        "owners AS (SELECT DISTINCT 'user:' || er.user_id AS pkey FROM enterprise_roles er "
        f"WHERE er.enterprise_id = {{E}} AND er.role = 'owner' AND {holds('er')}), "
        # cost center: the person's own assignment, else their enterprise team's (first created
        # first), else the oldest license-granting organization's; the first assignment holding
        "live_spans AS (SELECT s.id, s.cost_center_id, s.resource_type, s.resource_id, s.started_at "
        "FROM cost_center_resources s JOIN cost_centers cc ON cc.id = s.cost_center_id WHERE cc.enterprise_id = {E} "
        f"AND (cc.deleted_at IS NULL OR cc.deleted_at > {{NOW}}) AND {holds('s')}), "
        "by_user AS (SELECT resource_id AS user_id, cost_center_id AS cc FROM (SELECT s.*, ROW_NUMBER() OVER ("
        "PARTITION BY resource_id ORDER BY started_at, id) AS n FROM live_spans s WHERE resource_type = 'User') a "
        "WHERE n = 1), "
        "by_team AS (SELECT user_id, cc FROM (SELECT tm.user_id, s.cost_center_id AS cc, ROW_NUMBER() OVER ("
        "PARTITION BY tm.user_id ORDER BY tt.created_at, tt.id, s.started_at, s.id) AS n FROM team_members tm "
        "JOIN teams tt ON tt.id = tm.team_id AND tt.organization_id IS NULL "
        "JOIN live_spans s ON s.resource_type = 'Team' AND s.resource_id = tt.id) a WHERE n = 1), "
        "by_org AS (SELECT resource_id AS org_id, cost_center_id AS cc FROM (SELECT s.*, ROW_NUMBER() OVER ("
        "PARTITION BY resource_id ORDER BY started_at, id) AS n FROM live_spans s WHERE resource_type = 'Org') a "
        "WHERE n = 1), "
        "oldest_org AS (SELECT pkey, org_id FROM (SELECT x.pkey, x.org_id, ROW_NUMBER() OVER ("
        "PARTITION BY x.pkey ORDER BY o.created_at, o.id) AS n FROM reasons x "
        "JOIN organizations o ON o.id = x.org_id) a WHERE n = 1) "
        "SELECT "
        + safe(
            "COALESCE(u.login, CASE WHEN p.other_key LIKE 'invite:%' AND p.other_key NOT LIKE '%@%' "
            "THEN substr(p.other_key, 8) END)"
        )
        + ' AS "GitHub com login", '
        + safe("CASE WHEN p.accepted = 1 THEN u.name END")
        + ' AS "GitHub com name", '
        'sid.v AS "Enterprise server user ids", '
        + flag("p.user_id IS NOT NULL")
        + ' AS "GitHub com user", '
        + flag("sn.n > 0")
        + ' AS "Enterprise server user", '
        + flag("p.vs = 1")
        + ' AS "Visual studio subscription user", '
        "CASE WHEN p.vs = 1 THEN 'Visual Studio subscription' ELSE 'Enterprise' END AS \"License type\", "
        "CASE WHEN p.accepted = 1 AND u.login IS NOT NULL THEN CASE WHEN (SELECT data_residency FROM ent) "
        "THEN 'https://' || (SELECT slug FROM ent) || '.ghe.com/' || u.login "
        "ELSE 'https://github.com/' || u.login END END AS \"GitHub com profile\", "
        'ro.v AS "GitHub com member roles", '
        f"CASE WHEN ow.pkey IS NOT NULL THEN CASE WHEN {member} THEN 'Member, Owner' "
        f"WHEN {collab} THEN {owner_and_collaborator} ELSE 'Owner' END "
        f"WHEN {member} THEN 'Member' WHEN {collab} THEN {collaborator} END "
        'AS "GitHub com enterprise roles", '
        'de.v AS "GitHub com verified domain emails", ' + safe("u.saml_name_id") + ' AS "GitHub com saml name", '
        'po.v AS "GitHub com orgs with pending invites", '
        f'CASE WHEN u.two_factor IS NOT NULL THEN {flag("u.two_factor")} END AS "GitHub com two factor auth", '
        + day("u.two_factor_required_by")
        + ' AS "GitHub com two factor auth required by date", '
        + safe("cc.name")
        + ' AS "GitHub com cost center", '
        + flag("cm.cs = 1")
        + ' AS "GitHub com code security license user", '
        + flag("cm.sp = 1")
        + ' AS "GitHub com secret protection license user", '
        "'true' AS \"Ghe license active\", " + day("p.started_at") + ' AS "Ghe license start date", '
        'NULL AS "Ghe license end date", '
        'se.v AS "Enterprise server primary emails", '
        'sas.v AS "Enterprise server advanced security user ids", '
        'scs.v AS "Enterprise server code security user ids", '
        'ssp.v AS "Enterprise server secret protection user ids", '
        f"CASE WHEN p.vs = 1 THEN 'Matched' WHEN {vs_pending} THEN 'Pending Invitation' END "
        'AS "Visual studio license status", '
        + safe(f"CASE WHEN p.vs = 1 THEN ve.val WHEN {vs_pending} THEN substr(p.pkey, 8) END")
        + ' AS "Visual studio subscription email", '
        'CASE WHEN p.user_id IS NOT NULL THEN 1 ELSE 0 END + COALESCE(sn.n, 0) AS "Total user accounts" '
        "FROM people p LEFT JOIN users u ON u.id = p.user_id "
        "LEFT JOIN server_ids sid ON sid.pkey = p.pkey LEFT JOIN server_n sn ON sn.pkey = p.pkey "
        "LEFT JOIN roles ro ON ro.pkey = p.pkey LEFT JOIN owners ow ON ow.pkey = p.pkey "
        "LEFT JOIN domain_emails de ON de.pkey = p.pkey LEFT JOIN pending_orgs po ON po.pkey = p.pkey "
        "LEFT JOIN committers cm ON cm.user_id = p.user_id "
        "LEFT JOIN server_emails se ON se.pkey = p.pkey LEFT JOIN server_as sas ON sas.pkey = p.pkey "
        "LEFT JOIN server_cs scs ON scs.pkey = p.pkey LEFT JOIN server_sp ssp ON ssp.pkey = p.pkey "
        "LEFT JOIN vs_email ve ON ve.pkey = p.pkey "
        "LEFT JOIN oldest_org oo ON oo.pkey = p.pkey LEFT JOIN by_user bu ON bu.user_id = p.user_id "
        "LEFT JOIN by_team bt ON bt.user_id = p.user_id LEFT JOIN by_org bo ON bo.org_id = oo.org_id "
        "LEFT JOIN cost_centers cc ON cc.id = COALESCE(bu.cc, bt.cc, bo.cc) "
        f"ORDER BY u.login IS NULL, u.login{c}, p.other_key{c}"
    )


def totals_sql(dialect: str) -> str:
    """One query returning seats, SP committers, CS committers and Copilot seats."""

    def committers(product: str) -> str:
        return (
            "(SELECT COUNT(DISTINCT ue.user_id) FROM commits c JOIN repositories r ON r.id = c.repository_id "
            + _AUTHOR
            + f"WHERE r.enterprise_id = {{E}} AND r.{product}_enabled AND r.visibility <> 'public' "
            "AND c.pushed_at > {START} AND c.pushed_at <= {NOW})"
        )

    return (
        "WITH people AS MATERIALIZED (" + _SEAT_PEOPLE + "), "
        "live AS MATERIALIZED (SELECT user_id AS id FROM people WHERE user_id IS NOT NULL) "
        "SELECT (SELECT COUNT(*) FROM people) AS seats, "
        + committers("secret_protection")
        + " AS sp, "
        + committers("code_security")
        + " AS cs, "
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
