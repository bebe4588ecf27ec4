"""axe-core on every page kind, for each role, on the demo practice (DESIGN section 12).

Each role signs in and walks every link it is shown, from the home page, opening one page
of each kind (one URL per endpoint), plus the pages only a form submission reaches (a
"May I?" answer, a policy what-if preview). axe-core (shipped inside the
``axe-playwright-python`` wheel: nothing is downloaded) runs on each; any serious or
critical violation fails the test, listed with the page and the element.

The assistant's walk is done again on a phone (390 px): every page must fit the screen's
width (a wide table scrolls inside its own box, not the page).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlparse

import pytest

from tracker.demo import DEMO_PASSWORD

#: Never followed: they sign out, download a file or are not pages.
SKIPPED = {"auth.logout", "static", "bootstrap.static", "audit.export", "imports.template"}
#: Pages laid out for paper (A4 and US Letter), not for a phone's screen.
PAPER = "reports.print_"
ROLES = [
    "admin@demo.clinic",
    "manager@demo.clinic",
    "compliance@demo.clinic",
    "dr.lee@demo.clinic",
    "ana@demo.clinic",
]


@pytest.fixture
def demo(live_server):
    from tracker.demo import seed_demo
    from tracker.extensions import db

    with live_server.app.app_context():
        seed_demo()
        db.session.commit()
    return live_server


def _with_axe(page) -> None:
    """Have the browser load axe-core into every page this context opens, before the
    page's own scripts: sent to the browser once, not with each page (which took a fifth
    of the walk)."""
    import axe_playwright_python

    page.context.add_init_script(path=Path(axe_playwright_python.__file__).parent / "axe.min.js")


def _sign_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def _serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page (``_with_axe`` loaded it)."""
    found = []
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    for violation in results["violations"]:
        if violation["impact"] in ("serious", "critical"):
            found.extend(f"{violation['id']}: {node['html'][:120]}" for node in violation["nodes"])
    return found


def walk(page, app, base_url: str):
    """Open one page of each kind reachable by links from home; yield (endpoint, url)."""
    adapter = app.url_map.bind("localhost")
    queue, visited, kinds = [base_url + "/"], set(), set()
    while queue:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        try:
            endpoint, _ = adapter.match(urlparse(url).path, method="GET")
        except Exception:  # a link to something that is not a page (405, 404)
            continue
        if endpoint in kinds or endpoint in SKIPPED or urlparse(url).path.endswith(".csv"):
            continue
        kinds.add(endpoint)
        response = page.goto(url)
        if response is None or response.status != 200:
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        yield endpoint, url
        for href in page.locator("a[href]").evaluate_all("els => els.map(e => e.href)"):
            target = urljoin(url, href).split("#")[0]
            if target.startswith(base_url):
                queue.append(target)


def _submitted_pages(page, email: str):
    """Pages only a form reaches, for the roles that may submit them."""
    if email == "ana@demo.clinic":
        for task in ("Injection", "Diagnosis", "Vital signs"):
            page.goto("/may-i")
            page.get_by_label("Task").select_option(label=task)
            page.get_by_role("button", name="Check").click()
            page.wait_for_load_state()
            yield f"may-i answer ({task})"
    if email == "manager@demo.clinic":
        page.goto("/policy/new?task=injection")
        page.get_by_label("Authorized", exact=True).check()
        page.get_by_label("Job levels").fill("CMA, MA 1")
        page.get_by_label("Written policy (name and version)").fill("Clinical Task Policy v4")
        page.get_by_role("button", name="Preview the change").click()
        page.wait_for_load_state()
        yield "policy preview"


@pytest.mark.parametrize("email", ROLES)
def test_no_serious_violation_on_any_page(new_page, demo, email):
    page = new_page(viewport={"width": 1366, "height": 900})
    _with_axe(page)
    _sign_in(page, email)
    problems, opened = [], []
    for endpoint, url in walk(page, demo.app, demo.url):
        opened.append(endpoint)
        problems.extend(f"{url} {found}" for found in _serious(page))
    for name in _submitted_pages(page, email):
        opened.append(name)
        problems.extend(f"{name} {found}" for found in _serious(page))
    # The walk reaches the pages a role works in (a broken walk must not pass quietly).
    assert {"main.home", "staff.my_file", "decision.self_check"} <= set(opened)
    assert len(opened) >= 10, opened
    assert not problems, "\n".join(problems)


def test_assistant_pages_fit_a_phone(new_page, demo):
    """At 390 px no assistant page is wider than the screen, and axe finds nothing serious."""
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    _with_axe(page)
    _sign_in(page, "ana@demo.clinic")
    too_wide, problems, opened = [], [], []
    for endpoint, url in walk(page, demo.app, demo.url):
        opened.append(endpoint)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390 and not endpoint.startswith(PAPER):
            too_wide.append(f"{url}: {width} px")
        problems.extend(f"{url} {found}" for found in _serious(page))
    assert {"main.home", "staff.my_file", "delegations.index", "competencies.index"} <= set(opened)
    assert not too_wide, too_wide
    assert not problems, "\n".join(problems)
