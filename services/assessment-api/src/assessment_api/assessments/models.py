"""An assessment: the answers (in progress, then final), the scores and the allocation.

Answers, scores and the reasons are health data: stored as encrypted JSON. The pathway is a
category the scheme's operations need in clear.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from assessment_api.db import Base
from contracts.vocabulary import Pathway
from servicekit.crypto import Encrypted, EncryptedJSON
from servicekit.db import GUID, StringEnum, UTCDateTime


class Assessment(Base):
    __tablename__ = "assessments"

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    case_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("cases.id"), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # in_progress, completed
    answers: Mapped[dict[str, Any]] = mapped_column(EncryptedJSON())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # on completion: each score with its instrument version, the allocation and its reasons
    scores: Mapped[list[dict[str, Any]] | None] = mapped_column(EncryptedJSON(), nullable=True)
    reasons: Mapped[list[dict[str, Any]] | None] = mapped_column(EncryptedJSON(), nullable=True)
    proposed_pathway: Mapped[Pathway | None] = mapped_column(StringEnum(Pathway, 30), nullable=True)
    pathway: Mapped[Pathway | None] = mapped_column(StringEnum(Pathway, 30), nullable=True)
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(Encrypted(), nullable=True)
