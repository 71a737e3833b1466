"""Identity normalisation and the person key.

A person is matched across referrals (for the bar and for re-referral counts) by a keyed hash of
normalised name and date of birth, never by searching names. Normalising first means case,
spacing, accents, apostrophes and hyphens cannot defeat the bar: "Zoë O'Brien-Smith" and
"ZOE OBRIEN SMITH" are the same person. The key includes the force, so one force's keys say
nothing about people in another.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from servicekit.crypto import keyed_hash


def normalise_name(name: str) -> str:
    """Letters and digits only, accents removed, case folded."""
    decomposed = unicodedata.normalize("NFKD", name)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = without_marks.casefold()
    return "".join(ch for ch in folded if ch.isalnum())


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
