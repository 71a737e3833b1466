"""Alembic environment for referral-api (its own database and history)."""

from referral_api.clients import models as _clients  # noqa: F401
from referral_api.db import Base
from referral_api.eligibility import models as _eligibility  # noqa: F401
from referral_api.forces import models as _forces  # noqa: F401
from referral_api.officers import models as _officers  # noqa: F401
from referral_api.outcomes import models as _outcomes  # noqa: F401
from referral_api.referrals import models as _referrals  # noqa: F401
from referral_api.webhooks import models as _webhooks  # noqa: F401
from servicekit.migrate import run_env

run_env(Base.metadata, url_env="REFERRAL_DATABASE_URL")
