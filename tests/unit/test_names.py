"""One rule for names (DESIGN section 14): every spelling of a name has one key."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.names import clean_name, name_forms, name_key

ZOE = "Zoë Ångström"
MORGAN = "Morgan Reyes"


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
        "Zoe Angstrom",  # typed without the accents
    ],
)
def test_every_spelling_of_a_name_has_one_key(typed):
    assert name_key(typed) == name_key(ZOE)


#: The spellings of the security report (issue 21, item 1), and a few more.
MORGAN_SPELLINGS = {
    "cyrillic": "M\u043ergan R\u0435yes",  # Cyrillic о and е
    "surname-first": "Reyes, Morgan",
    "full-stop": "Morgan Reyes.",
    "grapheme-joiner": "Mor\u034fgan Reyes",
    "variation-selector": "Morgan\ufe0f Reyes",
    "hangul-filler": "Morgan\u3164 Reyes",
    "hangul-filler-in-a-word": "Mor\u3164gan Reyes",
    "braille-blank": "Morgan Reyes\u2800",
    "title": "Dr. Morgan Reyes",
    "degree": "Morgan Reyes, MD",
    "dotted-degree": "Reyes, Morgan M.D.",
    "degree-after-the-surname": "Reyes NP, Morgan",
    "accents": "Mórgan Réyes",
    "soft-hyphen": "Mor\u00adgan Reyes",
    "bidi-mark": "\u200fMorgan Reyes\u200e",
    "dotless-i": "D\u0131ana Reyes",
}


@pytest.mark.parametrize("spelling", list(MORGAN_SPELLINGS), ids=list(MORGAN_SPELLINGS))
def test_look_alike_spellings_of_a_person_have_their_key(spelling):
    person = "Diana Reyes" if spelling == "dotless-i" else MORGAN
    assert name_key(MORGAN_SPELLINGS[spelling]) == name_key(person)


@pytest.mark.parametrize("blank", ["\u3164", "\u2800", "\u200b", "\u034f"])
def test_a_name_run_together_by_an_invisible_character_meets_the_name(blank):
    """ "Sam" + U+3164 + "Adams" shows as "Sam Adams": its key is one of that name's forms
    (what visibility and alerts look a typed key up in)."""
    for typed in (f"Sam{blank}Adams", f"Adams{blank}Sam", "SamAdams"):
        assert name_key(typed) in name_forms("Sam Adams")


def test_turkish_dotted_capital_i_reads_as_i():
    assert name_key("D\u0130ANA") == name_key("diana")


def test_different_names_keep_different_keys():
    assert name_key("Morgan Reed") != name_key(MORGAN)
    assert name_key("Dr. Lee") != name_key("Dr. Jordan Lee")
    assert name_key("Jordan Lee") == name_key("Dr. Jordan Lee")
    assert not name_forms("Morgan Reed") & name_forms(MORGAN)


def test_a_title_alone_is_still_a_name():
    assert name_key("Dr") and name_key("Dr") != name_key("MD")


def test_what_was_typed_is_kept_as_typed():
    assert clean_name("  M\u043ergan \u00a0Reyes\n") == "M\u043ergan Reyes"
    assert clean_name(unicodedata.normalize("NFD", ZOE)) == unicodedata.normalize("NFD", ZOE)
    assert clean_name(None) == "" and name_key("\u200b \u200c\u3164") == ""
    assert name_forms("\u2800") == frozenset()


INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\ufe0f",
             "\u3164", "\u2800", "\u200e", "\u200f", "\u115f", "\uffa0"]  # fmt: skip
word = st.text(alphabet="abcdefghjkmnopqrstuvwxyz", min_size=3, max_size=8)


@given(
    words=st.lists(word, min_size=1, max_size=3),
    blank=st.sampled_from(INVISIBLE),
    where=st.integers(min_value=0, max_value=30),
    data=st.data(),
)
def test_case_order_punctuation_and_invisible_characters_never_change_the_key(
    words, blank, where, data
):
    name = " ".join(w.capitalize() for w in words)
    shuffled = data.draw(st.permutations(words))
    typed = ", ".join(w.upper() for w in shuffled) + "."
    at = where % (len(typed) + 1)
    typed = typed[:at] + blank + typed[at:]

    assert name_key(typed) in name_forms(name) or name_key(typed) == name_key(name)
