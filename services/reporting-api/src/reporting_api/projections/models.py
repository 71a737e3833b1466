"""The projection tables: facts taken from the events, one generation at a time.

Every fact is keyed by what makes it one fact (the referral for its submission and its
assessment; the event for a milestone; the safeguarding or support referral for those), and is
only ever inserted, never changed: a duplicated event inserts nothing, and the order events
arrive in cannot change what the tables hold. Reports read the active generation only
(`projection_generations`); a rebuild fills the next one beside it and then swaps.

Nothing here names a person: ids are the platform's, officers and people appear only as the
pseudonymous keys the events carry (the person key only ever counts re-referrals).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from reporting_api.db import Base
from servicekit.db import GUID, StringEnum, UTCDateTime


class GenerationState(StrEnum):
    building = "building"  # a rebuild is replaying into it; live events are written to it too
    active = "active"  # the one reports read: exactly one at a time
    retired = "retired"  # replaced by a rebuild; its facts are being deleted
    failed = "failed"  # a rebuild that did not finish; its facts are being deleted


class Generation(Base):
    """One set of projections: the first is made by the migration, each rebuild adds one."""

    __tablename__ = "projection_generations"

    generation: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[GenerationState] = mapped_column(StringEnum(GenerationState, 16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(),
        nullable=True,
        comment="A rebuild's last sign of life: one gone quiet is abandoned and can be replaced.",
    )
    events_replayed: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(
        Integer,
        default=0,
        comment="Raised by every write of facts: what a report read from it is still current for.",
    )
    forgotten_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), nullable=True, comment="When a replaced generation's facts were deleted."
    )
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)


class ReferralFact(Base):
    """`referral.submitted.v1`: who was referred where and when, in categories."""

    __tablename__ = "referral_facts"
    __table_args__ = (
        Index("ix_referral_facts_force_time", "generation", "force_id", "submitted_at"),
    )

    generation: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    force_id: Mapped[str] = mapped_column(String(64))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    encounter_at: Mapped[datetime] = mapped_column(UTCDateTime())
    encounter_origin: Mapped[str] = mapped_column(String(32))
    officer_key: Mapped[str] = mapped_column(String(128))
    area: Mapped[str] = mapped_column(String(64))
    main_substance: Mapped[str] = mapped_column(String(32))
    substances: Mapped[str] = mapped_column(String(400), comment="Sorted, comma-separated.")
    age_years: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(32))
    self_defined_ethnicity: Mapped[str] = mapped_column(String(8))
    observed_ethnicity: Mapped[str] = mapped_column(String(8))
    person_key: Mapped[str] = mapped_column(
        String(128), comment="Keyed hash: only ever compared, to count re-referrals."
    )
    is_rereferral: Mapped[bool] = mapped_column(Boolean)


class Milestone(StrEnum):
    contacted = "contacted"  # case.contacted.v1
    assessed = "assessed"  # assessment.completed.v1
    booked = "booked"  # session.booked.v1
    attended = "attended"  # session.attended.v1
    missed = "missed"  # session.missed.v1
    completed = "completed"  # intervention.completed.v1
    not_engaged = "not_engaged"  # case.not_engaged.v1, intervention.not_engaged.v1
    withdrawn = "withdrawn"  # referral.withdrawn.v1
    closed = "closed"  # referral.closed.v1 (detail: the outcome)


class MilestoneFact(Base):
    """A step of one referral's journey, at the time its event says it happened."""

    __tablename__ = "milestone_facts"
    __table_args__ = (Index("ix_milestone_facts_referral", "generation", "referral_id"),)

    generation: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID())
    milestone: Mapped[Milestone] = mapped_column(StringEnum(Milestone, 16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    detail: Mapped[str | None] = mapped_column(
        String(32),
        nullable=True,
        comment="closed: the outcome; not_engaged: the stage reached; withdrawn: the reason; "
        "booked: the course type.",
    )


class AssessmentFact(Base):
    """`assessment.completed.v1`: the pathway and the categories, never the answers."""

    __tablename__ = "assessment_facts"

    generation: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    pathway: Mapped[str] = mapped_column(String(32))
    proposed_pathway: Mapped[str] = mapped_column(String(32))
    overridden: Mapped[bool] = mapped_column(Boolean)
    dependence_indicated: Mapped[bool] = mapped_column(Boolean)
    injecting: Mapped[bool] = mapped_column(Boolean)
    safeguarding_concern: Mapped[bool] = mapped_column(Boolean)
    needs: Mapped[str] = mapped_column(Text, comment="JSON: need domain -> level, keys sorted.")
    audit_band: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pgsi_band: Mapped[str | None] = mapped_column(String(32), nullable=True)
    sds_band: Mapped[str | None] = mapped_column(String(32), nullable=True)
    interpreter_needed: Mapped[bool] = mapped_column(Boolean)


class SafeguardingFact(Base):
    """`safeguarding.raised.v1`: one safeguarding referral, by category."""

    __tablename__ = "safeguarding_facts"
    __table_args__ = (Index("ix_safeguarding_facts_referral", "generation", "referral_id"),)

    generation: Mapped[int] = mapped_column(Integer, primary_key=True)
    safeguarding_referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID())
    category: Mapped[str] = mapped_column(String(32))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SupportFact(Base):
    """`support.referred.v1`: one referral to a local support service, by need."""

    __tablename__ = "support_facts"
    __table_args__ = (Index("ix_support_facts_referral", "generation", "referral_id"),)

    generation: Mapped[int] = mapped_column(Integer, primary_key=True)
    support_referral_id: Mapped[uuid.UUID] = mapped_column(GUID(), primary_key=True)
    referral_id: Mapped[uuid.UUID] = mapped_column(GUID())
    need_domain: Mapped[str] = mapped_column(String(32))
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ImportedEvent(Base):
    """History from before the platform ran (a force's earlier records, or the demonstration
    year), imported as the scheme's own events: a rebuild replays these before the streams."""

    __tablename__ = "imported_events"

    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(GUID(), unique=True)
    payload: Mapped[str] = mapped_column(Text, comment="The CloudEvent as JSON.")
