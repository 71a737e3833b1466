"""Alembic environment for assessment-api (its own database and history)."""

from assessment_api.assessments import models as _assessments  # noqa: F401
from assessment_api.cases import models as _cases  # noqa: F401
from assessment_api.db import Base
from assessment_api.directory import models as _directory  # noqa: F401
from assessment_api.providers import models as _providers  # noqa: F401
from assessment_api.safeguarding import models as _safeguarding  # noqa: F401
from assessment_api.support import models as _support  # noqa: F401
from servicekit.migrate import run_env

run_env(Base.metadata, url_env="ASSESSMENT_DATABASE_URL")
