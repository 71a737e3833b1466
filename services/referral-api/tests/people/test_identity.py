"""Identity normalisation: case, spacing, accents, apostrophes and hyphens cannot defeat the bar."""

from __future__ import annotations

from datetime import date

import pytest

from referral_api.people.identity import normalise_name, officer_key, person_key
from servicekit.crypto import new_key

KEY = new_key()


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("Zoë", "zoe"),
        ("ZOE", "zoe"),
        ("  zoe ", "zoe"),
        ("O'Brien-Smith", "obriensmith"),
        ("O’Brien Smith", "obriensmith"),  # noqa: RUF001 - a curly apostrophe on purpose
        ("obrien smith", "obriensmith"),
        ("Ångström", "angstrom"),
        ("Renée-Marie", "reneemarie"),
        ("STRAẞE", "strasse"),
        ("Nguyễn", "nguyen"),
        ("Ｊｏｒｄａｎ", "jordan"),  # noqa: RUF001 - full-width letters from a phone keyboard
    ],
)
def test_names_normalise(variant: str, canonical: str) -> None:
    assert normalise_name(variant) == canonical


def key_for(given: str, family: str, dob: date = date(1998, 4, 12), force: str = "demo") -> str:
    return person_key(
        identity_key=KEY, force_id=force, given_name=given, family_name=family, date_of_birth=dob
    )


def test_the_same_person_written_differently_has_one_key() -> None:
    keys = {
        key_for("Zoë", "O'Brien-Smith"),
        key_for("ZOE", "OBRIEN SMITH"),
        key_for(" zoe", "o brien-smith "),
    }
    assert len(keys) == 1


def test_different_people_have_different_keys() -> None:
    assert key_for("Zoe", "Smith") != key_for("Zoe", "Smyth")
    assert key_for("Zoe", "Smith") != key_for("Zoe", "Smith", dob=date(1998, 4, 13))
    # given and family names are not interchangeable
    assert key_for("Smith", "Zoe") != key_for("Zoe", "Smith")


def test_keys_are_per_force_and_per_secret() -> None:
    assert key_for("Zoe", "Smith", force="demo") != key_for("Zoe", "Smith", force="northshire")
    other = person_key(
        identity_key=new_key(),
        force_id="demo",
        given_name="Zoe",
        family_name="Smith",
        date_of_birth=date(1998, 4, 12),
    )
    assert other != key_for("Zoe", "Smith")


def test_keys_reveal_no_name() -> None:
    key = key_for("Zoe", "Smith")
    assert "zoe" not in key.lower() and len(key) == 64


def test_officer_key_is_pseudonymous_and_stable() -> None:
    first = officer_key(identity_key=KEY, force_id="demo", officer_subject="pc-4521")
    assert first == officer_key(identity_key=KEY, force_id="demo", officer_subject="pc-4521")
    assert "4521" not in first
