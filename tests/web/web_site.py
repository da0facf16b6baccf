"""Fixtures and helpers of the web tests: the demo enterprise at a fixed instant, a live server whose
export queue runs jobs in-process (huey immediate mode, the real job code), a real SMTP
server on loopback, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from livesupport import LiveServer, SmtpSink, free_port  # noqa: F401  (the suite's own; tests set app.state before entering)
from seatledger import licensing
from seatledger.app import create_app
from seatledger.config import Settings
from seatledger.db import tables as t
from seatledger.db.ledger import Ledger
from seatledger.demo import build_demo
from seatledger.exports.queue import ExportQueue
from seatledger.web import signin_hint
from seatledger.web.accounts import set_password

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


ANCHOR = dt.datetime(2026, 11, 1)
# The pages count "now"; now is fixed half a day after the demo's history ends.
NOW = ANCHOR + dt.timedelta(hours=12)
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ORG_OWNER_PASSWORD = "org-owner-password"
# The small hand-made ledger of the ``mona`` fixture: made at MONA_T0, its pages read at MONA_NOW.
MONA_T0 = dt.datetime(2026, 1, 1)
MONA_NOW = dt.datetime(2026, 3, 15, 12, 0)


@dataclass
class Clock:
    """The app's clock; tests move it to travel in time."""

    now: float = field(default_factory=lambda: NOW.replace(tzinfo=dt.timezone.utc).timestamp())

    def __call__(self) -> float:
        return self.now


@dataclass
class DemoWorld:
    slug: str
    owner_login: str
    owner_password: str
    owner_email: str
    org_owner_login: str
    org: str


def demo_world(engine: Engine, size: str = "small") -> DemoWorld:
    """Build the demo of that size at ANCHOR; its owner's sign-in, and an org owner's."""
    build_demo(engine, size=size, anchor=ANCHOR)
    hint = signin_hint(Settings(), engine)
    assert hint is not None
    # "Sign in at URL/login as LOGIN with password PASSWORD"
    words = hint.split()
    login, password = words[words.index("as") + 1], words[words.index("password") + 1]
    u, er, om, o, e = t.users, t.enterprise_roles, t.org_memberships, t.organizations, t.user_emails
    with engine.begin() as conn:
        email = conn.execute(
            sa.select(e.c.email).join(u, u.c.id == e.c.user_id).where(u.c.login == login, e.c.is_primary)
        ).scalar_one()
        enterprise_people = sa.select(er.c.user_id)
        row = conn.execute(
            sa.select(u.c.id, u.c.login, o.c.login.label("org"))
            .join(om, om.c.user_id == u.c.id)
            .join(o, o.c.id == om.c.organization_id)
            .where(om.c.role == "owner", om.c.ended_at.is_(None), u.c.id.not_in(enterprise_people))
            .order_by(o.c.login, u.c.login)
            .limit(1)
        ).one()
        set_password(conn, row.id, ORG_OWNER_PASSWORD)
    return DemoWorld("acme", login, password, email, row.login, row.org)


@pytest.fixture
def demo(engine: Engine) -> DemoWorld:
    return demo_world(engine)


@dataclass
class Site:
    url: str
    app: Any
    clock: Clock
    settings: Settings
    engine: Engine
    demo: DemoWorld


@pytest.fixture
def site(settings: Settings, engine: Engine, demo: DemoWorld, smtp: SmtpSink) -> Iterator[Site]:
    settings = settings.with_(smtp_url=smtp.url, download_link_ttl_seconds=24 * 3600)
    clock = Clock()
    app = create_app(settings, engine)
    app.state.clock = clock
    server = LiveServer(app)
    # Jobs run in the request (immediate mode) through the real job: file, rename, SMTP.
    app.state.export_queue = ExportQueue(settings, engine, immediate=True, base_url=server.url, clock=clock)
    with server:
        yield Site(server.url, app, clock, settings, engine, demo)


@pytest.fixture
def mona(settings: Settings, engine: Engine) -> Iterator[httpx.Client]:
    """Signed in as mona, owner of the enterprise "Acme Corporation" (slug acme), whose
    exports run at once (the real job, mail to the outbox)."""
    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", "Acme Corporation", created_at=MONA_T0)
        org = led.add_org(eid, "acme-web", created_at=MONA_T0)
        uid = led.add_user(eid, "mona", emails=["mona@acme.test"], created_at=MONA_T0)
        led.add_enterprise_role(eid, uid, "owner", started_at=MONA_T0)
        set_password(conn, uid, "mona-password")
        for login in ("ann", "bob"):
            led.add_membership(
                org, led.add_user(eid, login, emails=[f"{login}@acme.test"], created_at=MONA_T0), started_at=MONA_T0
            )
    app = create_app(settings, engine)
    clock = lambda: MONA_NOW.replace(tzinfo=dt.timezone.utc).timestamp()  # noqa: E731
    app.state.clock = clock
    live = LiveServer(app)
    app.state.export_queue = ExportQueue(settings, engine, immediate=True, base_url=live.url, clock=clock)
    with live as server, httpx.Client(base_url=server.url, timeout=60, follow_redirects=True) as client:
        http_sign_in(client, "mona", "mona-password")
        yield client


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"{CHROMIUM} is missing; CI=true makes browser tests mandatory")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    context.close()


