"""What an uploaded file is, from its content alone, and the bytes that are kept of it.

No Flask, no database: bytes in, bytes and a type out, or ``Unacceptable`` saying why.
The type comes from the content's magic numbers (puremagic), never from the file's name or
the browser's claim. Images are decoded and written again without their metadata (EXIF:
GPS location, camera and phone model, time taken; PNG text chunks; comments).
"""

from __future__ import annotations

import io
import warnings

import puremagic
from PIL import Image, ImageOps, UnidentifiedImageError

from tracker.vocabulary import DOCUMENT_TYPES

#: How each accepted type is named to people.
TYPE_NAMES = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
ACCEPTED = "PDF, PNG or JPEG"
#: Pillow's format name for each image type.
_IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}
#: Names people know for what puremagic recognises (by extension).
_KNOWN_OTHERS = {
    ".html": "a web page (HTML)",
    ".htm": "a web page (HTML)",
    ".doc": "a Word document",
    ".docx": "a Word document",
    ".xlsx": "a spreadsheet",
    ".xls": "a spreadsheet",
    ".zip": "a ZIP archive",
    ".gif": "a GIF image",
    ".svg": "an SVG drawing",
    ".xml": "an XML file",
    ".exe": "a program",
}


#: What Pillow reads from a file that says nothing about where, when or on what it was made:
#: an image holding only these is kept byte for byte (so cleaning is idempotent, and a
#: clean photo keeps its quality); anything else (EXIF, XMP, ICC profile, comments, PNG
#: text chunks) makes it written again without them.
_HARMLESS_INFO = frozenset(
    {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression",
     "adobe", "adobe_transform", "gamma", "transparency", "aspect", "srgb", "interlace"}
)  # fmt: skip


class Unacceptable(ValueError):
    """The file cannot be kept; the message says why, in words for the uploader."""


def recognise(data: bytes) -> str:
    """The MIME type the content shows (one of DOCUMENT_TYPES), or Unacceptable."""
    if not data:
        raise Unacceptable("The file is empty.")
    try:
        matches = puremagic.magic_string(data)
    except (puremagic.PureError, ValueError):
        matches = []
    best = matches[0] if matches else None
    if best is not None and best.mime_type in DOCUMENT_TYPES:
        return best.mime_type
    what = _KNOWN_OTHERS.get(best.extension.lower(), f"a {best.extension} file") if best else ""
    said = f"; this one is {what}" if what else "; this one is none of them"
    raise Unacceptable(f"Only {ACCEPTED} files are accepted{said}.")


def without_metadata(data: bytes, content_type: str) -> bytes:
    """An image written again with its pixels only (turned upright first, as its EXIF
    orientation said) when it carries metadata, else as it came; a PDF as it came.
    Unacceptable when the image cannot be read."""
    image_format = _IMAGE_FORMATS.get(content_type)
    if image_format is None:
        return data
    try:
        with warnings.catch_warnings():
            # A decompression bomb: refused, not merely warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                image.load()
                if set(image.info) <= _HARMLESS_INFO and not image.getexif():
                    return data
                upright = ImageOps.exif_transpose(image)
                # A copy without the info dict: EXIF, XMP, ICC profile, comments, text chunks.
                clean = upright.copy()
                clean.info = {}
                out = io.BytesIO()
                if image_format == "JPEG":
                    if clean.mode not in ("RGB", "L", "CMYK"):
                        clean = clean.convert("RGB")
                    clean.save(out, format="JPEG", quality=95, optimize=True)
                else:
                    clean.save(out, format="PNG", optimize=True)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise Unacceptable("The image has too many pixels to be kept.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        name = TYPE_NAMES[content_type]
        raise Unacceptable(f"The file starts like a {name} image but cannot be read.") from None
    return out.getvalue()


def prepare(data: bytes, max_bytes: int) -> tuple[bytes, str]:
    """The bytes to keep and their type, or Unacceptable (empty, too large, another type,
    an unreadable image)."""
    if len(data) > max_bytes:
        raise Unacceptable(
            f"The file is {len(data) / 1048576:.1f} MB; at most {max_bytes // 1048576} MB "
            "is accepted."
        )
    content_type = recognise(data)
    return without_metadata(data, content_type), content_type
