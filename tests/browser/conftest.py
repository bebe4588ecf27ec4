"""Browser journeys in real Chromium (Playwright) against a live server.

Debian's Chromium (``/usr/bin/chromium``) is used; Playwright never downloads a browser.
Without it the journeys are skipped, unless ``REQUIRE_BROWSER=1`` (CI), when they fail.

``live_server`` serves a fresh app on 127.0.0.1 (a SQLite file under ``tmp_path``, or
``TEST_DATABASE_URL`` when CI names PostgreSQL) with CSRF on, as in production: the forms
a real browser submits carry their token. ``seed`` writes records into that app, ``page``
(1280x800), ``phone_page`` (390x844) and ``new_page`` (any viewport) open a fresh browser
context per test; ``sign_in(page, email)`` and ``sign_out(page)`` drive the navbar and
the login form.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import WSGIRequestHandler, make_server

from config import TestingConfig
from tracker import create_app
from tracker.extensions import db
from tracker.vocabulary import Role

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The password seeded accounts get unless a test names another (12+ characters).
PASSWORD = "browser-journey-2026"
#: Playwright's default wait is 30 s; a journey step that takes 10 s is already broken.
TIMEOUT_MS = 10_000

HERE = Path(__file__).parent


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test in this folder ``browser`` (before ``-m`` selects on it)."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def chromium_available():
    """Skip the journeys without Debian's Chromium, or fail when REQUIRE_BROWSER=1."""
    if not os.path.exists(CHROMIUM):
        if _browser_required():
            pytest.fail(
                f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install -y chromium",
                pytrace=False,
            )
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    return CHROMIUM


# --------------------------------------------------------------------------- live server


class _QuietHandler(WSGIRequestHandler):
    """Keep the request log out of test output; errors are still logged."""

    def log_request(self, code="-", size="-"):
        pass


@dataclass
class LiveServer:
    url: str
    app: object


def live_database_url(tmp_path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'live.sqlite'}"


@pytest.fixture
def live_server(tmp_path):
    """A fresh app served on 127.0.0.1 in a background thread; yields .url and .app."""
    from tracker.catalog.services import ensure_catalog

    config = type(
        "LiveServerConfig",
        (TestingConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": live_database_url(tmp_path),
            "WTF_CSRF_ENABLED": True,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        },
    )
    app = create_app(config)
    with app.app_context():
        db.drop_all()  # a PostgreSQL database may hold a previous run's tables
        db.create_all()
        ensure_catalog()
        db.session.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            # Close every session and pooled connection first, or PostgreSQL waits on a
            # lock held by a request thread's connection.
            db.session.remove()
            db.engine.dispose()
            db.drop_all()
            db.engine.dispose()


# --------------------------------------------------------------------------- seeding


class Seeder:
    """Write records into the live app, each call in its own committed transaction."""

    def __init__(self, app):
        self.app = app

    def practice(self, data: dict) -> None:
        """Import a practice-file dict (DESIGN section 5), as the CLI does."""
        from tracker.audit.services import CLI
        from tracker.practice_file.importer import import_practice

        with self.app.app_context():
            import_practice(data, actor=CLI)
            db.session.commit()

    def person(
        self,
        email: str,
        role: Role | str = Role.assistant,
        *,
        name: str | None = None,
        password: str = PASSWORD,
        sites: tuple[str, ...] | list[str] = (),
        job_level: str | None = None,
        can_validate: bool = False,
        active: bool = True,
    ) -> int:
        """Create a person who can sign in; returns their id."""
        from tracker.sites.models import Site
        from tracker.staff.models import Person

        with self.app.app_context():
            person = Person(
                email=email,
                name=name or email.split("@")[0].title(),
                role=Role(role),
                job_level=job_level,
                can_validate=can_validate,
                active=active,
            )
            person.set_password(password)
            for code in sites:
                person.sites.append(db.session.scalars(select(Site).where(Site.code == code)).one())
            db.session.add(person)
            db.session.commit()
            return person.id

    def password(self, email: str, password: str = PASSWORD) -> int:
        """Give an existing (e.g. imported) person a password; returns their id."""
        from tracker.staff.models import Person

        with self.app.app_context():
            person = db.session.execute(select(Person).where(Person.email == email)).scalar_one()
            person.set_password(password)
            db.session.commit()
            return person.id

    def person_id(self, email: str) -> int:
        from tracker.staff.models import Person

        with self.app.app_context():
            return db.session.execute(select(Person.id).where(Person.email == email)).scalar_one()


@pytest.fixture
def seed(live_server):
    return Seeder(live_server.app)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser(chromium_available):
    """One Chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=chromium_available, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so ``new_page`` can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, live_server, request, tmp_path):
    """Open pages in fresh contexts (no shared cookies) pointed at the live server.

    ``new_page(viewport={"width": 820, "height": 1180}, is_mobile=True, has_touch=True)``;
    relative URLs in ``page.goto("/login")`` go to the live server. On failure a screenshot
    of each page is kept under the test's ``tmp_path``.
    """
    contexts = []

    def make(viewport=None, **options):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or {"width": 1280, "height": 800},
            **options,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make

    report = getattr(request.node, "report_call", None)
    for index, context in enumerate(contexts):
        if report is not None and report.failed:
            for number, open_page in enumerate(context.pages):
                path = tmp_path / f"failure-{index}-{number}.png"
                try:
                    open_page.screenshot(path=str(path), full_page=True)
                    print(f"screenshot: {path} ({open_page.url})")
                except Exception as error:  # a crashed page must not hide the failure
                    print(f"no screenshot of {open_page.url}: {error}")
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop page (1280x800)."""
    return new_page()


@pytest.fixture
def phone_page(new_page):
    """A phone page (390x844, touch)."""
    return new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)


def _sign_in(page, email: str, password: str = PASSWORD) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    try:
        page.wait_for_url(lambda url: "/login" not in url)
    except PlaywrightTimeoutError:
        problems = page.locator(".alert, .invalid-feedback").all_inner_texts()
        raise AssertionError(f"{email} could not sign in: {problems}") from None


def _sign_out(page) -> None:
    button = page.get_by_role("button", name="Sign out", exact=True)
    if not button.is_visible():
        page.get_by_role("button", name="Toggle navigation").click()
        # Visible is not opened: while the menu slides open the button moves under the
        # pointer, and on a busy machine a click then went nowhere. Wait until it is open.
        page.locator("#nav.collapse.show").wait_for(state="visible")
        button.wait_for(state="visible")
    button.click()
    page.wait_for_url("**/login")


def _open_menu(page, group: str, item: str) -> None:
    nav = page.get_by_role("navigation", name="Main")
    toggler = nav.get_by_role("button", name="Toggle navigation")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
    link = nav.get_by_role("link", name=item, exact=True)
    if not link.is_visible():  # grouped under a dropdown
        nav.get_by_role("button", name=group, exact=True).click()
    link.click()


@pytest.fixture
def open_menu():
    """``open_menu(page, "People", "Staff")``: a navbar entry, opening the collapsed navbar
    and the group's dropdown first when they are closed."""
    return _open_menu


@pytest.fixture
def sign_in():
    """``sign_in(page, email, password=PASSWORD)``: the login form, then the home page."""
    return _sign_in


@pytest.fixture
def sign_out():
    """``sign_out(page)``: the navbar's "Sign out", opening the collapsed menu if needed."""
    return _sign_out
