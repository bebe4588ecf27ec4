"""The one access table (tracker.access.ACCESS) against the app's real URL map.

The walk is generic: it reads ``app.url_map``, so every route added later is covered.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker.access import ACCESS, PUBLIC
from tracker.audit.models import AuditEvent
from tracker.extensions import db
from tracker.vocabulary import Role

#: Values a URL argument may take, tried in order until the converter accepts one.
DUMMY_VALUES = (1, "x", uuid.UUID(int=1), 1.0)


def dummy_url(app, rule) -> str:
    values = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):
            continue
        converter = rule._converters[name]
        for candidate in DUMMY_VALUES:
            try:
                text = converter.to_url(candidate)
            except (TypeError, ValueError):
                continue
            if re.fullmatch(converter.regex, text):
                values[name] = candidate
                break
        else:  # an AnyConverter or a custom one: take a value it accepts
            values[name] = getattr(converter, "items", ["x"])[0]
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, method=method_of(rule))


def method_of(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def routes(app):
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.endpoint, rule.rule))


def guarded_routes(app):
    return [rule for rule in routes(app) if ACCESS.get(rule.endpoint) != PUBLIC]


def session_routes(app):
    """Guarded routes reached with a session; the API's take a token (tests/api)."""
    return [rule for rule in guarded_routes(app) if not rule.endpoint.startswith("api_v1.")]


def request(client, app, rule):
    return client.open(dummy_url(app, rule), method=method_of(rule))


def signed_in_clients(app, make_person) -> dict[Role, tuple[int, object]]:
    clients = {}
    for role in Role:
        person_id = make_person(f"{role.value}@example.org", role=role)
        client = app.test_client()
        response = client.post(
            "/login", data={"email": f"{role.value}@example.org", "password": PASSWORD}
        )
        assert response.status_code == 302, role
        clients[role] = (person_id, client)
    return clients


def test_every_route_is_in_the_access_table(app):
    missing = sorted({rule.endpoint for rule in app.url_map.iter_rules()} - set(ACCESS))
    assert missing == [], f"add these endpoints to tracker.access.ACCESS: {missing}"


def test_every_access_table_entry_is_a_real_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    stale = sorted(set(ACCESS) - endpoints)
    assert stale == [], f"remove these stale entries from tracker.access.ACCESS: {stale}"


def test_every_entry_names_public_or_a_set_of_roles(app):
    for endpoint, roles in ACCESS.items():
        assert roles == PUBLIC or (roles and set(roles) <= set(Role)), endpoint


def test_only_the_login_page_static_files_and_the_health_check_are_public(app):
    public = {endpoint for endpoint, roles in ACCESS.items() if roles == PUBLIC}
    # auth.second_step is the sign-in's second page (a code), useless without the first; the
    # API's description and its readable page hold no data (tests/api).
    assert public <= {"auth.login", "auth.second_step", "static", "bootstrap.static",
                      "main.healthz", "api-docs.openapi_json", "api_docs.page"}  # fmt: skip


def test_every_guarded_route_sends_an_anonymous_visitor_to_login(app, client):
    rules = guarded_routes(app)
    assert len(rules) >= 5
    for rule in rules:
        url = dummy_url(app, rule)
        response = request(client, app, rule)
        if url.startswith("/api/") and response.status_code == 401:
            continue  # an API answers 401 with a JSON error instead of a redirect
        assert response.status_code == 302, f"{method_of(rule)} {url}: {response.status_code}"
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login", f"{url} redirects to {location.path}"


def test_the_login_page_and_its_styles_are_open_to_everyone(client):
    page = client.get("/login")
    assert page.status_code == 200
    stylesheets = re.findall(r'<link[^>]+href="([^"]+\.css)"', page.get_data(as_text=True))
    assert stylesheets, "the login page links no stylesheet"
    for href in stylesheets:
        if href.startswith("/"):
            with client.get(href) as response:
                assert response.status_code == 200, href


