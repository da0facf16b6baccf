"""The ledger's tables (SQLAlchemy Core). Alembic revisions in ``db/migrations`` create them.

Time-bounded relations carry ``started_at`` and ``ended_at`` (NULL = still true), so the
counting engine can answer for any past instant: a row holds at ``as_of`` when
``started_at <= as_of`` and (``ended_at`` IS NULL or ``ended_at > as_of``). Removing
somebody sets ``ended_at``; rows are never deleted, which is what makes the license history.

All timestamps are naive UTC ``DateTime``; emails are stored lower-cased.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)

# The tables of each later area live in their own module on the same metadata; importing them
# here keeps ``metadata`` complete for the tests and for Alembic.
from seatledger.db import (  # noqa: F401
    tables_alerts,
    tables_api,
    tables_billing,
    tables_digests,
    tables_exports,
    tables_intervals,
    tables_reclaims,
    tables_sources,
    tables_web,
)

# ``metadata`` is re-exported: Alembic and the migrations take the complete one from here.
from seatledger.db.schema_base import id_column, metadata as metadata

# Products a license is counted for; the values are also the keys of enterprise_products.
PRODUCT_ENTERPRISE = "enterprise"
PRODUCT_SECRET_PROTECTION = "secret_protection"
PRODUCT_CODE_SECURITY = "code_security"
PRODUCT_COPILOT_BUSINESS = "copilot_business"
PRODUCT_COPILOT_ENTERPRISE = "copilot_enterprise"
PRODUCTS = (
    PRODUCT_ENTERPRISE,
    PRODUCT_SECRET_PROTECTION,
    PRODUCT_CODE_SECURITY,
    PRODUCT_COPILOT_BUSINESS,
    PRODUCT_COPILOT_ENTERPRISE,
)


enterprises = Table(
    "enterprises",
    metadata,
    id_column(),
    Column("slug", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    # 'personal' (users bring their own accounts) or 'managed' (EMU)
    Column("account_type", String(20), nullable=False, default="personal"),
    Column("data_residency", Boolean, nullable=False, default=False),
    Column("uses_saml", Boolean, nullable=False, default=False),
    # The docs disagree on whether pending org invitations consume under metered billing.
    Column("pending_invites_consume_metered", Boolean, nullable=False, default=True),
    # The user who set up the enterprise never consumes (spec 2.1).
    Column("setup_user_id", Integer, nullable=True),
    Column("webhook_secret", String(200), nullable=True),
    Column("created_at", DateTime, nullable=False),
)

enterprise_products = Table(
    "enterprise_products",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("product", String(40), nullable=False),
    Column("billing", String(20), nullable=False, default="metered"),  # metered | volume
    Column("purchased", Integer, nullable=False, default=0),
    Column("expires_at", Date, nullable=True),
    UniqueConstraint("enterprise_id", "product"),
)

organizations = Table(
    "organizations",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False, index=True),
    Column("login", String(100), nullable=False, unique=True),
    Column("name", String(200), nullable=True),
    Column("created_at", DateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("login", String(100), nullable=False),
    Column("name", String(200), nullable=True),
    Column("saml_name_id", String(320), nullable=True),
    Column("scim_user_name", String(320), nullable=True),
    Column("two_factor", Boolean, nullable=True),
    Column("two_factor_required_by", Date, nullable=True),
    Column("suspended_at", DateTime, nullable=True),
    Column("dormant", Boolean, nullable=False, default=False),
    Column("is_bot", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("enterprise_id", "login"),
)

# Matching a server account's primary email against SAML NameID / SCIM userName is
# case-insensitive, so it looks up ``lower(...)``: without these expression indexes a re-match
# of N accounts against N people is N x N (migration 0002_seat_indexes).
Index("ix_users_lower_saml_name_id", func.lower(users.c.saml_name_id))
Index("ix_users_lower_scim_user_name", func.lower(users.c.scim_user_name))

user_emails = Table(
    "user_emails",
    metadata,
    id_column(),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("email", String(320), nullable=False, index=True),
    Column("verified", Boolean, nullable=False, default=True),
    Column("is_primary", Boolean, nullable=False, default=False),
    Column("verified_domain", Boolean, nullable=False, default=False),
    UniqueConstraint("user_id", "email"),
)

enterprise_roles = Table(
    "enterprise_roles",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("role", String(30), nullable=False),  # owner | billing_manager
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
)

org_memberships = Table(
    "org_memberships",
    metadata,
    id_column(),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("role", String(30), nullable=False),  # owner | member | billing_manager
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
    Index("ix_org_memberships_org_user", "organization_id", "user_id"),
)

teams = Table(
    "teams",
    metadata,
    id_column(),
    Column("organization_id", ForeignKey("organizations.id"), nullable=True),
    # Enterprise teams have no organization.
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("slug", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("enterprise_id", "organization_id", "slug"),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", ForeignKey("teams.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)

repositories = Table(
    "repositories",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    # Set for org-owned repositories; NULL for user-namespace repositories (EMU).
    Column("organization_id", ForeignKey("organizations.id"), nullable=True, index=True),
    Column("owner_user_id", ForeignKey("users.id"), nullable=True),
    Column("owner_login", String(100), nullable=False),
    Column("name", String(100), nullable=False),
    Column("visibility", String(20), nullable=False),  # public | private | internal
    Column("is_fork", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("secret_protection_enabled", Boolean, nullable=False, default=False),
    Column("code_security_enabled", Boolean, nullable=False, default=False),
    UniqueConstraint("enterprise_id", "owner_login", "name"),
)

repo_collaborators = Table(
    "repo_collaborators",
    metadata,
    id_column(),
    Column("repository_id", ForeignKey("repositories.id"), nullable=False, index=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("permission", String(20), nullable=False, default="write"),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
)

invitations = Table(
    "invitations",
    metadata,
    id_column(),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False, index=True),
    # Set for repository-collaborator invitations.
    Column("repository_id", ForeignKey("repositories.id"), nullable=True),
    Column("role", String(30), nullable=False),  # member | owner | billing_manager | collaborator
    Column("invitee_login", String(100), nullable=True),
    Column("invitee_user_id", ForeignKey("users.id"), nullable=True),
    Column("invitee_email", String(320), nullable=True),
    Column("status", String(20), nullable=False, default="pending"),  # pending|failed|accepted|cancelled
    Column("created_at", DateTime, nullable=False),
    # When it was accepted, failed or cancelled; a pending invitation has none.
    Column("resolved_at", DateTime, nullable=True),
)

commits = Table(
    "commits",
    metadata,
    id_column(),
    Column("repository_id", ForeignKey("repositories.id"), nullable=False),
    Column("sha", String(64), nullable=False),
    Column("author_email", String(320), nullable=False),
    Column("author_name", String(200), nullable=True),
    Column("author_date", DateTime, nullable=False),
    Column("pushed_at", DateTime, nullable=False),
    UniqueConstraint("repository_id", "sha"),
    Index("ix_commits_pushed_at_repo", "pushed_at", "repository_id"),
)

# Every committer count starts by reducing the commits pushed in the 90-day window to distinct
# (repository, author email) pairs: with this index that is an index-only range scan per
# licensed repository, so a scope reads only its own commits (migration 0002_ghas_indexes).
Index("ix_commits_repo_pushed_email", commits.c.repository_id, commits.c.pushed_at, commits.c.author_email)

# A person's latest push to a repository (a row of the Advanced Security CSV and of the
# repository breakdowns): one backward probe per (author email, repository) instead of ranking
# every commit of the window. It also serves every look-up by author email, so it replaced the
# plain author_email index of 0001 (migration 0003_ghas_latest_push).
Index(
    "ix_commits_author_repo_latest",
    commits.c.author_email,
    commits.c.repository_id,
    commits.c.author_date,
    commits.c.sha,
    commits.c.pushed_at,
)

server_instances = Table(
    "server_instances",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("server_id", String(64), nullable=False, unique=True),
    Column("hostname", String(255), nullable=False),
    Column("version", String(40), nullable=True),
    Column("http_only", Boolean, nullable=False, default=False),
    Column("license_hash", String(200), nullable=True),
    Column("created_at", DateTime, nullable=False),
)

server_accounts = Table(
    "server_accounts",
    metadata,
    id_column(),
    Column("server_instance_id", ForeignKey("server_instances.id"), nullable=False),
    Column("user_id", Integer, nullable=False),  # the server's own numeric user id
    Column("login", String(100), nullable=False),
    Column("primary_email", String(320), nullable=True, index=True),
    Column("other_emails", Text, nullable=False, default=""),  # space-separated, lower-cased
    Column("suspended", Boolean, nullable=False, default=False),
    Column("dormant", Boolean, nullable=False, default=False),
    Column("site_admin", Boolean, nullable=False, default=False),
    Column("is_scim_setup_user", Boolean, nullable=False, default=False),
    Column("advanced_security_user", Boolean, nullable=False, default=False),
    Column("code_security_user", Boolean, nullable=False, default=False),
    Column("secret_protection_user", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    # Written by the matcher (licensing/matching.py), never by importers.
    Column("matched_user_id", ForeignKey("users.id"), nullable=True, index=True),
    Column("match_rule", String(30), nullable=True),  # saml | verified_email | None
    UniqueConstraint("server_instance_id", "user_id"),
)

license_sync_events = Table(
    "license_sync_events",
    metadata,
    id_column(),
    Column("server_instance_id", ForeignKey("server_instances.id"), nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("kind", String(30), nullable=False),  # upload | connect
    Column("status", String(20), nullable=False),  # success | failure
    Column("error", Text, nullable=True),
)

vs_subscriptions = Table(
    "vs_subscriptions",
    metadata,
    id_column(),
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("subscriber_email", String(320), nullable=False),  # the UPN, lower-cased
    Column("name", String(200), nullable=True),
    Column("level", String(100), nullable=True),
    Column("status", String(20), nullable=False, default="active"),  # active | inactive
    Column("created_at", DateTime, nullable=False),
    # Written by the matcher; a manual match sets match_rule='manual' and is kept.
    Column("matched_user_id", ForeignKey("users.id"), nullable=True, index=True),
    Column("match_rule", String(30), nullable=True),
    UniqueConstraint("enterprise_id", "subscriber_email"),
)

copilot_seats = Table(
    "copilot_seats",
    metadata,
    id_column(),
    Column("organization_id", ForeignKey("organizations.id"), nullable=False),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("assigning_team_id", ForeignKey("teams.id"), nullable=True),
    Column("plan", String(20), nullable=False),  # business | enterprise
    Column("created_at", DateTime, nullable=False),
    Column("pending_cancellation_date", Date, nullable=True),
    # When the seat stopped (revoked, or the pending cancellation took effect).
    Column("ended_at", DateTime, nullable=True),
    Column("last_authenticated_at", DateTime, nullable=True),
    Column("last_activity_at", DateTime, nullable=True),
    Column("last_activity_editor", String(200), nullable=True),
    Index("ix_copilot_seats_org_user", "organization_id", "user_id"),
    # One open seat per person and org, held by the database so two racing assignments cannot
    # both insert one (migration 0005).
    Index(
        "uq_copilot_seats_open_org_user",
        "organization_id",
        "user_id",
        unique=True,
        sqlite_where=text("ended_at IS NULL"),
        postgresql_where=text("ended_at IS NULL"),
    ),
)

cost_centers = Table(
    "cost_centers",
    metadata,
    Column("id", String(36), primary_key=True),  # uuid, as GitHub's
    Column("enterprise_id", ForeignKey("enterprises.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("azure_subscription", String(100), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("deleted_at", DateTime, nullable=True),
    # One active cost center per name and enterprise (migration 0005).
    Index(
        "uq_cost_centers_active_name",
        "enterprise_id",
        "name",
        unique=True,
        sqlite_where=text("deleted_at IS NULL"),
        postgresql_where=text("deleted_at IS NULL"),
    ),
)

cost_center_resources = Table(
    "cost_center_resources",
    metadata,
    id_column(),
    Column("cost_center_id", ForeignKey("cost_centers.id"), nullable=False, index=True),
    Column("resource_type", String(10), nullable=False),  # User | Org | Repo | Team
    Column("resource_id", Integer, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=True),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    id_column(),
    Column("user_id", ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex
    Column("prefix", String(12), nullable=False),
    Column("scopes", Text, nullable=False, default=""),  # comma-separated
    Column("note", String(200), nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
)

operators = Table(
    "operators",
    metadata,
    # Local sign-in for people in the ledger who may operate seatledger.
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("password_hash", String(200), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

ingest_runs = Table(
    "ingest_runs",
    metadata,
    id_column(),
    Column("source", String(40), nullable=False),  # git | webhook | github_api | server_usage ...
    Column("key", String(500), nullable=False),  # what was read: a repo path, a delivery id...
    Column("checkpoint", Text, nullable=True),  # the source's own resume point (a sha, a page)
    Column("finished_at", DateTime, nullable=False),
    UniqueConstraint("source", "key"),
)

ledger_versions = Table(
    "ledger_versions",
    metadata,
    # One row per enterprise, bumped by every write; caches key on it.
    Column("enterprise_id", ForeignKey("enterprises.id"), primary_key=True),
    Column("version", Integer, nullable=False, default=0),
)
