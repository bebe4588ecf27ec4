"""Long lists: a search box that works without script, and pages of 50 that keep the filters."""

from __future__ import annotations

from tracker.extensions import db
from tracker.paging import page_of
from tracker.staff.models import Person
from tracker.vocabulary import Role


def test_page_of_a_list():
    page = page_of(list(range(120)), 3, 50)
    assert (page.items, page.pages, page.has_prev, page.has_next) == (
        list(range(100, 120)),
        3,
        True,
        False,
    )
    assert page_of([], 1, 50).pages == 1
    assert page_of(list(range(10)), 99, 50).page == 1  # out of range: the nearest page


def test_the_staff_list_searches_and_pages_keeping_the_filters(app, client, make_person, auth):
    make_person("boss@example.org", Role.manager, name="Mia Manager")
    with app.app_context():
        db.session.add_all(
            Person(email=f"ma{n:02d}@example.org", name=f"Assistant {n:02d}", role=Role.assistant)
            for n in range(60)
        )
        db.session.add(Person(email="zed@other.example", name="Zed 100% Shaw", role=Role.assistant))
        db.session.commit()
    auth.login("boss@example.org")

    first = client.get("/staff/?role=assistant").get_data(as_text=True)
    assert "Page 1 of 2 (61 in all)" in first
    assert 'href="/staff/?role=assistant&amp;page=2"' in first
    assert "Assistant 49" in first and "Assistant 50" not in first
    second = client.get("/staff/?role=assistant&page=2").get_data(as_text=True)
    assert "Assistant 50" in second and "Assistant 49" not in second

    # By name or by email, every word must match; a % is a percent sign, not a wildcard.
    found = client.get("/staff/?q=assistant+07").get_data(as_text=True)
    assert "Assistant 07" in found and "Assistant 08" not in found
    assert "Zed" in client.get("/staff/?q=other.example").get_data(as_text=True)
    percent = client.get("/staff/?q=100%25").get_data(as_text=True)
    assert "Zed" in percent and "Assistant 10" not in percent
    # The search box is a plain form (works without script) that script also enhances.
    assert 'name="q" value="assistant 07" data-filter-table="staff-table"' in found
    assert "Nobody matches these filters and this search." in client.get(
        "/staff/?q=nobody-at-all"
    ).get_data(as_text=True)
