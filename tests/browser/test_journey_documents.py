"""A manager attaches the signed skills checklist to Ana's injection competency; Ana, the
assistant, finds it on her training file and downloads it (DESIGN section 16)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import sample_practice
from tests.document_samples import CHECKLIST_PDF, HTML_PAGE

ANA = "ana@example.org"
MIA = "manager@example.org"


def test_a_manager_attaches_a_checklist_and_the_assistant_downloads_it(
    live_server, seed, new_page, sign_in, sign_out, tmp_path
):
    seed.practice(sample_practice())
    seed.password(MIA)
    ana_id = seed.password(ANA)
    checklist = tmp_path / "Injection skills checklist.pdf"
    checklist.write_bytes(CHECKLIST_PDF)
    disguised = tmp_path / "checklist.pdf"
    disguised.write_bytes(HTML_PAGE)

    manager = new_page()
    sign_in(manager, MIA)
    manager.goto(f"/staff/{ana_id}")
    manager.get_by_role("link", name="Injection", exact=True).click()
    expect(manager.get_by_role("heading", name="Documents")).to_be_visible()
    expect(manager.get_by_text("No documents attached.")).to_be_visible()

    # A web page named .pdf is refused with a message, and nothing is kept.
    manager.get_by_label("Title").fill("Skills checklist, signed")
    manager.get_by_label("File").set_input_files(str(disguised))
    manager.get_by_role("button", name="Attach").click()
    expect(manager.get_by_text("Only PDF, PNG or JPEG files are accepted")).to_be_visible()

    manager.get_by_label("File").set_input_files(str(checklist))
    manager.get_by_role("button", name="Attach").click()
    expect(manager.get_by_text("“Skills checklist, signed” was attached.")).to_be_visible()
    expect(manager.get_by_role("link", name="Skills checklist, signed")).to_be_visible()
    expect(manager.get_by_text("Document attached")).to_be_visible()  # in the history
    sign_out(manager)

    assistant = new_page()
    sign_in(assistant, ANA)
    assistant.goto(f"/staff/{ana_id}")
    link = assistant.get_by_role("link", name="Skills checklist, signed")
    expect(link).to_be_visible()
    with assistant.expect_download() as waiting:
        link.click()
    download = waiting.value
    assert download.suggested_filename == "Injection skills checklist.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(saved)
    assert saved.read_bytes() == CHECKLIST_PDF
    # She reads her own competency's documents but may not attach to it.
    assistant.get_by_role("link", name="Injection", exact=True).click()
    expect(assistant.get_by_role("link", name="Skills checklist, signed")).to_be_visible()
    expect(assistant.get_by_role("button", name="Attach")).to_have_count(0)
