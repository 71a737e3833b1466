"""Who may do what: only workers, only on their provider's cases of forces their token names.
Other roles get 403; another provider's or force's records are 404, as if absent. (Forces
shared or moved between providers: test_provider_isolation.py.)"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from assessment_api.assessments.schemas import example_assessment
from assessment_api.safeguarding.schemas import example_safeguarding_referral
from assessment_api.support.schemas import example_support_referral
from servicekit.devidp import DevIdentityProvider

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db

OTHER_ROLES = ["officer", "supervisor", "facilitator", "analyst", "integration", "admin"]


def endpoints(case_id: str, safeguarding_id: str) -> list[tuple[str, str, Any]]:
    case = f"/v1/cases/{case_id}"
    safeguarding = f"/v1/safeguarding-referrals/{safeguarding_id}"
    return [
        ("GET", "/v1/cases", None),
        ("GET", case, None),
        ("POST", f"{case}/contact-attempts", {"channel": "phone", "result": "voicemail"}),
        ("GET", "/v1/instruments", None),
        ("GET", f"{case}/assessment", None),
        ("PUT", f"{case}/assessment", example_assessment()),
        ("POST", f"{case}/assessment/completion", {}),
        ("POST", f"{case}/support-referrals", example_support_referral()),
        ("POST", f"{case}/safeguarding-referrals", example_safeguarding_referral()),
        ("GET", "/v1/safeguarding-referrals", None),
        ("GET", safeguarding, None),
        ("PATCH", safeguarding, {"note": "Called the MASH back."}),
        ("GET", "/v1/services", None),
    ]


async def setup(desk: Desk) -> tuple[str, str]:
    case_id = await desk.contacted_case()
    await desk.save(case_id, example_assessment())
    response = await desk.client.post(
        f"/v1/cases/{case_id}/safeguarding-referrals",
        json=example_safeguarding_referral(),
        headers=desk.worker,
    )
    return case_id, response.json()["id"]


async def call(desk: Desk, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    return await desk.client.request(method, url, json=body, headers=headers)


async def snapshot(desk: Desk) -> tuple[int, int, int]:
    events = len(await desk.events())
    queue = await desk.client.get("/v1/cases", headers=desk.worker)
    case_id = queue.json()["items"][0]["id"]
    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    return events, len(case["contact_attempts"]), len(case["safeguarding_referrals"])


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_every_other_role_is_refused_everywhere_and_changes_nothing(
    desk: Desk, role: str
) -> None:
    case_id, safeguarding_id = await setup(desk)
    before = await snapshot(desk)
    headers = desk.auth(role=role, provider="demo-provider")
    for method, url, body in endpoints(case_id, safeguarding_id):
        response = await call(desk, method, url, body, headers)
        assert response.status_code == 403, (role, method, url, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert await snapshot(desk) == before


async def test_without_a_token_everything_is_401(desk: Desk) -> None:
    case_id, safeguarding_id = await setup(desk)
    for method, url, body in endpoints(case_id, safeguarding_id):
        response = await call(desk, method, url, body, {})
        assert response.status_code == 401, (method, url)
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_the_worker_may_do_everything_on_their_forces_cases(desk: Desk) -> None:
    case_id, safeguarding_id = await setup(desk)
    for method, url, body in endpoints(case_id, safeguarding_id):
        response = await call(desk, method, url, body, desk.worker)
        assert response.status_code in (200, 201), (method, url, response.text)


@pytest.mark.parametrize(
    ("forces", "provider"),
    [
        (("demo",), "other-provider"),  # the force, but not its provider
        (("westshire",), "demo-provider"),  # a provider, but another force
        (("northshire",), "demo-provider"),  # served by the provider, but not this case's force
        (("westshire",), "other-provider"),
    ],
    ids=["other-provider", "unserved-force", "other-force-same-provider", "other-both"],
)
async def test_another_providers_or_forces_case_is_not_found(
    desk: Desk, forces: tuple[str, ...], provider: str
) -> None:
    case_id, safeguarding_id = await setup(desk)
    before = await snapshot(desk)
    outsider = desk.auth(forces=forces, provider=provider)
    for method, url, body in endpoints(case_id, safeguarding_id):
        response = await call(desk, method, url, body, outsider)
        if "{" in url or case_id in url or safeguarding_id in url:
            assert response.status_code == 404, (method, url, response.text)
            assert case_id not in response.text.replace(url, "")
        else:
            assert response.status_code == 200, (method, url)
            items = response.json().get("items")
            assert items == [] or url in ("/v1/instruments",), (method, url, items)
    assert await snapshot(desk) == before


async def test_cases_of_each_force_go_to_the_provider_serving_it(desk: Desk) -> None:
    demo = await desk.new_case(force_id="demo")
    northshire = await desk.new_case(force_id="northshire")
    westshire = await desk.new_case(force_id="westshire")

    async def queue(headers: dict[str, str]) -> set[str]:
        response = await desk.client.get("/v1/cases", headers=headers)
        return {c["id"] for c in response.json()["items"]}

    assert await queue(desk.auth(forces=("demo", "northshire"))) == {demo, northshire}
    assert await queue(desk.auth(forces=("demo",))) == {demo}
    assert await queue(desk.auth(forces=("demo", "northshire", "westshire"))) == {demo, northshire}
    other = desk.auth(forces=("westshire",), provider="other-provider")
    assert await queue(other) == {westshire}
    assert (await desk.client.get(f"/v1/cases/{westshire}", headers=other)).status_code == 200
    assert (await desk.client.get(f"/v1/cases/{demo}", headers=other)).status_code == 404


def unsigned_provider_token(idp: DevIdentityProvider) -> str:
    now = int(time.time())
    key = serialization.load_pem_private_key(idp.key_path.read_bytes(), None)
    claims = {
        "iss": "urn:diversion:dev-idp",
        "aud": "diversion",
        "sub": "demo-worker-9",
        "iat": now,
        "exp": now + 600,
        "role": "worker",
        "forces": ["demo"],
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": idp.kid})  # type: ignore[arg-type]


async def test_a_worker_token_without_a_provider_is_refused(
    desk: Desk, dev_idp: DevIdentityProvider
) -> None:
    headers = {"Authorization": f"Bearer {unsigned_provider_token(dev_idp)}"}
    response = await desk.client.get("/v1/cases", headers=headers)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:diversion:problem:no-provider"


async def test_a_facilitator_may_not_edit_an_assessment(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    facilitator = desk.auth(role="facilitator")
    response = await desk.client.put(
        f"/v1/cases/{case_id}/assessment", json=example_assessment(), headers=facilitator
    )
    assert response.status_code == 403
    missing = await desk.client.get(f"/v1/cases/{case_id}/assessment", headers=desk.worker)
    assert missing.status_code == 404
