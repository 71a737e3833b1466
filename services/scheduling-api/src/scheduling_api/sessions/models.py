"""A session of a course: when, who runs it, how, and its seats.

`booked` counts the seats taken. It changes only through `sessions.seats`, by a conditional
UPDATE (`WHERE booked < capacity`), and a CHECK holds it within the capacity, so no two
bookings, in one process or several, can take the last seat twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    cast,
    func,
    literal,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from contracts.vocabulary import Pathway
from scheduling_api.db import Base
from servicekit.db import GUID, StringEnum, UTCDateTime


class DeliveryMode(StrEnum):
    online = "online"
    venue = "venue"


class Session(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="seats"),
        Index("ix_sessions_course_start", "force_id", "pathway", "starts_at", "id"),
        # a facilitator's own sessions: their list, their calendar, those left unmarked
        Index("ix_sessions_facilitator_start", "facilitator_id", "starts_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64))
    course_type_id: Mapped[uuid.UUID] = mapped_column(GUID(), ForeignKey("course_types.id"))
    pathway: Mapped[Pathway] = mapped_column(StringEnum(Pathway, 30))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer)
    facilitator_id: Mapped[str] = mapped_column(String(128))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    delivery_mode: Mapped[DeliveryMode] = mapped_column(StringEnum(DeliveryMode, 10))
    join_link: Mapped[str | None] = mapped_column(String(500))
    venue: Mapped[str | None] = mapped_column(String(300))
    language: Mapped[str | None] = mapped_column(
        String(35), comment="BCP 47 tag when the session is run in one language; null: any."
    )
    interpreter_available: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(),
        nullable=True,
        comment="Closed to new bookings (a withdrawn appointment); bookings made stay.",
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class _SessionEnd(FunctionElement[datetime]):
    type = UTCDateTime()
    inherit_cache = True
    name = "session_end"


def session_end() -> _SessionEnd:
    """When a session ends (its start plus its length), as SQL, so a query can ask which
    sessions are over and still page by the database's order. Each database adds minutes its
    own way; the stored start is UTC on both."""
    return _SessionEnd(Session.starts_at, Session.duration_minutes)


@compiles(_SessionEnd)
def _postgresql(element: _SessionEnd, compiler: SQLCompiler, **kw: Any) -> str:
    starts, minutes = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({starts} + {minutes} * INTERVAL '1 minute')"


@compiles(_SessionEnd, "sqlite")
def _sqlite(element: _SessionEnd, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps the start as text, "2026-10-22 17:30:05.250000", and its date functions round
    # to the millisecond. Whole minutes are added to the minute part alone and the seconds put
    # back as written, so the end is exact and compares as text with a bound time.
    starts, minutes = element.clauses
    to_the_minute = func.substr(starts, 1, 16)
    modifier = literal("+") + cast(minutes, String) + literal(" minutes")
    minute = func.strftime("%Y-%m-%d %H:%M", to_the_minute, modifier, type_=String)
    end = minute + func.substr(starts, 17, type_=String)
    return str(compiler.process(end, **kw))
