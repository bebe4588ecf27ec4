"""Under the Content-Security-Policy every page still works, and a warm page view is light.

Chromium reports each thing the policy blocks (an inline script or style, a style
attribute, a resource from elsewhere) on the console; any such report fails the journey.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db

MANAGER = "manager@demo.clinic"
#: The main pages a manager opens, by URL and heading.
PAGES = [
    ("/", None),
    ("/delegations/", "Delegations"),
    ("/delegations/new", "Record a delegation"),
    ("/may-i", None),
    ("/matrix", "Compliance matrix"),
    ("/decisions", None),
    ("/staff/", "Staff"),
    ("/competencies/", "Competencies"),
    ("/records/", "Records"),
    ("/records/shifts", None),
    ("/records/expiring", None),
    ("/policy/", "Written policy"),
    ("/policy/new", None),
    ("/policy/states/", "State rules"),
    ("/incidents/", None),
    ("/imports/", None),
]
#: A warm page view (Bootstrap and the app's files already cached) must stay under this.
WARM_PAGE_LIMIT = 20_000


@pytest.fixture
def demo(live_server):
    from tracker.demo import seed_demo

    with live_server.app.app_context():
        seed_demo()
        db.session.commit()


class Console:
    """What the page reports: CSP violations on the console, uncaught script errors."""

    def __init__(self, page):
        self.violations: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.violations.append(f"{message.type}: {message.text}")


def test_main_pages_work_under_the_policy_with_no_violation(
    page, demo, sign_in, sign_out, open_menu
):
    console = Console(page)
    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    sign_in(page, MANAGER, DEMO_PASSWORD)

    # The app's stylesheet applied (body padding) and Bootstrap's (the navbar's colour).
    assert page.evaluate("getComputedStyle(document.body).paddingBottom") == "48px"
    navbar = page.get_by_role("navigation", name="Main")
    assert navbar.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

    for url, heading in PAGES:
        response = page.goto(url)
        assert response.status == 200, url
        if heading:
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        assert console.violations == [], f"{url}: {console.violations}"

    # Bootstrap's script runs under the policy: a navbar dropdown opens (Popper places it).
    open_menu(page, "People", "Staff")
    expect(page).to_have_url(re.compile(r"/staff/$"))
    sign_out(page)
    assert console.violations == [], console.violations
    assert console.errors == [], console.errors


def test_an_inline_style_would_be_reported(page, demo):
    """The journey above can fail: an inline style is blocked and reported on the console."""
    console = Console(page)
    page.goto("/login")
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">inline</p>')"
    )
    page.wait_for_timeout(200)
    assert any("style" in text for text in console.violations), console.violations


def transferred_bytes(page) -> int:
    """Bytes the last navigation took over the network: the page and every resource it
    loaded that did not come from the cache (0 for a cache hit), headers included."""
    return page.evaluate(
        """() => performance.getEntriesByType('navigation')
            .concat(performance.getEntriesByType('resource'))
            .reduce((total, entry) => total + entry.transferSize, 0)"""
    )


def test_a_warm_page_view_transfers_under_20_kb(page, demo, sign_in, capsys):
    sign_in(page, MANAGER, DEMO_PASSWORD)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")

    page.goto("/")
    page.wait_for_load_state("load")
    cold = transferred_bytes(page)
    page.goto("/")
    page.wait_for_load_state("load")
    warm = transferred_bytes(page)
    with capsys.disabled():
        print(f"\nhome page as the manager: cold {cold} bytes, warm {warm} bytes")
    # The cold view carries Bootstrap, compressed; the warm one only the page itself.
    assert cold > 40_000, cold
    assert 0 < warm < WARM_PAGE_LIMIT, warm
