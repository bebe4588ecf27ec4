"""On a phone, an MA declines three delegations from the same provider and documents each.

After the third, compliance sees a repeated-pressure alert (a practice-level problem), and
the provider who asked sees nothing of it: no incident, no count, no alert.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tracker.db_types import utcnow
from tracker.extensions import db
from tracker.vocabulary import Role

ANA = "ana@valley.example.org"
DR_LEE = "dr.lee@valley.example.org"
CORA = "cora@valley.example.org"
MIA = "mia@valley.example.org"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture
def delegations(live_server, seed):
    """Three planned injections for Ana, delegated by Dr. Lee; their ids."""
    from tracker.catalog.models import Task
    from tracker.delegations.services import record_delegation
    from tracker.sites.models import Site
    from tracker.staff.models import Person

    seed.practice(
        {
            "practice": {"name": "Valley Family Medicine"},
            "sites": [
                {"code": "main", "name": "Main St", "state": "CA",
                 "timezone": "America/Los_Angeles"},
            ],
        }
    )  # fmt: skip
    seed.person(ANA, Role.assistant, name="Ana Ruiz", sites=["main"], job_level="MA I")
    seed.person(DR_LEE, Role.provider, name="Dr. Jordan Lee", sites=["main"])
    seed.person(CORA, Role.compliance, name="Cora Compliance")
    seed.person(MIA, Role.manager, name="Mia Manager", sites=["main"])
    with live_server.app.app_context():

        def person(email):
            return db.session.scalars(select(Person).where(Person.email == email)).one()

        ids = [
            record_delegation(
                assistant=person(ANA),
                task=db.session.scalars(select(Task).where(Task.code == "injection")).one(),
                site=db.session.scalars(select(Site).where(Site.code == "main")).one(),
                scheduled_for=utcnow() + timedelta(days=1, hours=hour),
                delegated_by=person(DR_LEE),
                entered_by=person(MIA),
            ).id
            for hour in range(3)
        ]
        db.session.commit()
    return ids


def decline(page, delegation_id: int, said: str) -> str:
    """Decline from the delegation's page, fill the form as a thumb would; the record's URL."""
    page.goto(f"/delegations/{delegation_id}")
    page.get_by_role("link", name=re.compile("Decline")).click()
    expect(page.get_by_role("heading", name="Decline this delegation")).to_be_visible()
    # Nothing on the form is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.get_by_label("What you were asked to do")).to_have_value(
        re.compile(r"^Injection at Main St on .*delegated by Dr\. Jordan Lee\.$")
    )
    page.get_by_label("What you said", exact=True).fill(said)
    page.get_by_label("I am not trained for it").check()
    page.get_by_label("Cora Compliance (Compliance officer)").check()
    page.get_by_label("Pause").check()
    page.get_by_label("Ask the supervising provider directly").check()
    page.get_by_role("button", name="Decline and save the record").click()
    expect(page).to_have_url(re.compile(r"/incidents/\d+$"))
    expect(page.get_by_text("That was the right thing to do.")).to_be_visible()
    return page.url


@pytest.mark.browser
def test_three_declines_raise_an_alert_the_provider_never_sees(
    new_page, delegations, sign_in, sign_out
):
    ana = new_page(**PHONE)
    sign_in(ana, ANA)

    # A first attempt without saying anything is refused, next to the field; nothing declined.
    ana.goto(f"/delegations/{delegations[0]}/decline")
    ana.get_by_role("button", name="Decline and save the record").click()
    expect(ana.get_by_text("Say what you answered.")).to_be_visible()

    records = [decline(ana, delegations[0], "I'm not trained for injections yet.")]
    record = ana.get_by_role("main")
    expect(record).to_contain_text("Dr. Jordan Lee (Provider)")
    expect(record).to_contain_text("(declined)")
    expect(record).to_contain_text("never edited or deleted")
    # The record takes a later fact as a dated addendum.
    ana.get_by_label("Add a later fact").fill("Dr. Lee gave the injection himself.")
    ana.get_by_role("button", name="Add the addendum").click()
    expect(ana.get_by_text("Dr. Lee gave the injection himself.")).to_be_visible()
    # The delegation is declined: no second decline.
    ana.goto(f"/delegations/{delegations[0]}")
    expect(ana.get_by_role("link", name=re.compile("Decline"))).to_have_count(0)

    records.append(decline(ana, delegations[1], "Still not trained; please ask Dr. Patel."))

    cora = new_page(**PHONE)
    sign_in(cora, CORA)
    expect(cora.get_by_role("region", name="Declined requests")).to_contain_text("2 open")
    expect(cora.get_by_text("Repeated pressure:")).to_have_count(0)

    records.append(decline(ana, delegations[2], "Not trained. I have told compliance."))

    cora.reload()
    panel = cora.get_by_role("region", name="Declined requests")
    expect(panel).to_contain_text("3 open")
    alert = panel.get_by_role("alert")
    expect(alert).to_contain_text("Dr. Jordan Lee (Provider): 3 declined requests")
    expect(alert).to_contain_text("a practice-level problem, not the individual MA's")
    panel.get_by_role("link", name="Repeated-pressure alerts").click()
    expect(cora.get_by_text("1 alert.")).to_be_visible()
    behind = cora.get_by_role("region", name="Dr. Jordan Lee (Provider)")
    expect(behind.get_by_role("link")).to_have_count(3)
    behind.get_by_role("link").first.click()
    expect(cora).to_have_url(re.compile(r"/incidents/\d+$"))
    expect(cora.get_by_role("heading", level=1)).to_contain_text("Declined request")

    lee = new_page(**PHONE)
    sign_in(lee, DR_LEE)
    expect(lee.get_by_text("Repeated pressure")).to_have_count(0)
    lee.goto("/incidents/")
    expect(lee.get_by_text("0 incidents.")).to_be_visible()
    for url in records:
        response = lee.goto(url)
        assert response.status == 404
        expect(lee.get_by_text("I'm not trained")).to_have_count(0)
    assert lee.goto("/incidents/alerts").status == 403
    sign_out(lee)