def test_a_role_not_allowed_gets_a_friendly_403_and_an_audit_event(app, make_person):
    clients = signed_in_clients(app, make_person)
    refused = 0
    for rule in session_routes(app):
        allowed = ACCESS.get(rule.endpoint, frozenset())  # missing: refused to everyone
        for role, (person_id, client) in clients.items():
            if role in allowed:
                continue
            url = dummy_url(app, rule)
            response = request(client, app, rule)
            assert response.status_code == 403, f"{role} {method_of(rule)} {url}"
            page = response.get_data(as_text=True)
            assert "Not allowed" in page
            assert "Your role does not give you access to this page." in page
            assert "Traceback" not in page
            with app.app_context():
                event = db.session.scalars(
                    select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
                ).one()
                assert event.action == "access_denied"
                assert event.actor_id == person_id
                assert event.record_id == rule.endpoint
                assert event.after["path"] == urlsplit(url).path
            refused += 1
    assert refused > 0  # the staff list alone refuses assistants


def test_allowed_roles_pass_the_guard(app, make_person):
    """The access table lets each allowed role through (the view itself is not run: it may
    still answer 404 for an object the person may not see)."""
    from flask_login import login_user

    from tracker.staff.models import Person

    people = {role: make_person(f"{role.value}@example.org", role=role) for role in Role}
    checked = 0
    for rule in session_routes(app):
        for role in ACCESS.get(rule.endpoint, ()):
            url = dummy_url(app, rule)
            with app.test_request_context(url, method=method_of(rule)):
                login_user(db.session.get(Person, people[role]))
                assert app.preprocess_request() is None, f"{role} stopped at {url}"
            checked += 1
    assert checked > 0
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action)).all() == []


def test_an_endpoint_missing_from_the_table_is_refused(app, make_person):
    app.add_url_rule("/unlisted-probe", "unlisted_probe", lambda: "secret records")
    make_person("admin@example.org", role=Role.admin)
    client = app.test_client()

    anonymous = client.get("/unlisted-probe")
    assert anonymous.status_code == 302
    assert urlsplit(anonymous.headers["Location"]).path == "/login"

    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    response = client.get("/unlisted-probe")
    assert response.status_code == 403
    assert b"secret records" not in response.data
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access_denied")
        ).one()
        assert "missing from the access table" in event.after["reason"]


@pytest.mark.parametrize(
    ("role", "sees_staff_link"),
    [(Role.assistant, False), (Role.provider, True), (Role.manager, True), (Role.admin, True)],
)
def test_the_navigation_offers_only_pages_the_role_may_open(
    app, client, auth, make_person, role, sees_staff_link
):
    make_person("someone@example.org", role=role)
    auth.login("someone@example.org")

    page = client.get("/").get_data(as_text=True)

    assert ('href="/staff/"' in page) is sees_staff_link
    assert 'href="/staff/me"' in page  # everyone has a training file


def test_the_menu_follows_the_address_the_app_is_served_under(app, client, auth, make_person):
    """The menu's addresses are worked out once for a role: once for each root the app is
    reached under (behind a proxy at /clinic, and directly), never one root's for another."""
    make_person("manager@example.org", role=Role.manager)
    auth.login("manager@example.org")

    for _ in range(2):
        under = client.get("/", base_url="http://localhost/clinic").get_data(as_text=True)
        direct = client.get("/").get_data(as_text=True)
        assert 'href="/clinic/staff/"' in under and 'href="/staff/"' not in under
        assert 'href="/staff/"' in direct and "/clinic/" not in direct


def test_each_role_gets_its_own_menu_from_one_app(app, make_person):
    """A provider's menu, worked out first, is not what an assistant then sees."""
    make_person("provider@example.org", role=Role.provider)
    make_person("assistant@example.org", role=Role.assistant)
    pages = {}
    for email in ("provider@example.org", "assistant@example.org"):
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD})
        pages[email] = client.get("/").get_data(as_text=True)
    assert 'href="/staff/"' in pages["provider@example.org"]
    assert 'href="/staff/"' not in pages["assistant@example.org"]
