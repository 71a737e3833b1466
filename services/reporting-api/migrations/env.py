"""Alembic environment for reporting-api (its own database and history)."""

from reporting_api.db import Base
from reporting_api.forces import models as _forces  # noqa: F401
from reporting_api.projections import models as _projections  # noqa: F401
from servicekit.migrate import run_env

run_env(Base.metadata, url_env="REPORTING_DATABASE_URL")
