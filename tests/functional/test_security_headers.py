"""Security headers on every kind of response, and no inline script or style on any page.

The walk is generic: it reads ``app.url_map`` and opens every GET route as each role of the
demo practice, so a page added later is covered without touching this file.
"""

from __future__ import annotations

import gzip
import re
import secrets
from html.parser import HTMLParser
from pathlib import Path

import pytest
from werkzeug.exceptions import HTTPException

from config import ProductionConfig
from tracker import create_app
from tracker.access import ACCESS, PUBLIC
from tracker.extensions import db
from tracker.vocabulary import Role

DEMO_ACCOUNTS = {
    Role.admin: "admin@demo.clinic",
    Role.manager: "manager@demo.clinic",
    Role.compliance: "compliance@demo.clinic",
    Role.provider: "dr.lee@demo.clinic",
    Role.assistant: "ana@demo.clinic",
}
#: Values for URL arguments that are not ids (ids take 1: the demo has a first of each).
ARGUMENTS = {"kind": "people", "state": "CA"}
#: GET endpoints no demo account can render with the values above, and why.
NOT_RENDERED = {
    # A signed-in person is sent home (the login page is walked signed out below).
    "auth.login",
    # Sends a person to their own training file (walked as staff.training_file).
    "staff.my_file",
    # The sign-in's second step: a signed-in person is sent home; its headers are checked
    # with two-factor sign-in (tests/functional/test_account.py).
    "auth.second_step",
    # The finder's answer as CSV: a download that needs a question (task and site), linked
    # only from an answered /eligible (tests/functional/test_reports.py).
    "reports.eligible_csv",
    # A document's download needs a document attached first (the demo has none); its
    # headers, nosniff included, are checked in tests/functional/test_documents_pages.py.
    "documents.download",
}
#: Linked pages of one route opened before giving up on rendering it.
MAX_TRIES = 5


class InlineCode(HTMLParser):
    """Collect what a Content-Security-Policy without 'unsafe-inline' would block."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            self._in_script = "src" not in attributes
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on <{tag}>')
            elif name.startswith("on"):
                self.found.append(f"{name} handler on <{tag}>")
            elif name in ("href", "src", "action") and (value or "").startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def assert_security_headers(response, what: str, hsts: bool = False) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives.get("default-src") == ["'self'"], f"{what}: CSP {csp!r}"
    assert directives.get("frame-ancestors") == ["'none'"], f"{what}: CSP {csp!r}"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, f"{what}: {csp!r}"
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("Referrer-Policy") == "same-origin", what
    assert ("Strict-Transport-Security" in response.headers) == hsts, what


def url_of(app, rule) -> str:
    values = {}
    for name in rule.arguments - set(rule.defaults or {}):
        values[name] = ARGUMENTS.get(name, 1)
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def page_rules(app):
    """Every GET route but the static files (walked on their own) and the JSON API's, which
    take a token, not a session (tests/api)."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods
            and not rule.endpoint.endswith("static")
            and not rule.endpoint.startswith("api_v1.")
        ),
        key=lambda rule: rule.rule,
    )


@pytest.fixture
def demo(app):
    from tracker.demo import DEMO_PASSWORD, seed_demo

    with app.app_context():
        seed_demo()
        db.session.commit()
    clients = {}
    for role, email in DEMO_ACCOUNTS.items():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        clients[role] = client
    return clients


