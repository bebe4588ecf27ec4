"""Typed names in one normal form (security finding 4)."""

from __future__ import annotations

import unicodedata

import pytest

from tracker.names import clean_name, name_key

ZOE = "Zoë Ångström"


@pytest.mark.parametrize(
    "typed",
    [
        unicodedata.normalize("NFD", ZOE),
        "Zo\u200bë Ångström",  # zero-width space
        "Zoë\u00a0\u00a0Ångström ",  # non-breaking spaces, trailing space
        "\ufeffZOË ÅNGSTRÖM",  # byte-order mark, capitals
        "Zoë\u200d Å\u2060ngström",  # joiner, word joiner
        "Ｚｏë Ångström",  # full-width letters
        "Zoë \u202eÅngström",  # a right-to-left override
    ],
)
def test_every_spelling_of_a_name_has_one_key(typed):
    assert name_key(typed) == name_key(ZOE)


def test_different_names_keep_different_keys():
    assert name_key("Zoe Angstrom") != name_key(ZOE)
    assert name_key("Dr. Lee") != name_key("Dr. Jordan Lee")


def test_the_stored_name_keeps_its_case_and_loses_what_cannot_be_seen():
    assert clean_name("  Zo\u200bë \u00a0Ångström\n") == "Zoë Ångström"
    assert clean_name(unicodedata.normalize("NFD", ZOE)) == ZOE
    assert clean_name(None) == "" and name_key("\u200b \u200c") == ""
