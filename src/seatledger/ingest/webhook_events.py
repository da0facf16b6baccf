"""What each GitHub webhook event means for the ledger (payloads as GitHub documents them).

- ``push``: every commit of the push, with ``pushed_at`` = the push time — the exact source for
  "pushed in the last 90 days". The time is ``repository.pushed_at`` of the payload, else the
  head commit's timestamp, else when the delivery arrived.
- ``organization``: ``member_added`` / ``member_removed`` start and end an org membership
  (``admin`` → owner); ``member_invited`` records a pending invitation.
- ``member``: a repository collaborator added or removed.
- ``membership``: a team membership added or removed.
- ``repository``: created, visibility changes (``publicized``/``privatized``/``edited``),
  Advanced Security settings when the payload carries ``security_and_analysis``, and
  ``deleted`` — the ledger keeps the row for history but the repository stops counting: its
  Advanced Security products are turned off and its collaborators ended.
Other events (and ``ping``) are acknowledged and ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from seatledger import validation
from seatledger.bots import is_bot_account
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import InvalidInput
from seatledger.ingest.report import ImportReport
from seatledger.ingest.timestamps import parse_timestamp

Payload = Mapping[str, Any]


def _obj(payload: Payload, key: str) -> Payload:
    value = payload.get(key)
    if not isinstance(value, Mapping):
        raise InvalidInput(f"the payload has no {key!r} object")
    return value


def _objects(payload: Payload, key: str) -> list[Payload]:
    """The list of objects at ``key`` (absent or null: none)."""
    value = payload.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
        raise InvalidInput(f"the payload's {key!r} must be a list of objects")
    return value


def _text(obj: Payload, key: str, what: str, max_length: int) -> str | None:
    """An optional string of the payload, within its limit."""
    return validation.text(obj.get(key), what, max_length=max_length, required=False)


def _login(account: Payload) -> str:
    login = account.get("login") or account.get("name")
    if not login:
        raise InvalidInput("an account in the payload has no login")
    return str(validation.text(login, "an account's login", max_length=validation.LOGIN_MAX))


def _org_id(ledger: Ledger, enterprise_id: int, payload: Payload, report: ImportReport) -> int | None:
    """The payload's organization in the ledger, added to the enterprise if new; None when the
    event is not about an organization (a user-namespace repository)."""
    org = payload.get("organization")
    if not isinstance(org, Mapping) or not org.get("login"):
        return None
    login = validation.text(org["login"], "the organization's login", max_length=validation.LOGIN_MAX)
    oid, outcome = ledger.upsert_org(enterprise_id, str(login))
    report.count("organization", outcome)
    return oid


def _products(repo: Payload) -> dict[str, bool]:
    """Advanced Security products from ``security_and_analysis`` when the payload carries it
    (legacy ``advanced_security`` turns on both)."""
    settings = repo.get("security_and_analysis")
    if not isinstance(settings, Mapping):
        return {}

    def on(key: str) -> bool:
        value = settings.get(key)
        return isinstance(value, Mapping) and value.get("status") == "enabled"

    ghas = on("advanced_security")
    return {"code_security": ghas or on("code_security"), "secret_protection": ghas or on("secret_scanning")}


def _user(ledger: Ledger, enterprise_id: int, account: Payload, at: dt.datetime, report: ImportReport) -> int:
    """The account of a user object; a bot (``"type": "Bot"`` or a ``[bot]`` login) is stored as
    one so it never consumes. A payload without ``type`` leaves the flag as it was."""
    login = _login(account)  # checked first: a login that is not a string is a 422, not a crash
    bot = is_bot_account(account)
    uid, outcome = ledger.upsert_user(enterprise_id, login, at=at, is_bot=True if bot else None)
    report.count("user", outcome)
    return uid


def _visibility(repo: Payload) -> str | None:
    vis = repo.get("visibility")
    if vis in ("public", "private", "internal"):
        return str(vis)
    if isinstance(repo.get("private"), bool):
        return "private" if repo["private"] else "public"
    return None


def _repo(ledger: Ledger, enterprise_id: int, payload: Payload, at: dt.datetime, report: ImportReport) -> int:
    repo = _obj(payload, "repository")
    name = validation.text(repo.get("name"), "the repository's name", max_length=validation.LOGIN_MAX)
    owner = _login(_obj(repo, "owner"))
    rid, outcome = ledger.upsert_repo(
        enterprise_id,
        owner,
        str(name),
        org_id=_org_id(ledger, enterprise_id, payload, report),
        visibility=_visibility(repo),
        is_fork=repo.get("fork") if isinstance(repo.get("fork"), bool) else None,
        created_at=parse_timestamp(repo.get("created_at")) or at,
        at=at,
        **_products(repo),
    )
    report.count("repository", outcome)
    return rid


def apply_push(
    ledger: Ledger, enterprise_id: int, payload: Payload, received: dt.datetime, report: ImportReport
) -> None:
    rid = _repo(ledger, enterprise_id, payload, received, report)
    repo = _obj(payload, "repository")
    head_commit = payload.get("head_commit")
    head = head_commit if isinstance(head_commit, Mapping) else {}
    pushed_at = parse_timestamp(repo.get("pushed_at")) or parse_timestamp(head.get("timestamp")) or received
    rows = []
    for i, commit in enumerate(_objects(payload, "commits")):
        author = commit.get("author") or {}
        if not isinstance(author, Mapping):
            raise InvalidInput(f"the author of commits[{i}] must be an object")
        sha = _text(commit, "id", f"the id of commits[{i}]", validation.SHA_MAX)
        email = _text(author, "email", f"the author email of commits[{i}]", validation.EMAIL_MAX)
        if not sha or not email:
            report.reject(str(sha or "?"), "a commit without an id or an author email")
            continue
        rows.append(
            {
                "sha": sha,
                "author_email": email,
                "author_name": _text(author, "name", f"the author name of commits[{i}]", validation.NAME_MAX),
                "author_date": parse_timestamp(commit.get("timestamp")) or pushed_at,
                "pushed_at": pushed_at,
            }
        )
    new = ledger.add_commits(rid, rows)
    report.count("commit", "created", new)
    report.count("commit", "unchanged", len(rows) - new)


def apply_organization(
    ledger: Ledger, enterprise_id: int, payload: Payload, received: dt.datetime, report: ImportReport
) -> None:
    action = payload.get("action")
    org_id = _org_id(ledger, enterprise_id, payload, report)
    if org_id is None:
        raise InvalidInput("an organization event without an organization")
    if action in ("member_added", "member_removed"):
        membership = _obj(payload, "membership")
        uid = _user(ledger, enterprise_id, _obj(membership, "user"), received, report)
        if action == "member_added":
            role = "owner" if membership.get("role") == "admin" else "member"
            report.count("membership", ledger.ensure_membership(org_id, uid, role, at=received, source="webhook"))
        else:
            ended = ledger.end_membership(org_id, uid, received)
            report.count("membership", "updated" if ended else "unchanged")
    elif action == "member_invited":
        invitation = _obj(payload, "invitation")
        role = {"admin": "owner", "direct_member": "member", "billing_manager": "billing_manager"}.get(
            str(invitation.get("role")), "member"
        )
        report.count(
            "invitation",
            ledger.upsert_invitation(
                org_id,
                role=role,
                login=_text(invitation, "login", "the invitee's login", validation.LOGIN_MAX),
                email=_text(invitation, "email", "the invitee's email", validation.EMAIL_MAX),
                created_at=parse_timestamp(invitation.get("created_at")) or received,
                at=received,
                source="webhook",
            ),
        )


def apply_member(
    ledger: Ledger, enterprise_id: int, payload: Payload, received: dt.datetime, report: ImportReport
) -> None:
    action = payload.get("action")
    if action not in ("added", "removed"):
        return
    rid = _repo(ledger, enterprise_id, payload, received, report)
    uid = _user(ledger, enterprise_id, _obj(payload, "member"), received, report)
    if action == "added":
        report.count("collaborator", ledger.ensure_collaborator(rid, uid, at=received, source="webhook"))
    else:
        ended = ledger.end_collaborator(rid, uid, received)
        report.count("collaborator", "updated" if ended else "unchanged")


def apply_membership(
    ledger: Ledger, enterprise_id: int, payload: Payload, received: dt.datetime, report: ImportReport
) -> None:
    action = payload.get("action")
    if action not in ("added", "removed"):
        return
    team = _obj(payload, "team")
    name = _text(team, "name", "the team's name", validation.NAME_MAX)
    slug = _text(team, "slug", "the team's slug", validation.LOGIN_MAX) or name
    if not slug:
        raise InvalidInput("the team in the payload has no slug")
    team_id, outcome = ledger.upsert_team(
        enterprise_id, _org_id(ledger, enterprise_id, payload, report), slug, name=name
    )
    report.count("team", outcome)
    uid = _user(ledger, enterprise_id, _obj(payload, "member"), received, report)
    report.count("team member", ledger.set_team_member(team_id, uid, action == "added"))


def apply_repository(
    ledger: Ledger, enterprise_id: int, payload: Payload, received: dt.datetime, report: ImportReport
) -> None:
    action = payload.get("action")
    rid = _repo(ledger, enterprise_id, payload, received, report)
    if action == "deleted":
        ledger.upsert_repo(
            enterprise_id, *_owner_name(payload), secret_protection=False, code_security=False, at=received
        )
        rc = t.repo_collaborators
        current = (
            ledger.conn.execute(
                sa.select(rc.c.user_id).where(rc.c.repository_id == rid, rc.c.ended_at.is_(None)).distinct()
            )
            .scalars()
            .all()
        )
        ended = sum(ledger.end_collaborator(rid, uid, received) for uid in current)  # each marks its person
        report.count("collaborator", "updated", ended)


def _owner_name(payload: Payload) -> tuple[str, str]:
    repo = _obj(payload, "repository")
    return _login(_obj(repo, "owner")), str(repo["name"])  # checked by _repo


HANDLERS = {
    "push": apply_push,
    "organization": apply_organization,
    "member": apply_member,
    "membership": apply_membership,
    "repository": apply_repository,
}


def apply_event(
    conn: Connection, enterprise_id: int, event: str, payload: Payload, received: dt.datetime
) -> ImportReport:
    """Write what ``event`` says into the ledger (the caller's transaction)."""
    report = ImportReport(source=f"webhook {event}")
    handler = HANDLERS.get(event)
    if handler is None:
        report.notes.append(f"event {event!r} ignored")
        return report
    ledger = Ledger(conn)
    handler(ledger, enterprise_id, payload, received, report)
    if report.changed:
        # Every write above named the people it touched: their intervals are derived at commit.
        ledger.bump_version(enterprise_id, intervals_changed=False)
    return report
