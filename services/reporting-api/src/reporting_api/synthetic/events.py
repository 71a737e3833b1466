"""The scheme's events for one referral's journey, as the services publish them.

`JourneyEvents` makes each event of a journey with ids derived from the referral (so the same
history made twice is the same events, byte for byte) and the time it happened as the event's
time. The contact details every `referral.submitted.v1` carries are sealed to a key made for the
occasion and thrown away: nobody can open them, and reporting never reads them.
"""

from __future__ import annotations

import base64
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from contracts import CloudEvent, new_event
from contracts.events import v1
from contracts.sealed import SealedField, generate_keypair, seal
from contracts.vocabulary import (
    EncounterOrigin,
    EngagementStage,
    Gender,
    NeedDomain,
    NeedLevel,
    ObservedEthnicity,
    Pathway,
    ReferralOutcome,
    SafeguardingCategory,
    SelfDefinedEthnicity,
    Substance,
    WithdrawalReason,
)

# what contracts.sealed binds every sealed field's key to
SEALED_INFO = b"diversion sealed field v1"
NAMESPACE = uuid.UUID("0b7c8f2e-6a51-4d0e-9f3b-2c4d5e6f7a81")


def unopenable_sealed_field(rng: random.Random | None = None) -> SealedField:
    """Empty contact details sealed to a key nobody keeps.

    With `rng`, the keys and the nonce come from it, so the same generator run seals the same
    bytes (a synthetic history made twice is the same, byte for byte); there is nothing in it
    to protect either way."""
    if rng is None:
        _, public_key = generate_keypair()
        return seal(b"{}", public_key=public_key, kid="synthetic")
    recipient = X25519PrivateKey.from_private_bytes(rng.randbytes(32)).public_key()
    recipient_raw = recipient.public_bytes(Encoding.Raw, PublicFormat.Raw)
    ephemeral = X25519PrivateKey.from_private_bytes(rng.randbytes(32))
    epk = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=epk + recipient_raw, info=SEALED_INFO
    ).derive(ephemeral.exchange(recipient))
    nonce = rng.randbytes(12)
    ciphertext = AESGCM(key).encrypt(nonce, b"{}", b"synthetic")
    return SealedField(
        kid="synthetic", epk=_b64(epk), nonce=_b64(nonce), ciphertext=_b64(ciphertext)
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class JourneyEvents:
    """The events of one referral, made one step at a time."""

    force_id: str
    referral_id: uuid.UUID
    events: list[CloudEvent] = field(default_factory=list)
    _count: int = 0

    def _add(self, data: Any, source: str, at: datetime) -> CloudEvent:
        self._count += 1
        event = new_event(
            data,
            source=source,
            subject=str(self.referral_id),
            forceid=self.force_id,
            event_id=uuid.uuid5(NAMESPACE, f"{self.referral_id}/{self._count}/{data.event_type}"),
            time=at,
        )
        self.events.append(event)
        return event

    def _id(self, kind: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"{self.referral_id}/{kind}/{self._count}")

    def submitted(
        self,
        at: datetime,
        *,
        officer_key: str = "officer-1",
        area: str = "north",
        substances: tuple[Substance, ...] = (Substance.cannabis,),
        age_years: int = 25,
        gender: Gender = Gender.male,
        self_defined_ethnicity: SelfDefinedEthnicity = SelfDefinedEthnicity.W1,
        observed_ethnicity: ObservedEthnicity = ObservedEthnicity.IC1,
        person_key: str | None = None,
        is_rereferral: bool = False,
        encounter_origin: EncounterOrigin = EncounterOrigin.stop_and_search,
        encounter_at: datetime | None = None,
        engagement_days: int = 56,
        sealed: SealedField | None = None,
    ) -> CloudEvent:
        return self._add(
            v1.ReferralSubmitted(
                referral_id=self.referral_id,
                reference=f"SYN-{str(self.referral_id)[:6].upper()}",
                force_id=self.force_id,
                officer_key=officer_key,
                area=area,
                submitted_at=at,
                encounter_at=encounter_at or at - timedelta(minutes=20),
                encounter_origin=encounter_origin,
                substances=list(substances),
                main_substance=substances[0],
                age_years=age_years,
                gender=gender,
                self_defined_ethnicity=self_defined_ethnicity,
                observed_ethnicity=observed_ethnicity,
                person_key=person_key or f"person-{self.referral_id}",
                is_rereferral=is_rereferral,
                rule_set_version=f"{self.force_id}-1",
                first_contact_due=at + timedelta(days=3),
                engagement_deadline=at + timedelta(days=engagement_days),
                contact=sealed or unopenable_sealed_field(),
            ),
            "referral-api",
            at,
        )

    def contacted(self, at: datetime, *, attempts: int = 1) -> CloudEvent:
        return self._add(
            v1.CaseContacted(
                referral_id=self.referral_id,
                case_id=uuid.uuid5(NAMESPACE, f"{self.referral_id}/case"),
                contacted_at=at,
                attempts=attempts,
            ),
            "assessment-api",
            at,
        )

    def assessed(
        self,
        at: datetime,
        *,
        pathway: Pathway = Pathway.cannabis_group,
        proposed_pathway: Pathway | None = None,
        main_substance: Substance = Substance.cannabis,
        dependence_indicated: bool = False,
        injecting: bool = False,
        safeguarding_concern: bool = False,
        needs: dict[NeedDomain, NeedLevel] | None = None,
        **bands: Any,
    ) -> CloudEvent:
        proposed = proposed_pathway or pathway
        return self._add(
            v1.AssessmentCompleted(
                referral_id=self.referral_id,
                case_id=uuid.uuid5(NAMESPACE, f"{self.referral_id}/case"),
                completed_at=at,
                pathway=pathway,
                proposed_pathway=proposed,
                overridden=proposed != pathway,
                main_substance=main_substance,
                dependence_indicated=dependence_indicated,
                injecting=injecting,
                safeguarding_concern=safeguarding_concern,
                needs=needs or {},
                **bands,
            ),
            "assessment-api",
            at,
        )

    def not_engaged(self, at: datetime, *, stage: EngagementStage) -> CloudEvent:
        return self._add(
            v1.CaseNotEngaged(
                referral_id=self.referral_id,
                case_id=uuid.uuid5(NAMESPACE, f"{self.referral_id}/case"),
                stage_reached=stage,
                at=at,
                attempts=3,
            ),
            "assessment-api",
            at,
        )

    def safeguarding(self, at: datetime, category: SafeguardingCategory) -> CloudEvent:
        return self._add(
            v1.SafeguardingRaised(
                referral_id=self.referral_id,
                safeguarding_referral_id=self._id("safeguarding"),
                category=category,
                raised_at=at,
            ),
            "assessment-api",
            at,
        )

    def support(self, at: datetime, need: NeedDomain, service_id: str = "svc-1") -> CloudEvent:
        return self._add(
            v1.SupportReferred(
                referral_id=self.referral_id,
                support_referral_id=self._id("support"),
                need_domain=need,
                service_id=service_id,
                referred_at=at,
            ),
            "assessment-api",
            at,
        )

    def booked(
        self,
        at: datetime,
        *,
        session_start: datetime,
        course_type: Pathway = Pathway.cannabis_group,
        rebooking: bool = False,
    ) -> CloudEvent:
        booking = self._id("booking")
        return self._add(
            v1.SessionBooked(
                referral_id=self.referral_id,
                booking_id=booking,
                session_id=uuid.uuid5(NAMESPACE, f"session/{course_type}/{session_start}"),
                course_type=course_type,
                session_start=session_start,
                rebooking=rebooking,
            ),
            "scheduling-api",
            at,
        )

    def attended(
        self,
        at: datetime,
        *,
        booking_id: uuid.UUID | None = None,
        session_id: uuid.UUID | None = None,
    ) -> CloudEvent:
        return self._add(
            v1.SessionAttended(
                referral_id=self.referral_id,
                booking_id=booking_id or self._id("attendance"),
                session_id=session_id or uuid.uuid5(NAMESPACE, f"session/{at}"),
                at=at,
            ),
            "scheduling-api",
            at,
        )

    def missed(
        self,
        at: datetime,
        *,
        booking_id: uuid.UUID | None = None,
        session_id: uuid.UUID | None = None,
    ) -> CloudEvent:
        return self._add(
            v1.SessionMissed(
                referral_id=self.referral_id,
                booking_id=booking_id or self._id("missed"),
                session_id=session_id or uuid.uuid5(NAMESPACE, f"session/{at}"),
                at=at,
            ),
            "scheduling-api",
            at,
        )

    def intervention_completed(
        self, at: datetime, *, course_type: Pathway | None = None
    ) -> CloudEvent:
        return self._add(
            v1.InterventionCompleted(
                referral_id=self.referral_id, completed_at=at, course_type=course_type
            ),
            "scheduling-api",
            at,
        )

    def intervention_not_engaged(self, at: datetime, *, sessions_missed: int = 2) -> CloudEvent:
        return self._add(
            v1.InterventionNotEngaged(
                referral_id=self.referral_id, at=at, sessions_missed=sessions_missed
            ),
            "scheduling-api",
            at,
        )

    def withdrawn(
        self, at: datetime, reason: WithdrawalReason = WithdrawalReason.made_in_error
    ) -> CloudEvent:
        return self._add(
            v1.ReferralWithdrawn(referral_id=self.referral_id, reason=reason, withdrawn_at=at),
            "referral-api",
            at,
        )

    def closed(self, at: datetime, outcome: ReferralOutcome) -> CloudEvent:
        return self._add(
            v1.ReferralClosed(
                referral_id=self.referral_id,
                outcome=outcome,
                closed_at=at,
                suggested_outcome_code=22 if outcome == ReferralOutcome.completed else None,
                bar_expires_at=at + timedelta(days=365)
                if outcome == ReferralOutcome.not_engaged
                else None,
            ),
            "referral-api",
            at,
        )