def walk(app, client):
    """Open every GET route as this client: each once with guessed arguments, then the
    pages the rendered ones link to, until a route with arguments renders (or MAX_TRIES).

    Yields (endpoint, url, response)."""
    adapter = app.url_map.bind("localhost")
    queue = [(rule.endpoint, url_of(app, rule)) for rule in page_rules(app)]
    seen = {url for _, url in queue}
    rendered: set[str] = set()
    tries: dict[str, int] = {}
    while queue:
        endpoint, url = queue.pop(0)
        tries[endpoint] = tries.get(endpoint, 0) + 1
        response = client.get(url)
        yield endpoint, url, response
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        rendered.add(endpoint)
        for href in re.findall(r'href="(/[^"#?]*)', response.get_data(as_text=True)):
            try:
                linked, _ = adapter.match(href, method="GET")
            except HTTPException:  # a POST-only route or no route: not a page
                continue
            if linked.endswith("static") or href in seen or linked in rendered:
                continue
            if sum(queued == linked for queued, _ in queue) + tries.get(linked, 0) >= MAX_TRIES:
                continue
            seen.add(href)
            queue.append((linked, href))


def test_every_page_as_every_role_carries_the_headers_and_no_inline_code(app, demo):
    rendered: dict[str, set[Role]] = {}
    for role, client in demo.items():
        for endpoint, url, response in walk(app, client):
            roles = ACCESS[endpoint]
            what = f"{role.value} GET {url} ({response.status_code})"
            assert_security_headers(response, what)
            assert response.headers.get("Cache-Control") == "no-store", what
            assert response.status_code < 500, what
            if roles != PUBLIC and role not in roles:
                assert response.status_code == 403, what
            if response.status_code == 200:
                rendered.setdefault(endpoint, set()).add(role)
                if response.mimetype == "text/html":
                    found = inline_code(response.get_data(as_text=True))
                    assert found == [], f"{what} has inline code: {found}"
    unrendered = {rule.endpoint for rule in page_rules(app)} - set(rendered) - NOT_RENDERED
    assert unrendered == set(), f"no role could render these pages: {sorted(unrendered)}"
    # Each role saw its own home page and more than a handful of pages.
    for role in DEMO_ACCOUNTS:
        assert sum(role in roles for roles in rendered.values()) >= 5, role


def test_private_pages_and_downloads_are_never_stored(app, demo):
    """Security round 2, item 8: a browser or proxy keeps no copy of a signed-in answer."""
    from sqlalchemy import select

    from tracker.incidents.models import Incident

    with app.app_context():
        incident = db.session.scalar(select(Incident.id).limit(1))
    assert incident is not None  # the demo practice has incidents
    for role, url in [
        (Role.manager, "/staff/1"),
        (Role.admin, f"/incidents/{incident}"),
        (Role.manager, "/account/tokens/"),
        (Role.admin, "/audit/"),
        (Role.admin, "/audit/events.csv"),
        (Role.manager, "/reports/delegations.csv"),
        (Role.assistant, "/may-i"),
    ]:
        response = demo[role].get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    anonymous = app.test_client()
    for url in ("/login", "/no-such-page", "/"):
        assert anonymous.get(url).headers["Cache-Control"] == "no-store", url


def test_the_login_page_errors_and_redirects_carry_the_headers(client):
    login = client.get("/login")
    assert login.status_code == 200
    assert_security_headers(login, "login page")
    assert inline_code(login.get_data(as_text=True)) == []

    missing = client.get("/no-such-page")
    assert missing.status_code == 404
    assert_security_headers(missing, "404 page")
    assert inline_code(missing.get_data(as_text=True)) == []

    redirect = client.get("/")
    assert redirect.status_code == 302
    assert_security_headers(redirect, "redirect to sign in")

    wrong_method = client.delete("/login")
    assert wrong_method.status_code == 405
    assert_security_headers(wrong_method, "405 page")


def linked_assets(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js))"', html)


def test_static_files_carry_the_headers(client):
    assets = linked_assets(client.get("/login").get_data(as_text=True))
    # The app's stylesheet and theme, Bootstrap's, Popper, Bootstrap's script and the
    # tables' script.
    assert len(assets) == 6, assets
    for url in [*assets, "/static/css/app.css", "/bootstrap/static/css/bootstrap.min.css"]:
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200, url
            assert_security_headers(response, url)
    # Files served by Flask rather than WhiteNoise (a source map), and a missing file.
    with client.get("/bootstrap/static/css/bootstrap.min.css.map") as response:
        assert response.status_code == 200
        assert_security_headers(response, "source map")
        assert "no-store" not in response.headers.get("Cache-Control", "")
    with client.get("/static/css/no-such.css") as response:
        assert response.status_code == 404
        assert_security_headers(response, "missing static file")


