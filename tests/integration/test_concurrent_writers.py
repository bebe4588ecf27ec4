"""16 writers at once through real HTTP, against the app served by gunicorn: every write is
answered (never a 500), every row is there, and the audit chain is whole. A busy SQLite
database makes a writer wait (busy timeout), not fail.

Runs on a temporary SQLite file, and on PostgreSQL when TEST_DATABASE_URL names it. Writers
are plain functions of (session, writer number, write number) returning the marker of the
row they wrote: another kind of writer (the JSON API's) is one more entry in WRITERS.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker import dates
from tracker.extensions import db

#: The long walks: once per database in CI, not in the far-off-date pass.
pytestmark = pytest.mark.slow

WRITERS_AT_ONCE = 16
WRITES_EACH = 5
ROOT = Path(__file__).resolve().parents[2]


class Session:
    """One browser: its own cookies, following no redirects."""

    def __init__(self, base: str):
        self.base = base
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def csrf(self, path: str) -> str:
        status, page = self.request(path)
        assert status == 200, (path, status)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)

    def sign_in(self, email: str) -> None:
        from tracker.demo import DEMO_PASSWORD

        token = self.csrf("/login")
        status, _ = self.request(
            "/login", {"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
        )
        assert status == 302, f"cannot sign in as {email}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def page_delegation(session: Session, ids: dict, writer: int, number: int) -> tuple[int, str]:
    """A manager records a delegation through the page's form (CSRF token and all)."""
    marker = f"concurrent writer {writer} write {number}"
    token = session.csrf("/delegations/new")
    when = dates.today("America/Los_Angeles").isoformat() + f"T{8 + number:02d}:{writer:02d}"
    status, _ = session.request(
        "/delegations/new",
        {
            "csrf_token": token,
            "assistant_id": ids["assistant"],
            "task_code": "vital-signs",
            "site_code": "main",
            "scheduled_for": when,
            "delegated_by_id": ids["provider"],
            "notes": marker,
        },
    )
    return status, marker


#: (who signs in, how they write). The API's writers join here once the API exists.
WRITERS = [("manager@demo.clinic", page_delegation)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(app, tmp_path):
    """The demo practice, served by gunicorn (2 workers x 8 threads) on a free port."""
    from tracker.demo import seed_demo
    from tracker.staff.models import Person

    with app.app_context():
        seed_demo(dates.today("America/Los_Angeles"))
        db.session.commit()
        people = {p.email: p.id for p in db.session.scalars(select(Person))}
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.session.remove()
        db.engine.dispose()
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TRACKER_CONFIG": "development",
        "SECRET_KEY": "concurrency-test-secret",
        "FLASK_DEBUG": "0",
        # Sixteen writers sign in as one demo manager within a second: sign-in throttling
        # (5 a minute per account) is tested on its own, not what this test measures.
        "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute",
        "LOGIN_LIMIT_PER_ADDRESS": "100 per minute",
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 (closed with the server)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--threads",
            "8",
            "--worker-class",
            "gthread",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "tracker:create_app()",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=10).close()
            break
        except OSError:  # not listening yet, or still starting
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("gunicorn did not start: " + (tmp_path / "gunicorn.log").read_text())
            time.sleep(0.3)
    try:
        yield (
            base,
            url,
            {
                "assistant": people["ana@demo.clinic"],
                "provider": people["dr.lee@demo.clinic"],
            },
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        os.environ.get("KEEP_GUNICORN_LOG") and print((tmp_path / "gunicorn.log").read_text())


def _run_writer(base, ids, writer, email, write):
    session = Session(base)
    session.sign_in(email)
    return [write(session, ids, writer, number) for number in range(WRITES_EACH)]


def test_sixteen_concurrent_writers_lose_nothing(app, runner, served):
    from tracker.delegations.models import Delegation

    base, _, ids = served
    with ThreadPoolExecutor(max_workers=WRITERS_AT_ONCE) as pool:
        futures = [
            pool.submit(_run_writer, base, ids, writer, *WRITERS[writer % len(WRITERS)])
            for writer in range(WRITERS_AT_ONCE)
        ]
        results = [answer for future in futures for answer in future.result()]
    statuses = sorted({status for status, _ in results})
    assert statuses == [302], f"every write answered with a redirect to its record: {statuses}"
    with app.app_context():
        stored = set(db.session.scalars(select(Delegation.notes)))
        db.session.remove()
    missing = {marker for _, marker in results} - stored
    assert not missing and len(results) == WRITERS_AT_ONCE * WRITES_EACH
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0, result.output


def test_a_busy_sqlite_database_makes_a_writer_wait_not_fail(app, served):
    base, url, ids = served
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's busy timeout")
    session = Session(base)
    session.sign_in("manager@demo.clinic")
    holder = sqlite3.connect(
        url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    release = threading.Timer(1.5, holder.execute, args=("COMMIT",))
    started = time.monotonic()
    release.start()
    try:
        status, marker = page_delegation(session, ids, 59, 0)
    finally:
        release.join()
        holder.close()
    waited = time.monotonic() - started
    assert status == 302
    assert waited >= 1.4, f"the write should have waited for the lock ({waited:.2f}s)"