def sign_in(page: Any, site: Site, login: str, password: str) -> None:
    page.goto(site.url + "/")
    assert page.url.startswith(site.url + "/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def http_sign_in(client: Any, login: str, password: str) -> Any:
    """Sign in with a plain HTTP client (httpx): fetch the form's CSRF token, post it."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    return client.post("/login", data={"login": login, "password": password, "csrf_token": token.group(1), "next": "/"})


def acme_with_operators(engine: Engine, created_at: dt.datetime) -> None:
    """acme (2 seats bought) with org acme-web; mona its billing manager, olly an owner of
    acme-web only; both may sign in (password: LOGIN-password)."""
    from seatledger.db.ledger import Ledger

    with engine.begin() as conn:
        led = Ledger(conn)
        eid = led.add_enterprise("acme", created_at=created_at)
        led.set_product(eid, "enterprise", billing="volume", purchased=2)
        org = led.add_org(eid, "acme-web", created_at=created_at)
        mona = led.add_user(eid, "mona", emails=["mona@acme.test"], created_at=created_at)
        led.add_enterprise_role(eid, mona, "billing_manager", started_at=created_at)
        set_password(conn, mona, "mona-password")
        olly = led.add_user(eid, "olly", emails=["olly@acme.test"], created_at=created_at)
        led.add_membership(org, olly, "owner", started_at=created_at)
        set_password(conn, olly, "olly-password")


def csrf_of(html: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token is not None
    return token.group(1)


def number_of(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{re.escape(testid)}">([\d,]+)', html)
    assert match is not None, f"no {testid} on the page"
    return int(match.group(1).replace(",", ""))


# axe-core, pinned in package-lock.json and installed by scripts/setup (npm ci).
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = {"desktop": 1280, "phone": 375}


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.1 AA violations on the page as it stands, one line per failing element."""
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.flatMap(v => v.nodes.map(n => v.id + ': ' + n.target.join(' ') + ' — ' + n.failureSummary)))",
        WCAG_AA,
    )
    return list(found)


def overflow(page: Any) -> str | None:
    """How far the page is wider than the window, naming the outermost elements that stick
    out; None when nothing scrolls sideways."""
    return page.evaluate(
        """() => {
          const wider = document.documentElement.scrollWidth - window.innerWidth;
          if (wider <= 0) return null;
          const out = el => el.getBoundingClientRect().right > window.innerWidth;
          const scrolls = el => ["auto", "scroll", "hidden"].includes(getComputedStyle(el).overflowX);
          const names = [...document.body.querySelectorAll("*")]
            .filter(el => out(el) && !out(el.parentElement) && !scrolls(el.parentElement))
            .map(el => `<${el.tagName.toLowerCase()} class="${el.className}">`);
          return `${wider} px: ${names.join(", ")}`;
        }"""
    )


def require_axe() -> None:
    """Skip (laptop) or fail (CI=true) when scripts/setup has not installed axe-core."""
    if not AXE.exists():
        message = f"{AXE} is missing (scripts/setup installs it with npm ci)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def owner_pages(site: Site) -> dict[str, str]:
    """Every page an enterprise owner reads, by a name for its screenshot."""
    demo = site.demo
    ent, org = f"/enterprises/{demo.slug}", f"/orgs/{demo.org}"
    with site.engine.connect() as conn:
        person = next(iter(licensing.iter_licensed_people(conn, demo.slug, as_of=NOW))).key
    return {
        "enterprise-licensing": f"{ent}/licensing",
        "enterprise-usage": f"{ent}/usage?month=2026-10",
        "enterprise-copilot": f"{ent}/copilot",
        "enterprise-history": f"{ent}/history",
        "enterprise-changes": f"{ent}/changes",
        "enterprise-people": f"{ent}/people",
        "people-search": f"{ent}/people?q=acme",
        "person": f"{ent}/people/{person}",
        "enterprise-alerts": f"{ent}/alerts",
        "enterprise-emails": f"{ent}/emails",
        "enterprise-reclaim": f"{ent}/reclaim",
        "ghas-what-if": f"{ent}/ghas-what-if",
        "org-licensing": f"{org}/licensing",
        "org-usage": f"{org}/usage?month=2026-10",
        "org-copilot": f"{org}/copilot",
        "summary": "/summary",
        "exports": "/exports",
        "outbox": "/outbox",
        "not-found": "/enterprises/no-such-enterprise/licensing",
        "invalid-request": f"{org}/copilot?inactive=soon",
    }


ERROR_STATUS = {"not-found": 404, "invalid-request": 422, "forbidden": 403}