def test_pages_link_versioned_static_files_cached_for_a_year(client):
    assets = linked_assets(client.get("/login").get_data(as_text=True))
    stylesheets = [url for url in assets if url.endswith(".css")]
    assert any(url.startswith("/static/") for url in stylesheets), stylesheets
    assert any(url.startswith("/bootstrap/static/") for url in stylesheets), stylesheets
    for url in assets:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), f"{url} is not versioned"
        with client.get(url, headers={"Accept-Encoding": "gzip, deflate"}) as response:
            assert response.status_code == 200, url
            assert max_age(response) >= 365 * 24 * 3600, url
            assert "immutable" in response.headers["Cache-Control"], url
            assert "no-store" not in response.headers["Cache-Control"], url
            assert response.headers.get("Content-Encoding") == "gzip", url
            assert "Accept-Encoding" in response.headers.get("Vary", ""), url


def max_age(response) -> int:
    found = re.search(r"max-age=(\d+)", response.headers.get("Cache-Control", ""))
    return int(found.group(1)) if found else 0


def test_css_is_cached_a_day_and_compressed_when_asked(app, client):
    source = (app.static_folder + "/css/app.css").replace("//", "/")
    with open(source, "rb") as file:
        expected = file.read()
    with client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/css"
        assert max_age(response) >= 24 * 3600
        assert response.headers.get("Content-Encoding") == "gzip"
        assert gzip.decompress(response.data) == expected
    with client.get("/static/css/app.css") as plain:
        assert plain.headers.get("Content-Encoding") is None
        assert plain.data == expected
    with client.get("/static/css/app.css", headers={"Accept-Encoding": "br"}) as response:
        assert response.headers.get("Content-Encoding") == "br"
    # Bootstrap, the bulk of a first visit, shrinks to a fraction.
    with client.get(
        "/bootstrap/static/css/bootstrap.min.css", headers={"Accept-Encoding": "gzip"}
    ) as response:
        assert response.headers.get("Content-Encoding") == "gzip"
        assert len(response.data) < 40_000
        assert max_age(response) >= 24 * 3600


def production_app(tmp_path):
    config = type(
        "ProductionTestConfig",
        (ProductionConfig,),
        {
            "SECRET_KEY": secrets.token_urlsafe(48),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'production.sqlite'}",
        },
    )
    return create_app(config)


def test_strict_transport_security_in_production_only(app, client, tmp_path):
    for url in ("/login", "/healthz", "/static/css/app.css", "/no-such-page"):
        with client.get(url) as response:
            assert "Strict-Transport-Security" not in response.headers, url

    production = production_app(tmp_path)
    with production.app_context():
        db.create_all()
    secure = production.test_client()
    for url in ("/login", "/healthz", "/static/css/app.css", "/no-such-page", "/"):
        with secure.get(url) as response:
            assert_security_headers(response, f"production {url}", hsts=True)
            hsts = response.headers["Strict-Transport-Security"]
            assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 180 * 24 * 3600, hsts


def set_cookie_attributes(response, name: str) -> set[str]:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{name}="):
            return {part.strip().lower() for part in header.split(";")[1:]}
    raise AssertionError(f"no {name} cookie set: {response.headers.getlist('Set-Cookie')}")


