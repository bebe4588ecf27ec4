"""Typed names, normalised once: the same rule on write and on every comparison.

A name typed in (an incident's requester, a person's name) may arrive in any Unicode form:
"Zoë" as one code point or as "o" plus a combining diaeresis, with a zero-width space
pasted from a chat, in full-width letters, with doubled spaces. ``clean_name`` is what is
stored and shown; ``name_key`` is what is compared. Pure: no Flask, no database.
"""

from __future__ import annotations

import unicodedata


def clean_name(text: str | None) -> str:
    """NFKC, without invisible format characters (zero-width space, joiners, BOM, bidi
    marks, soft hyphen), with runs of white space made one space and the ends trimmed."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def name_key(text: str | None) -> str:
    """The name as compared: cleaned and case-folded ("Zoë" == "ZOË" == "zoe\\u0308")."""
    return unicodedata.normalize("NFKC", clean_name(text).casefold())
