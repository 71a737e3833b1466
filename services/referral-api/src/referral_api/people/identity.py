"""Identity normalisation and the person key.

A person is matched across referrals (for the bar and for re-referral counts) by a keyed hash of
normalised name and date of birth, never by searching names. Normalising first means case,
spacing, accents, apostrophes and hyphens cannot defeat the bar: "Zoë O'Brien-Smith" and
"ZOE OBRIEN SMITH" are the same person, and so are "Łukasz Wałęsa" and "LUKASZ WALESA". The key
includes the force, so one force's keys say nothing about people in another.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from anyascii import anyascii

from servicekit.crypto import keyed_hash


def normalise_name(name: str) -> str:
    """Letters and digits only, accents removed, Latin letters in plain ASCII, case folded.

    Accents that Unicode can separate (é, ü, ñ) are dropped first, so every name this wrote in
    plain letters before keeps its form. Latin letters that do not decompose (ł, ø, æ, đ, þ, œ,
    the dotless i) are then transliterated (anyascii): Łukasz is lukasz, Þór is thor. Letters of
    other scripts are kept as they are, case folded (docs/decisions/0002-person-key.md).
    """
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = without_marks.casefold()
    return "".join(_plain(ch) for ch in folded if ch.isalnum())


def _plain(ch: str) -> str:
    """One letter or digit as the person key spells it."""
    if ch.isascii() or not _is_latin_or_modifier(ch):
        return ch
    # Letter-like apostrophes and glottal stops (U+02BC, U+02BB) come back as punctuation: dropped.
    return "".join(c for c in anyascii(ch).casefold() if c.isalnum())


def _is_latin_or_modifier(ch: str) -> bool:
    # Unicode names never change. Latin letters left after NFKD are named "LATIN ..." (bar a few
    # archaic ones such as the turned F); modifier letters left are apostrophes, glottal stops,
    # spacing accents and tone marks that scripts share.
    return unicodedata.name(ch, "").startswith(("LATIN ", "MODIFIER LETTER "))


def person_key(
    *, identity_key: str, force_id: str, given_name: str, family_name: str, date_of_birth: date
) -> str:
    return keyed_hash(
        identity_key,
        "person",
        force_id,
        normalise_name(given_name),
        normalise_name(family_name),
        date_of_birth.isoformat(),
    )


def officer_key(*, identity_key: str, force_id: str, officer_subject: str) -> str:
    """A pseudonymous officer id for events and reports."""
    return keyed_hash(identity_key, "officer", force_id, officer_subject)[:32]