def test_production_cookies_are_secure_http_only_and_same_site(tmp_path):
    from tracker.staff.models import Person

    production = production_app(tmp_path)
    with production.app_context():
        db.create_all()
        person = Person(email="manager@example.org", name="Manager", role=Role.manager)
        person.set_password("a-long-enough-password")
        db.session.add(person)
        db.session.commit()
    client = production.test_client()
    base = "https://localhost"
    page = client.get(f"{base}/login")
    assert {"secure", "httponly", "samesite=lax"} <= set_cookie_attributes(page, "session")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    signed_in = client.post(
        f"{base}/login",
        data={
            "csrf_token": token,
            "email": "manager@example.org",
            "password": "a-long-enough-password",
            "remember": "y",
        },
        headers={"Referer": f"{base}/login"},
    )
    assert signed_in.status_code == 302, signed_in.text
    assert {"secure", "httponly", "samesite=lax"} <= set_cookie_attributes(signed_in, "session")
    assert {"secure", "httponly", "samesite=lax"} <= set_cookie_attributes(
        signed_in, "remember_token"
    )


def test_cookies_outside_production_are_http_only_and_same_site(make_person, client, auth):
    make_person("manager@example.org", role=Role.manager)
    signed_in = auth.login("manager@example.org")
    assert signed_in.status_code == 302
    attributes = set_cookie_attributes(signed_in, "session")
    assert {"httponly", "samesite=lax"} <= attributes
    assert "secure" not in attributes  # plain http on a developer's machine


TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: Bootstrap-Flask macros that write a style attribute (render_icon sizes its icon inline).
INLINE_MACROS = ("render_icon",)


def template_inline_code(text: str) -> list[str]:
    found = []
    for tag in re.finditer(r"<(/?[A-Za-z]+)([^>]*)>", text):
        name, attributes = tag.group(1).lower(), tag.group(2)
        if name == "style":
            found.append("<style> element")
        if name == "script" and not re.search(r"\ssrc\s*=", attributes):
            found.append("inline <script>")
        for attribute in re.findall(r"(?:^|[\s}])(style|on[a-z]+)\s*=", attributes):
            found.append(f"{attribute}= on <{name}>")
        if re.search(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", attributes):
            found.append(f"javascript: URL on <{name}>")
    found += [f"{macro}()" for macro in INLINE_MACROS if macro in text]
    return found


def test_no_template_holds_inline_script_or_style():
    """Also the pages the walk cannot reach (previews after a POST, error branches)."""
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    problems = {
        str(path.relative_to(TEMPLATES)): found
        for path in templates
        if (found := template_inline_code(path.read_text()))
    }
    assert problems == {}


def test_the_template_scan_sees_inline_code():
    assert template_inline_code('<div class="x" style="color: red">') == ["style= on <div>"]
    assert template_inline_code('<div {% if a %}style="b"{% endif %}>') == ["style= on <div>"]
    assert template_inline_code('<button onclick="go()">') == ["onclick= on <button>"]
    assert template_inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert template_inline_code('<script src="/static/app.js"></script>') == []
    assert template_inline_code("<style>p {}</style>") == ["<style> element"]
    assert template_inline_code('<a href="javascript:go()">') == ["javascript: URL on <a>"]
    assert template_inline_code("{{ render_icon('x') }}") == ["render_icon()"]
    assert template_inline_code('<p class="one=two" data-on="x">') == []


def test_static_files_are_built_aside_when_the_instance_folder_cannot_take_them(
    tmp_path, monkeypatch
):
    from flask import Flask

    from tests.conftest import make_app

    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "static-cache").write_text("a file where the build folder would go")
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))
    app = make_app("sqlite://", STATIC_CACHE_DIR=None)
    client = app.test_client()
    assets = linked_assets(client.get("/login").get_data(as_text=True))
    assert len(assets) == 6
    for url in assets:
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200, url
            assert response.headers.get("Content-Encoding") == "gzip", url

    # A folder named on purpose that cannot be used stops the start, plainly.
    with pytest.raises(OSError):
        make_app("sqlite://", STATIC_CACHE_DIR=str(instance / "static-cache"))
