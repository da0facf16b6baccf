"""``seatledger sync github``: read an enterprise from a GitHub REST API into the ledger.

Resources, in order (each page written in its own transaction with its checkpoint):

1. ``GET /enterprises/{e}/license-sync-status`` — server instances (hostname → Server ID);
2. ``GET /enterprises/{e}/consumed-licenses`` — people, their org roles (``org:Owner``,
   ``org:Member``, ``ORG/REPO:Collaborator``), enterprise owners, pending invitations, server accounts and
   Visual Studio subscriptions (a listed VS or server email is recorded as a verified email of
   the person, since GitHub matched them; server accounts the sync listed and no longer
   lists are removed unless a server upload still lists them), and ``total_seats_purchased``; then
   ``GET /enterprises/{e}/settings/billing/advanced-security`` for
   ``purchased_advanced_security_committers`` (per product for standalone Code Security and
   Secret Protection plans). Purchased counts are recorded as purchases from the day of the sync
   (``licensing.purchases``), keeping the billing model already recorded;
3. enterprise owners and billing managers from GraphQL (``ownerInfo.admins``, see
   ``github_enterprise_roles``): a complete list starts the roles listed and ends the owner and
   billing-manager roles no longer listed; a refused or failed query changes no role;
4. per organization (``--org``, else every org named in step 2 or already in the ledger):
   ``members?role=admin`` and ``members?role=member`` (memberships not listed any more are
   ended unless another source still asserts them, see ``db/provenance.py``), ``invitations`` and
   ``failed_invitations`` (pending invitations not listed in either any more are cancelled
   unless another source still asserts them), ``repos`` (visibility and
   ``security_and_analysis``), ``repos/{org}/{repo}/collaborators?affiliation=outside`` for
   private and internal repositories, and ``copilot/billing/seats`` (seats not listed any more
   are ended; a seat's ``pending_cancellation_date`` ends it at the start of that date).

A resource the API does not offer (404) or not to this token (403/422) is skipped with a note:
seatledger's own API, for one, serves only the licensing endpoints, so a sync from it is built
from consumed-licenses and Copilot seats. An interrupted sync resumes: the next run continues
the same round, skipping finished resources and restarting a resource at its saved page.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.bots import is_bot_account, is_bot_login
from seatledger.db import tables as t
from seatledger.db import provenance
from seatledger.db.clock import utcnow
from seatledger.db.ledger import Ledger
from seatledger.db.ledger_access import invitation_key
from seatledger.errors import LedgerError, NotFound
from seatledger.ingest import identities
from seatledger.ingest.github_client import PER_PAGE, GitHubClient, Unavailable
from seatledger.ingest.github_enterprise_roles import read_enterprise_admins
from seatledger.ingest.rematch import rematch_enterprise
from seatledger.ingest.report import ImportReport
from seatledger.ingest.source_runs import record_failure, record_success
from seatledger.ingest.timestamps import parse_date, parse_timestamp
from seatledger.licensing.purchases import set_purchase

SOURCE = "github_api"
ENTERPRISE_ROLES = {"owner": "owner", "billing_manager": "billing_manager", "billing manager": "billing_manager"}
INVITATION_ROLES = {"admin": "owner", "direct_member": "member", "billing_manager": "billing_manager"}

PageHandler = Callable[[Ledger, list[Any]], list[str]]
DoneHandler = Callable[[Ledger, list[str]], None]
BodyHandler = Callable[[Ledger, Any], None]
ADVANCED_SECURITY_PRODUCTS = ("code_security", "secret_protection")


def _enabled(settings: Any, key: str) -> bool:
    return (
        isinstance(settings, dict) and isinstance(settings.get(key), dict) and settings[key].get("status") == "enabled"
    )


class GitHubSync:
    """One sync of one enterprise; see the module docstring for what it reads."""

    def __init__(
        self,
        engine: Engine,
        client: GitHubClient,
        enterprise: str,
        orgs: Sequence[str] = (),
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.client = client
        self.enterprise = enterprise
        self.orgs = tuple(orgs)
        self.progress = progress or (lambda _name: None)
        self.report = ImportReport(source=f"sync {client.api_url}")
        self.round_key = f"{client.api_url}|{enterprise}"
        self.round = 0
        self.enterprise_id = 0
        self.servers: dict[str, str] = {}  # hostname → Server ID
        self.now = utcnow()

    # -- rounds and checkpoints ----------------------------------------------------------
    def _start(self) -> None:
        with self.engine.begin() as conn:
            ledger = Ledger(conn)
            try:
                self.enterprise_id = ledger.enterprise_id(self.enterprise)
            except NotFound:
                self.enterprise_id = ledger.add_enterprise(self.enterprise)
                self.report.count("enterprise", "created")
            state = json.loads(ledger.ingest_checkpoint(SOURCE, self.round_key) or "{}")
            self.round = int(state.get("round", 0)) if state.get("running") else int(state.get("round", 0)) + 1
            if state.get("running"):
                self.report.notes.append(f"resuming the interrupted sync (round {self.round})")
            ledger.save_ingest_run(SOURCE, self.round_key, json.dumps({"round": self.round, "running": True}))

    def _finish(self) -> None:
        with self.engine.begin() as conn:
            ledger = Ledger(conn)
            rematch_enterprise(conn, self.enterprise_id, self.report)
            ledger.bump_version(self.enterprise_id)
            ledger.save_ingest_run(SOURCE, self.round_key, json.dumps({"round": self.round, "running": False}))
            record_success(conn, self.enterprise_id, "sync", self._covered(), at=self.now)

    def _covered(self) -> dict[str, Any]:
        """What this sync read: the API, its organizations and servers, and every resource it
        skipped (a partial sync says so rather than reading as an empty one)."""
        return {
            "api_url": self.client.api_url,
            "organizations": self._orgs(),
            "servers": sorted(self.servers),
            "skipped": [n.removeprefix("skipped ") for n in self.report.notes if n.startswith("skipped ")],
        }

    def _resource(
        self,
        name: str,
        url: str,
        params: dict[str, Any] | None,
        on_page: PageHandler,
        *,
        items_key: str | None = None,
        on_done: DoneHandler | None = None,
        on_body: BodyHandler | None = None,
    ) -> list[str] | None:
        """Read every page of a list resource, resuming at its checkpoint; returns what it saw
        (None when the API does not offer it)."""
        key = f"{self.round_key}|{name}"
        with self.engine.connect() as conn:
            cp = json.loads(Ledger(conn).ingest_checkpoint(SOURCE, key) or "{}")
        if cp.get("round") != self.round:
            cp = {}
        if cp.get("done"):
            done_seen: list[str] | None = cp.get("seen")
            return done_seen
        self.progress(name)
        seen: list[str] = list(cp.get("seen") or [])
        try:
            if cp.get("next"):
                page = self.client.page(cp["next"], items_key=items_key)
            else:
                page = self.client.page(url, {"per_page": PER_PAGE, **(params or {})}, items_key=items_key)
            while True:
                with self.engine.begin() as conn:
                    ledger = Ledger(conn)
                    seen.extend(on_page(ledger, page.items))
                    if on_body is not None:
                        on_body(ledger, page.body)
                    next_url = page.next_url
                    done = next_url is None
                    if done and on_done is not None:
                        on_done(ledger, seen)
                    ledger.save_ingest_run(
                        SOURCE, key, json.dumps({"round": self.round, "next": next_url, "done": done, "seen": seen})
                    )
                if next_url is None:
                    return seen
                page = self.client.page(next_url, items_key=items_key)
        except Unavailable as exc:
            self.report.notes.append(f"skipped {name}: {exc.message}")
            with self.engine.begin() as conn:
                Ledger(conn).save_ingest_run(SOURCE, key, json.dumps({"round": self.round, "done": True, "seen": None}))
            return None

    # -- helpers -------------------------------------------------------------------------
    def _user(self, ledger: Ledger, login: str, account: Any = None, **kw: Any) -> int:
        """The account by login; a bot (``"type": "Bot"`` on the user object ``account``, or a
        ``[bot]`` login) is stored as one, so it never consumes. Nothing here unmarks a bot:
        an API that leaves ``type`` out says nothing either way."""
        bot = is_bot_login(login) or (isinstance(account, dict) and is_bot_account(account))
        uid, outcome = ledger.upsert_user(self.enterprise_id, login, at=self.now, is_bot=True if bot else None, **kw)
        self.report.count("user", outcome)
        return uid

    def _org(self, ledger: Ledger, login: str) -> int:
        oid, outcome = ledger.upsert_org(self.enterprise_id, login)
        self.report.count("organization", outcome)
        return oid

    # -- enterprise resources ------------------------------------------------------------
    def sync_servers(self) -> None:
        try:
            body = self.client.get_json(f"enterprises/{self.enterprise}/license-sync-status")
        except Unavailable as exc:
            self.report.notes.append(f"skipped license-sync-status: {exc.message}")
            return
        with self.engine.begin() as conn:
            ledger = Ledger(conn)
            for server in body.get("server_instances") or []:
                if server.get("server_id") and server.get("hostname"):
                    self.servers[server["hostname"]] = server["server_id"]
                    _sid, outcome = ledger.upsert_server(self.enterprise_id, server["server_id"], server["hostname"])
                    self.report.count("server", outcome)

    def _consumed_page(self, ledger: Ledger, users: list[Any]) -> list[str]:
        """Returns the server accounts listed (``instance id:server user id``)."""
        accounts: list[str] = []
        for person in users:
            login = person.get("github_com_login")
            extra_emails: list[str] = []
            if person.get("visual_studio_subscription_email"):
                vs_email = str(person["visual_studio_subscription_email"]).lower()
                self.report.count(
                    "subscriber", ledger.upsert_vs_subscription(self.enterprise_id, vs_email, source="sync")
                )
                if person.get("visual_studio_license_status") == "Matched":
                    extra_emails.append(vs_email)
            server_emails = [str(e).lower() for e in person.get("enterprise_server_emails") or []]
            accounts += self._server_accounts(ledger, person.get("enterprise_server_user_ids") or [], server_emails)
            if not login:
                continue
            uid = self._user(
                ledger,
                login,
                name=person.get("github_com_name"),
                emails=[*(person.get("github_com_verified_domain_emails") or []), *extra_emails, *server_emails],
                two_factor=person.get("github_com_two_factor_auth"),
            )
            for role in person.get("github_com_member_roles") or []:
                self._member_role(ledger, uid, str(role))
            for role in person.get("github_com_enterprise_roles") or []:
                if str(role).lower() in ENTERPRISE_ROLES:
                    self.report.count(
                        "enterprise role",
                        ledger.ensure_enterprise_role(
                            self.enterprise_id, uid, ENTERPRISE_ROLES[str(role).lower()], at=self.now, source="sync"
                        ),
                    )
            for org in person.get("github_com_orgs_with_pending_invites") or []:
                self.report.count(
                    "invitation",
                    ledger.upsert_invitation(
                        self._org(ledger, org),
                        role="member",
                        login=login,
                        at=self.now,
                        source="sync",
                    ),
                )
        return accounts

    def _end_server_accounts_not_listed(self, ledger: Ledger, listed: list[str]) -> None:
        """The sync's own server accounts it lists no more (an account no source is recorded
        for is the server upload's to end: an enterprise without GitHub Connect lists none)."""
        sac, si = t.server_accounts, t.server_instances
        keep = set(listed)
        rows = ledger.conn.execute(
            sa.select(sac.c.id, sac.c.server_instance_id, sac.c.user_id)
            .join(si, si.c.id == sac.c.server_instance_id)
            .where(si.c.enterprise_id == self.enterprise_id, sac.c.id.in_(provenance.asserted_by(sac, "sync")))
        ).all()
        gone = [row.id for row in rows if f"{row.server_instance_id}:{row.user_id}" not in keep]
        self.report.count("server account removed", "updated", ledger.withdraw_server_accounts(gone, "sync"))

    def _purchased(self, ledger: Ledger, product: str, count: Any) -> None:
        """GitHub's purchased count of a product, recorded from today (the billing model kept)."""
        if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
            for outcome in set_purchase(
                ledger.conn, self.enterprise_id, product, purchased=count, effective_from=self.now.date(), source="sync"
            ).values():
                self.report.count("purchase", outcome)

    def _consumed_totals(self, ledger: Ledger, body: Any) -> None:
        if isinstance(body, dict):
            self._purchased(ledger, "enterprise", body.get("total_seats_purchased"))

    def sync_advanced_security_purchases(self) -> None:
        """``purchased_advanced_security_committers``: one answer for a combined (or legacy GHAS)
        plan, else one per product (standalone plans require ``advanced_security_product``)."""
        url = f"enterprises/{self.enterprise}/settings/billing/advanced-security"
        try:
            body = self.client.get_json(url, {"per_page": 1})
            answers = {p: body for p in ADVANCED_SECURITY_PRODUCTS}
        except Unavailable:
            answers = {}
            for product in ADVANCED_SECURITY_PRODUCTS:
                try:
                    answers[product] = self.client.get_json(url, {"advanced_security_product": product, "per_page": 1})
                except Unavailable as exc:
                    self.report.notes.append(f"skipped advanced-security ({product}): {exc.message}")
        with self.engine.begin() as conn:
            ledger = Ledger(conn)
            for product, body in answers.items():
                if isinstance(body, dict):
                    self._purchased(ledger, product, body.get("purchased_advanced_security_committers"))

    def sync_enterprise_roles(self) -> None:
        """Owners and billing managers as GitHub lists them now. Only a whole list ends roles:
        a query GitHub refuses (not GraphQL, not an enterprise admin's token) is noted and
        every role stays as it was."""
        try:
            listed = read_enterprise_admins(self.client, self.enterprise)
        except Unavailable as exc:
            self.report.notes.append(f"skipped enterprise owners and billing managers: {exc.message}")
            return
        er = t.enterprise_roles
        with self.engine.begin() as conn:
            ledger = Ledger(conn)
            keep: set[tuple[int, str]] = set()
            for login, role in listed:
                uid = self._user(ledger, login)
                keep.add((uid, role))
                self.report.count(
                    "enterprise role",
                    ledger.ensure_enterprise_role(self.enterprise_id, uid, role, at=self.now, source="sync"),
                )
            held = conn.execute(
                sa.select(er.c.user_id, er.c.role).where(
                    er.c.enterprise_id == self.enterprise_id, er.c.ended_at.is_(None)
                )
            ).all()
            for uid, role in held:
                if (uid, role) not in keep and ledger.withdraw_enterprise_role(
                    self.enterprise_id, uid, role, "sync", at=self.now
                ):
                    self.report.count("enterprise role", "updated")

    def _member_role(self, ledger: Ledger, uid: int, role: str) -> None:
        place, _, kind = role.rpartition(":")
        if "/" in place and kind.lower() == "collaborator":
            org, _, repo = place.partition("/")
            rid, outcome = ledger.upsert_repo(self.enterprise_id, org, repo, org_id=self._org(ledger, org))
            self.report.count("repository", outcome)
            self.report.count("collaborator", ledger.ensure_collaborator(rid, uid, at=self.now, source="sync"))
        elif place and kind.lower() in ("owner", "member"):
            self.report.count(
                "membership",
                ledger.ensure_membership(self._org(ledger, place), uid, kind.lower(), at=self.now, source="sync"),
            )

    def _server_accounts(self, ledger: Ledger, ids: Iterable[str], emails: list[str]) -> list[str]:
        listed = []
        for ref in ids:
            host, _, number = str(ref).rpartition(":")
            if not host or not number.isdigit():
                continue
            server_id = self.servers.get(host) or f"sync-{host}"
            instance_id, outcome = ledger.upsert_server(self.enterprise_id, server_id, host)
            self.report.count("server", outcome)
            primary = emails[0] if emails else None
            login = (identities.login_from_identity(primary) if primary else None) or f"user{number}"
            self.report.count(
                "server account",
                ledger.upsert_server_account(
                    instance_id,
                    int(number),
                    login,
                    primary_email=primary,
                    other_emails=emails[1:],
                    source="sync",
                ),
            )
            listed.append(f"{instance_id}:{int(number)}")
        return listed

    # -- organization resources ----------------------------------------------------------
    def _members_page(self, org_id: int, role: str) -> PageHandler:
        def handle(ledger: Ledger, members: list[Any]) -> list[str]:
            logins = []
            for m in members:
                uid = self._user(ledger, m["login"], m)
                self.report.count("membership", ledger.ensure_membership(org_id, uid, role, at=self.now, source="sync"))
                logins.append(m["login"])
            return logins

        return handle

    def _end_memberships_not_listed(self, org_id: int, listed: set[str]) -> None:
        m, u = t.org_memberships, t.users
        with self.engine.begin() as conn:
            ledger = Ledger(conn)
            rows = conn.execute(
                sa.select(u.c.id, u.c.login)
                .join(m, m.c.user_id == u.c.id)
                .where(m.c.organization_id == org_id, m.c.ended_at.is_(None), m.c.role.in_(("owner", "member")))
            ).all()
            for uid, login in rows:
                if login not in listed and ledger.withdraw_membership(org_id, uid, "sync", self.now):
                    self.report.count("membership", "updated")

    def _invitations_page(self, org_id: int, status: str) -> PageHandler:
        def handle(ledger: Ledger, invitations: list[Any]) -> list[str]:
            keys = []
            for inv in invitations:
                if not (inv.get("login") or inv.get("email")):
                    continue
                role = INVITATION_ROLES.get(str(inv.get("role")), "member")
                self.report.count(
                    "invitation",
                    ledger.upsert_invitation(
                        org_id,
                        role=role,
                        login=inv.get("login"),
                        email=inv.get("email"),
                        status=status,
                        created_at=parse_timestamp(inv.get("created_at")),
                        at=parse_timestamp(inv.get("failed_at")) or self.now,
                        source="sync",
                    ),
                )
                keys.append(invitation_key(role, inv.get("login"), inv.get("email")))
            return keys

        return handle

    def _end_invitations_not_listed(self, org_id: int, listed: set[str]) -> None:
        """The org's pending invitations (not a repository's) listed neither pending nor failed."""
        i = t.invitations
        with self.engine.begin() as conn:
            ledger = Ledger(conn)
            rows = conn.execute(
                sa.select(i.c.id, i.c.role, i.c.invitee_login, i.c.invitee_email).where(
                    i.c.organization_id == org_id,
                    i.c.repository_id.is_(None),
                    i.c.status == "pending",
                    i.c.resolved_at.is_(None),
                )
            ).all()
            for row in rows:
                if invitation_key(
                    row.role, row.invitee_login, row.invitee_email
                ) not in listed and ledger.withdraw_invitation(row.id, "sync", self.now):
                    self.report.count("invitation", "updated")

    def _repos_page(self, org: str, org_id: int) -> PageHandler:
        def handle(ledger: Ledger, repos: list[Any]) -> list[str]:
            private = []
            for repo in repos:
                visibility = repo.get("visibility") or ("private" if repo.get("private") else "public")
                security = repo.get("security_and_analysis")
                ghas = _enabled(security, "advanced_security")
                known = isinstance(security, dict)
                rid, outcome = ledger.upsert_repo(
                    self.enterprise_id,
                    org,
                    repo["name"],
                    org_id=org_id,
                    visibility=visibility,
                    code_security=(ghas or _enabled(security, "code_security")) if known else None,
                    secret_protection=(ghas or _enabled(security, "secret_scanning")) if known else None,
                    is_fork=bool(repo.get("fork")),
                    created_at=parse_timestamp(repo.get("created_at")),
                    at=self.now,
                )
                self.report.count("repository", outcome)
                if visibility != "public" and not repo.get("fork"):
                    private.append(repo["name"])
            return private

        return handle

    def _collaborators(self, org: str, repo: str) -> None:
        r = t.repositories
        with self.engine.connect() as conn:
            rid = conn.execute(
                sa.select(r.c.id).where(
                    r.c.enterprise_id == self.enterprise_id, r.c.owner_login == org, r.c.name == repo
                )
            ).scalar_one()

        def handle(ledger: Ledger, people: list[Any]) -> list[str]:
            for person in people:
                uid = self._user(ledger, person["login"], person)
                self.report.count("collaborator", ledger.ensure_collaborator(rid, uid, at=self.now, source="sync"))
            return [p["login"] for p in people]

        def done(ledger: Ledger, listed: list[str]) -> None:
            rc, u = t.repo_collaborators, t.users
            for uid, login in ledger.conn.execute(
                sa.select(u.c.id, u.c.login)
                .join(rc, rc.c.user_id == u.c.id)
                .where(rc.c.repository_id == rid, rc.c.ended_at.is_(None))
            ).all():
                if login not in set(listed) and ledger.withdraw_collaborator(rid, uid, "sync", self.now):
                    self.report.count("collaborator", "updated")

        self._resource(
            f"repos/{org}/{repo}/collaborators",
            f"repos/{org}/{repo}/collaborators",
            {"affiliation": "outside"},
            handle,
            on_done=done,
        )

    def _seats_page(self, org_id: int) -> PageHandler:
        def handle(ledger: Ledger, seats: list[Any]) -> list[str]:
            logins = []
            for seat in seats:
                assignee = seat.get("assignee") or {}
                if not assignee.get("login"):
                    continue
                uid = self._user(ledger, assignee["login"], assignee)
                plan = seat.get("plan_type") if seat.get("plan_type") in ("business", "enterprise") else "business"
                self.report.count(
                    "copilot seat",
                    ledger.upsert_copilot_seat(
                        org_id,
                        uid,
                        plan=plan,
                        created_at=parse_timestamp(seat.get("created_at")),
                        pending_cancellation_date=parse_date(seat.get("pending_cancellation_date")),
                        last_authenticated_at=parse_timestamp(seat.get("last_authenticated_at")),
                        last_activity_at=parse_timestamp(seat.get("last_activity_at")),
                        last_activity_editor=seat.get("last_activity_editor"),
                        at=self.now,
                        source="sync",
                    ),
                )
                logins.append(assignee["login"])
            return logins

        return handle

    def _end_seats_not_listed(self, org_id: int) -> DoneHandler:
        def done(ledger: Ledger, listed: list[str]) -> None:
            cs, u = t.copilot_seats, t.users
            keep = set(listed)
            # Seats still held: open, or pending a cancellation that has not yet taken effect.
            for seat_id, login in ledger.conn.execute(
                sa.select(cs.c.id, u.c.login)
                .join(u, u.c.id == cs.c.user_id)
                .where(cs.c.organization_id == org_id, sa.or_(cs.c.ended_at.is_(None), cs.c.ended_at > self.now))
            ).all():
                if login not in keep and ledger.withdraw_copilot_seat(seat_id, "sync", self.now):
                    self.report.count("copilot seat", "updated")

        return done

    def sync_org(self, org: str) -> None:
        with self.engine.begin() as conn:
            org_id = self._org(Ledger(conn), org)
        admins = self._resource(
            f"orgs/{org}/members?role=admin",
            f"orgs/{org}/members",
            {"role": "admin"},
            self._members_page(org_id, "owner"),
        )
        members = self._resource(
            f"orgs/{org}/members?role=member",
            f"orgs/{org}/members",
            {"role": "member"},
            self._members_page(org_id, "member"),
        )
        if admins is not None and members is not None:
            self._end_memberships_not_listed(org_id, set(admins) | set(members))
        pending = self._resource(
            f"orgs/{org}/invitations", f"orgs/{org}/invitations", None, self._invitations_page(org_id, "pending")
        )
        failed = self._resource(
            f"orgs/{org}/failed_invitations",
            f"orgs/{org}/failed_invitations",
            None,
            self._invitations_page(org_id, "failed"),
        )
        if pending is not None:
            self._end_invitations_not_listed(org_id, set(pending) | set(failed or ()))
        private = self._resource(
            f"orgs/{org}/repos", f"orgs/{org}/repos", {"type": "all"}, self._repos_page(org, org_id)
        )
        for repo in private or []:
            self._collaborators(org, repo)
        self._resource(
            f"orgs/{org}/copilot/billing/seats",
            f"orgs/{org}/copilot/billing/seats",
            None,
            self._seats_page(org_id),
            items_key="seats",
            on_done=self._end_seats_not_listed(org_id),
        )

    def _orgs(self) -> list[str]:
        if self.orgs:
            return list(self.orgs)
        o = t.organizations
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(o.c.login).where(o.c.enterprise_id == self.enterprise_id).order_by(o.c.login)
                ).scalars()
            )

    def run(self) -> ImportReport:
        """The whole sync; a failure is recorded as the source's last failure and raised on
        (each page committed so far stays, and the next run resumes after it)."""
        try:
            return self._run()
        except LedgerError as exc:
            if self.enterprise_id:
                record_failure(self.engine, self.enterprise_id, "sync", exc.message)
            raise

    def _run(self) -> ImportReport:
        self._start()
        self.sync_servers()
        self._resource(
            f"enterprises/{self.enterprise}/consumed-licenses",
            f"enterprises/{self.enterprise}/consumed-licenses",
            None,
            self._consumed_page,
            items_key="users",
            on_body=self._consumed_totals,
            on_done=self._end_server_accounts_not_listed,
        )
        self.sync_advanced_security_purchases()
        self.sync_enterprise_roles()
        for org in self._orgs():
            self.sync_org(org)
        self._finish()
        return self.report


def sync_github(
    engine: Engine,
    client: GitHubClient,
    enterprise: str,
    orgs: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Sync ``enterprise`` from the API ``client`` talks to (see the module docstring)."""
    return GitHubSync(engine, client, enterprise, orgs, progress).run()
