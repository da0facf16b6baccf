"""consumed-licenses names a person who holds a seat only through an email invitation by the
invited email, as GitHub's own report does."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.engine import Engine

from seatledger.api.consumed_licenses import consumed_license_user
from seatledger.db.ledger import Ledger
from seatledger.licensing import iter_licensed_people

AS_OF = dt.datetime(2026, 6, 30, 12, 0)


def test_an_email_invitee_is_listed_by_the_invited_email_with_its_org_and_no_profile(engine: Engine) -> None:
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=AS_OF - dt.timedelta(days=30))
        org = led.add_org(eid, "octo", created_at=AS_OF - dt.timedelta(days=30))
        led.add_invitation(org, email="new@acme.test", created_at=AS_OF - dt.timedelta(days=2))
        led.add_invitation(org, login="ivy", created_at=AS_OF - dt.timedelta(days=2))

    with engine.connect() as conn:
        users = [consumed_license_user(p) for p in iter_licensed_people(conn, "acme", as_of=AS_OF)]

    by_login = {u.github_com_login: u for u in users}
    assert set(by_login) == {"ivy", "new@acme.test"}
    invitee = by_login["new@acme.test"]
    assert invitee.github_com_orgs_with_pending_invites == ["octo"]
    assert (invitee.github_com_profile, invitee.github_com_user) == (None, False)
    assert by_login["ivy"].github_com_profile == "https://github.com/ivy"
