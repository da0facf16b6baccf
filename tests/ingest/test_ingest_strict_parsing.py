"""Importers read what the file says or refuse it: a JSON key given twice, a CSV column named
twice or a quote left open are rejected with the reason (and the line), and ``--create-people``
derives a login only from what is a GitHub login."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ingest_gitrepo import NOW, Repo
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.errors import ImportRejected
from seatledger.ingest.git import GitOptions, ingest_git
from seatledger.ingest.identities import login_from_identity
from seatledger.ingest.server_usage import ingest_server_usage
from seatledger.ingest.vs_subscribers import ingest_vs_subscribers

USER = {"user_id": 1, "login": "ada", "primary_email": "ada@acme.test", "emails": ["ada@acme.test"]}


def _server_usage(users_twice: bool) -> bytes:
    head = {
        "format_version": 1,
        "server_id": "11111111-2222-3333-4444-555555555555",
        "host_name": "ghes.acme.test",
        "version": "3.17.2",
        "enterprise": "acme",
    }
    body = json.dumps(head)[:-1] + ', "users": ' + json.dumps([USER])
    return (body + (', "users": []' if users_twice else "") + "}").encode()


def _table_rows(engine: Engine, *names: str) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            n: conn.execute(sa.select(sa.func.count()).select_from(t.metadata.tables[n])).scalar_one() for n in names
        }


@pytest.fixture
def acme(engine: Engine) -> int:
    with engine.begin() as conn:
        return Ledger(conn).add_enterprise("acme", created_at=NOW - dt.timedelta(days=400))


def test_a_server_usage_file_giving_users_twice_is_rejected_and_writes_nothing(engine: Engine, acme: int) -> None:
    with pytest.raises(ImportRejected) as refused, engine.begin() as conn:
        ingest_server_usage(conn, _server_usage(users_twice=True), "acme")
    assert refused.value.message == "the file has the key 'users' twice in one object"
    assert _table_rows(engine, "server_instances", "server_accounts") == {"server_instances": 0, "server_accounts": 0}
    with engine.begin() as conn:  # the same file with the key once imports
        ingest_server_usage(conn, _server_usage(users_twice=False), "acme")
    assert _table_rows(engine, "server_accounts") == {"server_accounts": 1}


@pytest.mark.parametrize(
    ("csv_text", "reason"),
    [
        ("email,name,EMAIL\nann@acme.test,Ann,x@acme.test\n", "line 1: the header names 'email' more than once"),
        ("upn,email\nann@acme.test,x@acme.test\n", "line 1: the header names 'email' more than once"),
        (
            'email,name\nann@acme.test,Ann\nbob@acme.test,"Bob\ncarol@acme.test,Carol\n',
            "line 3: a quoted field is not closed before the end of the file",
        ),
        ('email,name\nann@acme.test,"Ann" Smith\n', "line 2: ',' expected after '\"'"),
    ],
    ids=["column-twice", "alias-twice", "quote-left-open", "text-after-quote"],
)
def test_a_malformed_visual_studio_csv_is_rejected_with_the_line_and_reason(
    engine: Engine, acme: int, csv_text: str, reason: str
) -> None:
    with pytest.raises(ImportRejected) as refused, engine.begin() as conn:
        ingest_vs_subscribers(conn, csv_text.encode(), "acme")
    assert refused.value.message == reason
    assert _table_rows(engine, "vs_subscriptions") == {"vs_subscriptions": 0}


@pytest.mark.parametrize(
    ("email", "login"),
    [
        ("UPPER.Case+tag@acme.test", "upper-case"),
        ("jane.doe+ci@acme.test", "jane-doe"),
        ("first__last@acme.test", "first-last"),
        ("12345+Octo-Cat@users.noreply.github.com", "octo-cat"),
        ("=1+1@acme.test", None),
        ("!ops@acme.test", None),
        ("_admin@acme.test", None),
        ("zoë@acme.test", None),
        ("a" * 40 + "@acme.test", None),
        ("@acme.test", None),
    ],
)
def test_a_login_is_derived_from_the_local_part_before_the_plus_or_not_at_all(email: str, login: str | None) -> None:
    assert login_from_identity(email) == login


def test_create_people_skips_an_author_whose_email_gives_no_github_login(engine: Engine, acme: int, make_repo) -> None:
    with engine.begin() as conn:
        Ledger(conn).add_org(acme, "acme-org", created_at=NOW - dt.timedelta(days=400))
    repo: Repo = make_repo("app")
    recent = NOW - dt.timedelta(days=10)
    repo.commit("Upper", "UPPER.Case+tag@acme.test", recent)
    repo.commit("Formula", "=1+1@acme.test", recent)
    result = ingest_git(engine, [repo.path], GitOptions(org="acme-org", now=NOW, create_people=True))
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(t.users.c.login)).scalars()) == {"upper-case"}
    assert "not created: =1+1@acme.test gives no GitHub login (1 commits unattributed)" in result.report.notes
