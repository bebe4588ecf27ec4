"""A policy document holding markup stays text in a real browser (security finding 2)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import sample_practice

PAYLOAD = '"><img src=x onerror="window.__xss=1;alert(1)">'


def test_a_stored_script_in_a_policy_document_never_runs(page, live_server, seed, sign_in):
    data = sample_practice()
    data["policies"][0]["document"] = PAYLOAD
    seed.practice(data)
    seed.password("manager@example.org")
    ana = seed.person_id("ana@example.org")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, "manager@example.org")
    for url in (f"/competencies/new?person_id={ana}&task=injection", "/policy/all"):
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("img[src=x]").count() == 0, url

    page.goto(f"/competencies/new?person_id={ana}&task=injection")
    # The document's name is shown as the words that were typed, markup and all.
    expect(page.get_by_text(PAYLOAD, exact=False)).to_be_visible()
    assert dialogs == []
