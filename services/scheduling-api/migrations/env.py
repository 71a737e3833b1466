"""Alembic environment for scheduling-api (its own database and history)."""

from scheduling_api.availability import models as _availability  # noqa: F401
from scheduling_api.bookings import models as _bookings  # noqa: F401
from scheduling_api.courses import models as _courses  # noqa: F401
from scheduling_api.db import Base
from scheduling_api.reminders import models as _reminders  # noqa: F401
from scheduling_api.sessions import models as _sessions  # noqa: F401
from servicekit.migrate import run_env

run_env(Base.metadata, url_env="SCHEDULING_DATABASE_URL")
