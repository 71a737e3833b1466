"""A referral as an HL7 FHIR R4 ServiceRequest (UK Core), for force and health systems.

Checked against `fhir.resources`' R4B model (`fhir.resources.R4B`): the package has no R4
(4.0.1) model that runs with pydantic 2 (its 6.x line, the last with R4, needs pydantic 1), and
ServiceRequest did not change between R4 and R4B, so what R4B accepts here is R4 as UK Core
profiles it. The person is a contained Patient with name, birth date and gender only: never a
phone, an email, a postcode or an address. Nothing free-text (no note) leaves.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.servicerequest import ServiceRequest

from contracts.vocabulary import Gender, ReferralStatus, WithdrawalReason
from referral_api.referrals.models import Referral

MEDIA_TYPE = "application/fhir+json"
UK_CORE_SERVICE_REQUEST = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest"
UK_CORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
SNOMED = "http://snomed.info/sct"

# FHIR request-status: open until the person completes or the referral ends otherwise. A
# referral withdrawn as a mistake never should have existed (entered-in-error); one withdrawn
# for another reason, or closed as not engaged, was ended before it was carried out (revoked).
STATUS = {
    ReferralStatus.submitted: "active",
    ReferralStatus.contacted: "active",
    ReferralStatus.assessed: "active",
    ReferralStatus.booked: "active",
    ReferralStatus.completed: "completed",
    ReferralStatus.not_engaged: "revoked",
    ReferralStatus.withdrawn: "revoked",
}
IN_ERROR = {WithdrawalReason.made_in_error, WithdrawalReason.duplicate}

# FHIR administrative gender has four values; the scheme's richer answer maps onto them
GENDER = {
    Gender.female: "female",
    Gender.male: "male",
    Gender.non_binary: "other",
    Gender.self_described: "other",
    Gender.not_stated: "unknown",
}


def _status(referral: Referral) -> str:
    if referral.status is ReferralStatus.withdrawn and referral.withdrawal_reason in IN_ERROR:
        return "entered-in-error"
    return STATUS[referral.status]


def _identifiers(referral: Referral) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {
            "use": "official",
            "system": f"urn:diversion:{referral.force_id}:referral-reference",
            "value": referral.reference,
        }
    ]
    if referral.crime_reference:
        found.append(
            {
                "use": "secondary",
                "type": {"text": "Crime or search reference"},
                "system": f"urn:diversion:{referral.force_id}:crime-reference",
                "value": referral.crime_reference,
            }
        )
    return found


def service_request(referral: Referral, *, force_name: str) -> dict[str, Any]:
    """The referral as a ServiceRequest, validated by fhir.resources before it is sent."""
    name = {"use": "official", "family": referral.family_name, "given": [referral.given_name]}
    patient = {
        "resourceType": "Patient",
        "id": "person",
        "meta": {"profile": [UK_CORE_PATIENT]},
        "name": [name],
        "birthDate": referral.date_of_birth,
        "gender": GENDER[Gender(referral.gender)],
    }
    substances = ", ".join(s["substance"].replace("_", " ") for s in referral.substances)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(referral.id),
        "meta": {"profile": [UK_CORE_SERVICE_REQUEST]},
        "contained": [patient],
        "identifier": _identifiers(referral),
        "status": _status(referral),
        "intent": "order",
        "category": [
            {
                "coding": [
                    {"system": SNOMED, "code": "409063005", "display": "Counseling (procedure)"}
                ],
                "text": "Substance-use intervention",
            }
        ],
        # no SNOMED CT concept names a police drug diversion intervention: said in words
        "code": {
            "text": "Police drug diversion: substance-use assessment and intervention "
            "(community resolution)"
        },
        "subject": {
            "reference": "#person",
            "display": f"{referral.given_name} {referral.family_name}",
        },
        "occurrencePeriod": {
            "start": referral.submitted_at.isoformat(),
            "end": referral.engagement_deadline.isoformat(),
        },
        "authoredOn": referral.submitted_at.isoformat(),
        "requester": {
            "identifier": {
                "system": f"urn:diversion:{referral.force_id}:officer",
                "value": referral.officer_subject,
            },
            "display": f"Officer {referral.officer_subject}, {force_name}",
        },
        "reasonCode": [
            {"text": f"Found in possession of a controlled drug for personal use: {substances}"}
        ],
    }
    ServiceRequest.model_validate(resource)  # a mapping fault is ours: never sent invalid
    return resource
