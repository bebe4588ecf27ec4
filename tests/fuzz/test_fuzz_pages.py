"""Every page and every form, fed hostile values by each role: never a server error, and a
refused request changes nothing.

The pages are not listed by hand: the GET endpoints come from ``app.url_map``, their query
parameters from the views' own source and from the links and GET forms the pages show, and
the forms (with the values a browser would send) from the pages a role can reach. A new page,
parameter or form is fuzzed without touching this file.
"""

from __future__ import annotations

import hashlib
import inspect
import re
from collections import defaultdict
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
from hypothesis import strategies as st
from sqlalchemy import event, func, select, text
from werkzeug.exceptions import HTTPException

from tests.fuzz.hostile import CANONICAL, MEASURE, TALLY, explore, hostile_number, hostile_value
from tracker import dates
from tracker.access import PUBLIC, allowed_roles
from tracker.audit.models import AuditEvent
from tracker.extensions import db

#: The long walks: once per database in CI, not in the far-off-date pass.
pytestmark = pytest.mark.slow

#: One account of each role in the demo practice.
ROLE_ACCOUNTS = {
    "admin": "admin@demo.clinic",
    "manager": "manager@demo.clinic",
    "compliance": "compliance@demo.clinic",
    "provider": "dr.lee@demo.clinic",
    "assistant": "ana@demo.clinic",
    "anonymous": None,  # signed out: the sign-in form and the public pages
}
#: Audit events a refused or read-only request may still write: the refusal itself, and a
#: fresh sign-in when the fuzzer had to sign in again.
EVENTS_OF_A_REFUSAL = {
    "access_denied", "login", "login_failed", "login_throttled",
    # A refused change of one's own password is kept as a security event (DESIGN 12).
    "password_change_refused",
}  # fmt: skip
#: Endpoints not fuzzed here: signing out ends the session the fuzzer needs; static files.
NOT_FUZZED = {"static", "bootstrap.static", "auth.logout"}
#: Per kind of input, the values sent to each field alone (the others left valid).
PER_KIND = {
    "date": ["0001-01-01", "9999-12-31"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59"],
    "select": ["99999999999999999999", "a\x00b"],
    "number": ["99999999999999999999", "1e9999"],
    "text": ["a\x00b", "x" * 3000],
    "textarea": ["a\x00b", "\x1b[2J"],
    "email": ["a\x00b@example.org", "99999999999999999999"],
    "hidden": ["99999999999999999999", "a\x00b"],
    "checkbox": ["99999999999999999999"],
    "submit": [],
}
#: Forms only a valid first step shows, so the crawl cannot reach them: the confirmation of
#: a new policy after its what-if preview (the same fields as the preview, fuzzed there) and
#: the CSV import's commit (after a file upload; tests/functional/test_csv_import.py).
BEYOND_THE_CRAWL = {
    "policy.new_policy", "imports.commit",
    # Two-factor's second sign-in step and turning it off need an authenticator set up
    # first (tests/functional/test_account.py); revoking needs a token made first
    # (tests/api). The JSON API is fuzzed by schemathesis against its spec (.ci/run).
    "auth.second_step", "account.two_factor_off", "tokens.revoke",
    # Withdrawing needs a document attached first (the demo has none; the upload form is
    # fuzzed here; tests/functional/test_documents_pages.py withdraws).
    "documents.withdraw",
}  # fmt: skip
#: Pages a role's crawl may visit (each visit is a request of its own).
CRAWL_LIMIT = 160
GET_EXAMPLES = 4
PATH_EXAMPLES = 3
FORM_EXAMPLES = 5

_ARGS_RE = re.compile(r"""request\.args(?:\.get(?:list)?\(|\[)\s*["'](\w+)["']""")
SOURCE = Path(__file__).resolve().parents[2] / "tracker"

#: POST endpoints whose form some role's crawl found (the last test checks the union).
FORMS_FOUND: set[str] = set()
ROLES_RUN: set[str] = set()


# --------------------------------------------------------------------------- pages as a browser


class Page(HTMLParser):
    """The links and forms of one page, as a browser would see and submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": [],  # (name, value, kind) in document order, as a browser sends
                "names": [],
            }
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            self._form["names"].append((a["name"], kind))
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind == "submit" and any(k == "submit" for _, _, k in self._form["fields"]):
                return
            self._form["fields"].append((a["name"], a.get("value") or "", kind))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form["names"].append((a["name"], "select"))
            self._form["fields"].append((a["name"], None, "select"))
        elif tag == "option" and self._select:
            fields = self._form["fields"]
            name, value, _ = fields[-1]
            if value is None or "selected" in a:
                fields[-1] = (name, a.get("value", ""), "select")
            self._form.setdefault("last_option", {})[name] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["names"].append((a["name"], "textarea"))
            self._form["fields"].append((a["name"], "", "textarea"))

    def handle_data(self, data):
        if self._textarea and self._form:
            name, value, kind = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data, kind)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._form and self._form["fields"] and self._form["fields"][-1][1] is None:
                name, _, kind = self._form["fields"][-1]
                self._form["fields"][-1] = (name, "", kind)
            self._select = None
        elif tag == "textarea":
            self._textarea = None


#: Written by any signed-in request, at most once a minute (``TOUCH_EVERY``): a walk slowed
#: by a busy machine sees it land on a refused request, which changed nothing of the data.
NOT_DATA = {("sign_in_sessions", "last_seen_at")}


def snapshot(app) -> tuple[str, int]:
    """A digest of every table but the audit trail (and the session's last-seen time), and
    the audit trail's length."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name == AuditEvent.__tablename__:
                continue
            columns = sorted(
                (c for c in table.columns if (table.name, c.name) not in NOT_DATA),
                key=lambda c: c.name,
            )
            rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns))
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        db.session.remove()
    return digest.hexdigest(), events


