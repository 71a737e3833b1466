"""Who a person is, as an officer gives it: enough to key them, nothing more."""

from __future__ import annotations

from referral_api.schemas import Name, PastDate, Strict


class PersonIdentity(Strict):
    given_name: Name
    family_name: Name
    date_of_birth: PastDate
