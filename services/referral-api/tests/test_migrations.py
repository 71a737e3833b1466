"""The schema comes from the migrations, and the models have not drifted from them."""

from __future__ import annotations

import pytest

from referral_api.clients import models as _clients  # noqa: F401
from referral_api.db import Base
from referral_api.eligibility import models as _eligibility  # noqa: F401
from referral_api.forces import models as _forces  # noqa: F401
from referral_api.officers import models as _officers  # noqa: F401
from referral_api.outcomes import models as _outcomes  # noqa: F401
from referral_api.referrals import models as _referrals  # noqa: F401
from servicekit.migrate import drift

pytestmark = pytest.mark.db


async def test_models_match_migrations(referral_database: str) -> None:
    assert await drift(referral_database, Base.metadata) == []