def stored_out_of_bounds(app) -> list[str]:
    """Values no form should have let in: control characters in text, dates outside the
    supported range (a database may store both silently, SQLite does)."""
    from tracker.validation import DATE_MAX, DATE_MIN

    control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                try:
                    kind = column.type.python_type
                except NotImplementedError:
                    continue
                if kind not in (str, date, datetime):
                    continue
                for (value,) in db.session.execute(select(column).where(column.is_not(None))):
                    day = value.date() if isinstance(value, datetime) else value
                    if (isinstance(value, str) and control.search(value)) or (
                        isinstance(day, date) and not DATE_MIN <= day <= DATE_MAX
                    ):
                        found.append(f"{table.name}.{column.name} = {value!r:.80}")
        db.session.remove()
    return found


def new_events(app, since: int) -> set[str]:
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action).order_by(AuditEvent.id).offset(since)
        ).all()
        db.session.remove()
    return set(actions)


class Fuzzer:
    """One role's session against the demo practice."""

    def __init__(self, app, client, role: str):
        self.app = app
        self.client = client
        self.role = role
        self.email = ROLE_ACCOUNTS[role]
        self.adapter = app.url_map.bind("localhost")
        self.samples: dict[str, list[str]] = defaultdict(list)  # endpoint -> URLs seen
        self.params: dict[str, set[str]] = defaultdict(set)  # endpoint -> query names
        self.forms: dict[str, list[dict]] = defaultdict(list)  # POST endpoint -> forms
        self.failures: list[str] = []
        self.writes: list[str] = []  # write statements since the last look
        self.before: tuple[str, int] | None = None  # the database as last seen unchanged
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._note_write)

    def _note_write(self, conn, cursor, statement, *args):
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.writes.append(statement)

    # -- plumbing

    def sign_in(self) -> None:
        if self.email is None:
            return
        from tracker.demo import DEMO_PASSWORD
        from tracker.staff.models import Person

        with self.app.app_context():
            person = db.session.scalar(select(Person).where(Person.email == self.email))
            person.active = True  # the fuzzer may have deactivated itself
            db.session.commit()
            db.session.remove()
        response = self.client.post("/login", data={"email": self.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, f"cannot sign in as {self.email}"

    def endpoint_of(self, url: str, method: str = "GET") -> str | None:
        parts = urlsplit(url)
        if parts.netloc and parts.netloc != "localhost":
            return None
        try:
            endpoint, _ = self.adapter.match(parts.path, method=method)
        except HTTPException:
            return None
        return endpoint

    def send(self, family: str, method: str, url: str, body: bytes | None = None):
        """Send one request; note a server error (or fail at once, outside measuring)."""
        try:
            if method == "GET":
                response = self.client.get(url)
            else:
                response = self.client.post(
                    url, data=body or b"", content_type="application/x-www-form-urlencoded"
                )
            status, error = response.status_code, ""
        except Exception as exc:  # the test app lets errors through: a 500 in production
            response, status, error = None, 500, f"{type(exc).__name__}: {exc}"[:300]
            with self.app.app_context():
                db.session.rollback()
                db.session.remove()
        TALLY.add(family, status >= 500)
        if status >= 500:
            what = f"{self.role}: {method} {url:.300} {body!r:.300} -> {status} {error}"
            if not MEASURE:
                raise AssertionError(what)
            self.failures.append(what)
            return None
        if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
            self.sign_in()
        elif self.email is None and method == "POST" and response.status_code == 302:
            self.client.post("/logout")  # the fuzzer signed in as someone: sign out again
        return response

    # -- discovery

    def crawl(self) -> None:
        """Visit the pages this role can reach from the home page and every GET route."""
        queue = ["/"]
        for rule in self.app.url_map.iter_rules():
            if "GET" in rule.methods and rule.endpoint not in NOT_FUZZED and not rule.arguments:
                queue.append(rule.rule)
        seen: set[str] = set()
        shapes: set[tuple] = set()
        visits = 0
        while queue and visits < CRAWL_LIMIT:
            url = queue.pop(0)
            endpoint = self.endpoint_of(url)
            if url in seen or endpoint is None or endpoint in NOT_FUZZED:
                continue
            seen.add(url)
            shape = (endpoint, tuple(sorted(k for k, _ in parse_qsl(urlsplit(url).query))))
            taken = len(self.samples[endpoint])
            if taken >= 4 or (shape in shapes and taken >= 2):
                continue
            shapes.add(shape)
            self.samples[endpoint].append(url)
            self.params[endpoint].update(k for k, _ in parse_qsl(urlsplit(url).query))
            response = self.send("crawl", "GET", url)
            visits += 1
            if response is None or "text/html" not in response.content_type:
                continue
            page = Page()
            page.feed(response.get_data(as_text=True))
            queue.extend(link for link in page.links if link.startswith("/"))
            queue.extend(self.take_forms(page, url))
        for endpoint, view in self.app.view_functions.items():
            self.params[endpoint].update(_ARGS_RE.findall(_source(view)))

    def take_forms(self, page: Page, url: str) -> list[str]:
        """Keep the page's POST forms; return the URLs its GET forms lead to when filled in."""
        leads = []
        for form in page.forms:
            action = form["action"] or url
            if form["method"] == "get":
                target = self.endpoint_of(action)
                if target:
                    self.params[target].update(name for name, _ in form["names"])
                    last = form.get("last_option", {})
                    filled = [(n, last.get(n, v)) for n, v, _ in form["fields"]]
                    leads.append(f"{urlsplit(action).path}?{_encode(filled)}")
                continue
            target = self.endpoint_of(action, "POST")
            if target and target not in NOT_FUZZED and len(self.forms[target]) < 2:
                form["fields"] = _filled_in(form)
                self.forms[target].append({**form, "action": urlsplit(action).path})
        return leads

    def follow_forms(self) -> None:
        """Send each form as a browser would, once, to reach the forms only a POST shows
        (a what-if preview's confirmation, the CSV import's commit)."""
        done: set[str] = set()
        while True:
            todo = [e for e in sorted(self.forms) if e not in done]
            if not todo:
                return
            for endpoint in todo:
                done.add(endpoint)
                form = self.forms[endpoint][0]
                body = _encode([(name, value) for name, value, _ in form["fields"]]).encode()
                response = self.send("crawl", "POST", form["action"], body)
                if response is not None and response.status_code == 302:
                    response = self.send("crawl", "GET", response.headers["Location"])
                if response is not None and "text/html" in response.content_type:
                    page = Page()
                    page.feed(response.get_data(as_text=True))
                    self.take_forms(page, form["action"])

    def all_params(self) -> list[str]:
        return sorted({name for names in self.params.values() for name in names})

    # -- the checks

    def fuzz_queries(self, endpoint: str) -> None:
        """Hostile values in the query string of one GET page: no 500, nothing changed."""
        urls = [u for u in self.samples[endpoint] if u] or [self.url_for(endpoint)]
        own = sorted(self.params[endpoint]) or self.all_params()
        names = st.sampled_from(own + self.all_params()[:8])
        strategy = st.tuples(
            st.sampled_from(urls),
            st.lists(st.tuples(names, hostile_value), min_size=1, max_size=len(own) + 1),
        )

        def check(drawn):
            url, pairs = drawn
            base = urlsplit(url)
            query = base.query + "&" + _encode(pairs) if base.query else _encode(pairs)
            self.unchanged_by("GET", f"{base.path}?{query}")

        for name in sorted(self.params[endpoint]):
            for value in CANONICAL:
                check((urls[0], [(name, value)]))
        explore(strategy, check, GET_EXAMPLES)

    def fuzz_path(self, rule) -> None:
        """Hostile values in the path (ids past any column, text with control characters)."""

        arguments = _path_arguments(rule)

        def check(values):
            path = rule.rule
            for name, value in zip(arguments, values, strict=True):
                path = path.replace(f"<{_converter_text(rule, name)}>", quote(value, safe=""))
            self.unchanged_by("GET", path)

        kinds = [
            hostile_number if _converter_text(rule, name).startswith("int:")
            else hostile_value.filter(lambda v: isinstance(v, str) and "/" not in v and v)
            for name in arguments
        ]  # fmt: skip
        for value in CANONICAL:
            if isinstance(value, str) and "/" not in value:
                check([value] * len(arguments))
        explore(st.tuples(*kinds), check, PATH_EXAMPLES)

    def fuzz_form(self, endpoint: str) -> None:
        """Hostile, missing and doubled values in one form: no 500; a refusal changes nothing;
        a form sent without any of its fields changes nothing at all."""
        forms = self.forms[endpoint]
        strategy = st.tuples(
            st.sampled_from(range(len(forms))),
            st.sampled_from(["mutate", "mutate", "mutate", "drop", "empty"]),
            st.data(),
        )

        def check(drawn):
            index, how, data = drawn
            form = forms[index]
            fields = list(form["fields"])
            names = sorted({name for name, _ in form["names"]} - {"csrf_token"})
            if isinstance(how, tuple):  # one field, the others as a person filled them
                _, name, value = how
                if name == "csrf_token" or name not in names:
                    return
                fields = [f for f in fields if f[0] != name] + [(name, value, "")]
            elif how in CANONICAL:  # every field at once
                fields = [f for f in fields if f[0] not in names] + [(n, how, "") for n in names]
            elif how == "empty":
                fields = [f for f in fields if f[0] == "csrf_token"]
            elif how == "drop" and names:
                dropped = data.draw(st.sets(st.sampled_from(names), min_size=1))
                fields = [f for f in fields if f[0] not in dropped]
            elif names:
                changes = data.draw(
                    st.dictionaries(st.sampled_from(names), hostile_value, min_size=1, max_size=4)
                )
                kept = [f for f in fields if f[0] not in changes]
                fields = kept + [(n, v, "") for n, v in changes.items()]
            body = _encode([(name, value) for name, value, _ in fields]).encode()
            inputs = [n for n, k in form["names"] if k not in ("submit", "hidden")]
            self.unchanged_by("POST", form["action"], body, always=how == "empty" and inputs)

        for index, form in enumerate(forms):
            for value in CANONICAL:
                check((index, value, None))
            for name, kind in form["names"]:
                for value in PER_KIND.get(kind, PER_KIND["text"]):
                    check((index, ("one", name, value), None))
        explore(strategy, check, FORM_EXAMPLES * len(forms))

    def unchanged_by(self, method: str, url: str, body: bytes | None = None, always=False):
        """Send; a refused request (answered 4xx; any GET; any request when ``always``)
        leaves every table as it was and writes no audit event but the refusal itself."""
        if self.before is None:
            self.before = snapshot(self.app)
        self.writes.clear()
        family = {"POST": "form POST", "GET": "query GET"}[method]
        if method == "GET" and "?" not in url:
            family = "path GET"
        response = self.send(family, method, url, body)
        wrote = list(self.writes)
        if response is None:
            self.before = None
            return
        refused = method == "GET" or always or response.status_code >= 400
        if not wrote:
            return  # nothing was written, so nothing changed
        if not refused:
            self.before = None  # an accepted change: look again before the next request
            return
        after = snapshot(self.app)
        events = new_events(self.app, self.before[1]) - EVENTS_OF_A_REFUSAL
        unchanged = after[0] == self.before[0] and not events
        self.before = after
        TALLY.add("refusals that wrote", not unchanged, ("checked", "changed data"))
        what = (
            f"{self.role}: {method} {url:.300} {body!r:.300} answered "
            f"{response.status_code} but changed the database (events {sorted(events)})"
        )
        if MEASURE and not unchanged:
            self.failures.append(what)
        assert MEASURE or unchanged, what

    def url_for(self, endpoint: str) -> str:
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == endpoint)
        path = rule.rule
        for name in _path_arguments(rule):
            path = path.replace(f"<{_converter_text(rule, name)}>", "1")
        return path


def _filled_in(form: dict) -> list:
    """The form as a person would send it: a choice made where none is, a date where the
    field is empty (so that one hostile value is not hidden behind a missing one)."""
    today = dates.today("America/Los_Angeles").isoformat()
    last = form.get("last_option", {})
    filled = []
    for name, value, kind in form["fields"]:
        if kind == "select" and value in ("", "0"):
            value = last.get(name, value)
        elif kind == "date" and not value:
            value = today
        elif kind == "datetime-local" and not value:
            value = f"{today}T10:00"
        filled.append((name, value, kind))
    return filled


def _source(view) -> str:
    try:
        return inspect.getsource(inspect.unwrap(view))
    except (OSError, TypeError):
        return ""


def _path_arguments(rule) -> list[str]:
    """The arguments written in the rule's path (not those only given as defaults)."""
    return sorted(name for name in rule.arguments if re.search(rf"[<:]{name}>", rule.rule))


def _converter_text(rule, name: str) -> str:
    match = re.search(rf"<([^<>]*:)?{name}>", rule.rule)
    return match.group(0)[1:-1]


def _encode(pairs) -> str:
    return urlencode([(k, v if isinstance(v, bytes) else str(v)) for k, v in pairs])


# --------------------------------------------------------------------------- the tests


@pytest.fixture
def demo(app):
    from tracker.demo import seed_demo

    # The walk signs in again after each form that ends its session (password change, sign
    # out everywhere): sign-in throttling has tests of its own.
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1000/minute"

    with app.app_context():
        seed_demo(dates.today("America/Los_Angeles"))
        db.session.commit()
        db.session.remove()
    return app


@pytest.mark.timeout(900)  # a role's whole walk (about 20 s alone on SQLite; more on PostgreSQL)
@pytest.mark.parametrize("role", sorted(ROLE_ACCOUNTS))
def test_no_page_or_form_breaks_under_hostile_input(demo, client, role):
    app = demo
    fuzzer = Fuzzer(app, client, role)
    fuzzer.sign_in()
    fuzzer.crawl()
    fuzzer.follow_forms()
    get_rules = [
        r for r in app.url_map.iter_rules() if "GET" in r.methods and r.endpoint not in NOT_FUZZED
    ]
    if role == "anonymous":  # signed out, every other page only redirects to sign in
        get_rules = [r for r in get_rules if allowed_roles(r.endpoint) == PUBLIC]
    for rule in get_rules:
        fuzzer.fuzz_queries(rule.endpoint)
        if _path_arguments(rule):
            fuzzer.fuzz_path(rule)
    for endpoint in sorted(fuzzer.forms):
        fuzzer.fuzz_form(endpoint)
    FORMS_FOUND.update(fuzzer.forms)
    ROLES_RUN.add(role)
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # the database still answers
        db.session.remove()
    stored = stored_out_of_bounds(app)
    TALLY.add("stored values", bool(stored), ("scans", "found control characters or dates"))
    fuzzer.failures.extend(f"{role}: stored {value}" for value in stored[:10])
    assert not fuzzer.failures, "\n".join(fuzzer.failures[:20])


def test_every_form_was_found_and_fuzzed(app):
    """The crawl reached a form for every POST endpoint (else a form escaped the fuzzing)."""
    if set(ROLE_ACCOUNTS) != ROLES_RUN:
        pytest.skip("runs after the fuzz test of every role")
    post_endpoints = {
        r.endpoint
        for r in app.url_map.iter_rules()
        if "POST" in r.methods and r.endpoint not in NOT_FUZZED
    }
    missing = {
        e for e in post_endpoints - FORMS_FOUND - BEYOND_THE_CRAWL if not e.startswith("api_v1.")
    }
    assert sorted(missing) == []
