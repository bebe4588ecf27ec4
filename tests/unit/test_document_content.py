"""What an upload is, from its content alone; what is kept of an image (DESIGN section 16)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.document_samples import (
    CHECKLIST_PDF,
    GPS_IFD,
    HTML_PAGE,
    MAKE,
    SHELL_SCRIPT,
    WORD_DOC,
    WORD_DOCX,
    exif_of,
    jpeg_with_gps,
    png,
)
from tracker.documents.content import Unacceptable, prepare, recognise, without_metadata

MB = 1024 * 1024


def test_pdf_png_and_jpeg_are_recognised_from_their_content():
    assert recognise(CHECKLIST_PDF) == "application/pdf"
    assert recognise(png()) == "image/png"
    assert recognise(jpeg_with_gps()) == "image/jpeg"


@pytest.mark.parametrize(
    "data, said",
    [
        (HTML_PAGE, "web page"),
        (SHELL_SCRIPT, "none of them"),
        (WORD_DOCX, "Word document"),
        (WORD_DOC, "Word document"),
        (b"GIF89a" + b"\x00" * 20, "GIF"),
    ],
)
def test_anything_else_is_refused_saying_what_it_is(data, said):
    with pytest.raises(Unacceptable) as refused:
        prepare(data, 10 * MB)
    assert "Only PDF, PNG or JPEG files are accepted" in str(refused.value)
    assert said in str(refused.value)


def test_a_pdf_signature_inside_a_web_page_does_not_make_it_a_pdf():
    with pytest.raises(Unacceptable):
        recognise(b"<html><body>%PDF-1.4 trailer %%EOF</body></html>")


def test_an_empty_file_is_refused():
    with pytest.raises(Unacceptable, match="empty"):
        prepare(b"", 10 * MB)


def test_a_file_past_the_limit_is_refused_before_it_is_examined():
    with pytest.raises(Unacceptable, match="at most 1 MB"):
        prepare(CHECKLIST_PDF + b"\x00" * MB, 1 * MB)


def test_a_file_at_the_limit_is_accepted():
    data = CHECKLIST_PDF + b"%" * (MB - len(CHECKLIST_PDF))
    assert prepare(data, MB) == (data, "application/pdf")


def test_a_photo_loses_its_location_and_device_but_keeps_its_pixels():
    photo = jpeg_with_gps()
    before = exif_of(photo)
    assert before["gps"] and before["tags"][MAKE] == "Apple"  # the sample does carry them

    kept, content_type = prepare(photo, 10 * MB)

    assert content_type == "image/jpeg"
    after = exif_of(kept)
    assert after["tags"] == {} and after["gps"] == {}
    assert GPS_IFD not in after["tags"]
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(after["info"])
    assert b"iPhone" not in kept and b"Clinic A" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (64, 48)
        red, green, blue = image.getpixel((32, 24))
        assert red > 150 and green < 80 and blue < 80


def test_cleaning_is_idempotent_so_the_same_photo_always_has_the_same_hash():
    once = without_metadata(jpeg_with_gps(), "image/jpeg")
    assert without_metadata(once, "image/jpeg") == once
    assert without_metadata(jpeg_with_gps(), "image/jpeg") == once


def test_a_png_loses_its_text_chunks():
    image = png(text={"Author": "Dr. Lee", "Location": "Exam room 3"})
    kept, _ = prepare(image, 10 * MB)
    assert b"Exam room 3" in image and b"Exam room 3" not in kept
    clean = png()
    assert prepare(clean, 10 * MB)[0] == clean  # nothing to remove: kept byte for byte


def test_a_sideways_photo_is_turned_upright_before_its_orientation_tag_goes():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    out = io.BytesIO()
    Image.new("RGB", (60, 20), (0, 0, 0)).save(out, format="JPEG", exif=exif)
    kept, _ = prepare(out.getvalue(), 10 * MB)
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (20, 60)


def test_an_image_that_cannot_be_read_is_refused():
    broken = png()[:40]
    with pytest.raises(Unacceptable, match="cannot be read"):
        prepare(broken, 10 * MB)
