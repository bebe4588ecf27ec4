"""Typed names and their keys: one rule for "do these two names mean the same?" (DESIGN 14).

A name typed in (an incident's requester, a person's name, a custom task's name or code)
may arrive in any Unicode form: "Zoë" as one code point or as "o" plus a combining
diaeresis, with a zero-width space pasted from a chat, in full-width letters, with a
Cyrillic "о" that looks exactly like a Latin "o", as "Reyes, Morgan" or "Dr. Morgan Reyes".
What was typed is kept as typed (``clean_name`` only trims and joins white space); what is
compared is its key, computed by :func:`name_key` and nowhere else:

1. Unicode compatibility form (NFKC: full-width and styled letters become plain ones),
   case folded;
2. accents and every other mark removed, and every character that shows nothing or only
   blank space removed (format characters such as zero-width spaces, bidi marks and the
   soft hyphen, variation selectors, the combining grapheme joiner, Hangul fillers, the
   Braille blank);
3. each character replaced by its prototype in Unicode's confusables data (the UTS #39
   skeleton: Cyrillic "о" is Latin "o", dotless "ı" is "i"), taken from the maintained
   ``confusable-homoglyphs`` package;
4. split into words at punctuation and separators, titles and degrees ("Dr", "MD", "NP")
   dropped, and the words sorted and joined ("Reyes, Morgan" is "Morgan Reyes").

A key is for comparing only; it is never shown (the skeleton of "Morgan" is "rnorgan").
Pure: no Flask, no database.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables

#: Characters that show nothing, or only blank space, without being white space: the
#: Default_Ignorable_Code_Point ranges of Unicode's DerivedCoreProperties (soft hyphen,
#: combining grapheme joiner, Hangul fillers, Khmer inherent vowels, Mongolian variation
#: selectors, zero-width characters and bidi controls, variation selectors, the byte-order
#: mark, tags), and the Braille pattern blank.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
#: Titles and degrees that do not make a name another person's ("Dr. Morgan Reyes, MD").
TITLES = (
    "dr", "doctor", "prof", "mr", "mrs", "ms", "mx", "miss",
    "md", "do", "np", "pa", "pac", "rn", "lpn", "lvn", "aprn", "fnp", "dnp", "crna", "cnm",
    "ma", "cma", "rma", "ccma", "cna", "phd", "pharmd", "dds", "dmd", "od", "dpm", "facp",
)  # fmt: skip


def clean_name(text: str | None) -> str:
    """The name as stored and shown: as typed, with its ends trimmed and each run of white
    space made one space (no character is changed or dropped)."""
    return " ".join((text or "").split())


def _visible(text: str) -> str:
    """Decomposed, without marks and without what shows nothing."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFD", text))
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Mc", "Me", "Cf"))


def _partners(char: str) -> list[str]:
    """The characters (or strings) Unicode's confusables data pairs with ``char``."""
    found = confusables.is_confusable(char, greedy=True)
    return [glyph["c"] for glyph in found[0]["homoglyphs"]] if found else []


@lru_cache(maxsize=8192)
def _prototype(char: str) -> str:
    """The character's prototype in the confusables data (itself when it has none).

    The package keeps each pair of confusables.txt in both directions; the data's own rule
    tells them apart: a source maps to one prototype and is never a prototype, so a
    character paired with exactly one other that is paired with several (or is a string) is
    a source. A pair alone is one class either way: both take the same member.
    """
    partners = _partners(char)
    if len(partners) != 1:
        return char
    other = partners[0]
    if len(other) > 1 or len(_partners(other)) > 1:
        return other
    return min(char, other, key=lambda c: (not c.isascii(), c))


@lru_cache(maxsize=8192)
def _skeleton_char(char: str) -> str:
    """One character, folded to the end: prototype, decomposed, unmarked, case folded,
    until nothing changes (a prototype may be a capital: "0" is "O", then "o")."""
    text = char
    for _ in range(4):
        folded = _visible("".join(_prototype(c) for c in text)).casefold()
        if folded == text:
            break
        text = folded
    return text


def _words(text: str | None) -> list[str]:
    """Steps 1 to 3 of the key, then the words in the order typed, without titles."""
    text = _visible(unicodedata.normalize("NFKC", text or "").casefold())
    skeleton = "".join(_skeleton_char(ch) for ch in text)
    words = re.findall(r"[^\W_]+", skeleton)
    return _without_titles(words)


def _without_titles(words: list[str]) -> list[str]:
    """The words without titles and degrees, wherever they stand (the words are sorted
    afterwards, so "Reyes, Morgan MD" and "Dr. Morgan Reyes" agree); a degree written
    with dots ("M.D.") is the run of short words it became. A name made only of titles
    keeps them."""
    kept, index = [], 0
    while index < len(words):
        for size in (3, 2, 1):
            run = words[index : index + size]
            short = size == 1 or (len(run) == size and all(len(w) <= 2 for w in run))
            if short and "".join(run) in _TITLE_KEYS:
                index += size
                break
        else:
            kept.append(words[index])
            index += 1
    return kept or words


@lru_cache(maxsize=4096)
def name_key(text: str | None) -> str:
    """The key two names are compared by: equal keys, same person (or task)."""
    return "".join(sorted(_words(text)))


@lru_cache(maxsize=4096)
def name_forms(text: str | None) -> frozenset[str]:
    """The key, and the same folded letters in the order typed: a name split or run
    together by an invisible blank ("Sam\\u3164Adams") still meets "Sam Adams". Empty for
    a name with nothing to compare."""
    words = _words(text)
    return frozenset({"".join(sorted(words)), "".join(words)}) - {""}


def _title_keys() -> frozenset[str]:
    return frozenset("".join(_skeleton_char(ch) for ch in title) for title in TITLES)


_TITLE_KEYS = _title_keys()
