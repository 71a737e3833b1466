"""GET /v1/referrals/{id}/fhir: the referral as a FHIR R4 ServiceRequest that fhir.resources
accepts, with no contact details, for integration clients and supervisors of its force."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from ..helpers import AuthHeaders, referral_body, submit

pytestmark = pytest.mark.db

CONTACT = {"phone": "07700 900123", "email": "sam.person@example.org", "postcode": "B1 1AA"}


async def made(client: httpx.AsyncClient, auth: AuthHeaders) -> dict[str, Any]:
    body = referral_body(given_name="Sam", family_name="Person", **CONTACT)
    response = await submit(client, auth(sub="pc-1"), body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_the_referral_is_a_valid_uk_core_service_request(
    client: httpx.AsyncClient, auth: AuthHeaders
) -> None:
    created = await made(client, auth)
    response = await client.get(
        f"/v1/referrals/{created['id']}/fhir", headers=auth(role="integration")
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/fhir+json"
    resource = ServiceRequest.model_validate_json(response.content)
    assert resource.id == created["id"]
    assert resource.meta.profile == [
        "https://fhir.hl7.org.uk/StructureDefinition/UKCore-ServiceRequest"
    ]
    assert [i.value for i in resource.identifier] == [created["reference"], "CR/123456/26"]
    assert (resource.status, resource.intent) == ("active", "order")
    assert resource.category[0].coding[0].system == "http://snomed.info/sct"
    assert "drug diversion" in resource.code.text
    assert resource.subject.reference == "#person"
    patient = resource.contained[0]
    assert patient.get_resource_type() == "Patient"
    assert (patient.name[0].family, patient.birthDate.isoformat()) == (
        "Person",
        referral_body()["person"]["date_of_birth"],
    )
    assert resource.authoredOn is not None
    assert "pc-1" in resource.requester.display
    assert "Demonstration Police" in resource.requester.display
    assert resource.occurrencePeriod.end is not None
    assert resource.note is None


async def test_it_carries_no_contact_details(client: httpx.AsyncClient, auth: AuthHeaders) -> None:
    created = await made(client, auth)
    response = await client.get(
        f"/v1/referrals/{created['id']}/fhir", headers=auth(role="supervisor")
    )
    text = response.text
    for value in (*CONTACT.values(), "B1", "900123", "telecom", "address", "Corporation"):
        assert value not in text, value


@pytest.mark.parametrize(
    ("reason", "status"), [("made_in_error", "entered-in-error"), ("wrong_person", "revoked")]
)
async def test_a_withdrawn_referral_is_revoked_or_entered_in_error(
    client: httpx.AsyncClient, auth: AuthHeaders, reason: str, status: str
) -> None:
    created = await made(client, auth)
    await client.post(
        f"/v1/referrals/{created['id']}/withdrawal",
        json={"reason": reason},
        headers=auth(sub="pc-1"),
    )
    response = await client.get(
        f"/v1/referrals/{created['id']}/fhir", headers=auth(role="integration")
    )
    assert ServiceRequest.model_validate_json(response.content).status == status


def test_every_status_maps_to_a_fhir_request_status() -> None:
    from contracts.vocabulary import ReferralStatus
    from referral_api.referrals.fhir import STATUS

    assert set(STATUS) == set(ReferralStatus)
    allowed = {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"}
    assert set(STATUS.values()) <= allowed


async def test_roles_scopes_and_forces(
    client: httpx.AsyncClient, auth: AuthHeaders, token: Any
) -> None:
    created = await made(client, auth)
    path = f"/v1/referrals/{created['id']}/fhir"
    for role in ("officer", "worker", "facilitator", "analyst", "admin"):
        refused = await client.get(path, headers=auth(role=role, sub="pc-1"))
        assert refused.status_code == 403, role
    without = await client.get(
        path,
        headers={"Authorization": f"Bearer {token('integration', scopes=['referrals:write'])}"},
    )
    assert without.status_code == 403
    assert without.json()["type"] == "urn:diversion:problem:insufficient-scope"
    for role in ("supervisor", "integration"):
        other = await client.get(path, headers=auth(role=role, force="northshire"))
        assert other.status_code == 404, role
        assert other.json()["type"] == "urn:diversion:problem:referral-not-found"
