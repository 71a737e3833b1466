"""The telephone assessment through the API: saved in progress, scored by the service (never
the client), completed with the rule's pathway or an override with a written reason."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text

from assessment_api.assessments.schemas import example_assessment
from assessment_api.instruments.catalogue import AUDIT, PGSI, SDS
from assessment_api.safeguarding.schemas import example_closing, example_safeguarding_referral

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


def answers(**changes: Any) -> dict[str, Any]:
    """The complete example assessment with some parts replaced."""
    document = copy.deepcopy(example_assessment())
    document.update(changes)
    return document


def highest(instrument: Any, *items: str) -> dict[str, str]:
    return {i: instrument.item(i).options[-1].code for i in items}


def lowest(instrument: Any, *items: str) -> dict[str, str]:
    return {i: instrument.item(i).options[0].code for i in items}


SDS_ITEMS = ("q1", "q2", "q3", "q4", "q5")


async def test_saving_before_the_person_is_reached_is_refused(desk: Desk) -> None:
    case_id = await desk.new_case()
    response = await desk.save(case_id, answers())
    assert response.status_code == 409
    assert response.json()["type"] == "urn:diversion:problem:not-contacted"


async def test_a_partial_save_lists_what_is_missing_and_proposes_nothing(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    response = await desk.save(
        case_id, {"gambling": lowest(PGSI, *(f"q{n}" for n in range(1, 10)))}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "in_progress"
    assert body["proposal"] is None and body["allocation"] is None
    assert [(s["instrument"], s["total"], s["band"]) for s in body["scores"]] == [
        ("pgsi", 0, "non_problem")
    ]
    assert body["scores"][0]["version"] == PGSI.version
    assert "alcohol.audit_c.q1" in body["missing"]
    assert "dependence.q5" in body["missing"]
    assert "needs.housing" in body["missing"]
    assert "substance_use.injecting" in body["missing"]
    assert not any(m.startswith("gambling") for m in body["missing"])

    again = (await desk.client.get(f"/v1/cases/{case_id}/assessment", headers=desk.worker)).json()
    assert again["answers"]["gambling"]["q1"] == "never"


async def test_a_complete_save_shows_the_proposal_with_its_reasons(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    body = (await desk.save(case_id, answers())).json()
    assert body["missing"] == []
    assert body["proposal"]["pathway"] == "cannabis_group"
    assert [r["code"] for r in body["proposal"]["reasons"]] == ["main_substance"]
    scores = {s["instrument"]: s for s in body["scores"]}
    assert (scores["audit_c"]["total"], scores["audit_c"]["band"]) == (4, "auditc_negative")
    assert (scores["sds"]["total"], scores["sds"]["cutoff"]) == (1, 3)
    assert scores["sds"]["cutoff_version"] == "sds-cutoffs-2026.1"


@pytest.mark.parametrize(
    "path",
    [
        ("score",),
        ("gambling", "score"),
        ("alcohol", "audit_c", "total"),
        ("dependence", "total"),
        ("scores",),
    ],
    ids=lambda p: ".".join(p),
)
async def test_a_client_sending_a_score_is_refused_and_nothing_is_saved(
    desk: Desk, path: tuple[str, ...]
) -> None:
    case_id = await desk.contacted_case()
    document = answers()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = 12
    response = await desk.save(case_id, document)
    assert response.status_code == 422
    assert ".".join(path) in [e["field"] for e in response.json()["errors"]]
    missing = await desk.client.get(f"/v1/cases/{case_id}/assessment", headers=desk.worker)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"gambling": {"q1": "often"}}, "gambling.q1"),
        ({"dependence": {"q5": 3}}, "dependence.q5"),
        (
            {
                "substance_use": {
                    "substances": [
                        {
                            "substance": "cannabis",
                            "days_used_last_28": 29,
                            "typical_amount": "a lot",
                            "route": "smoked",
                        }
                    ]
                }
            },
            "substance_use.substances.0.days_used_last_28",
        ),
        (
            {
                "substance_use": {
                    "substances": [
                        {
                            "substance": "heroin",
                            "days_used_last_28": 3,
                            "typical_amount": "a bag",
                            "route": "injected",
                        }
                    ],
                    "injecting": False,
                }
            },
            "substance_use",
        ),
        ({"needs": {"housing": {"level": "none", "action": "referred"}}}, "needs.housing"),
        ({"advice_given": ["driving", "driving"]}, "advice_given"),
    ],
    ids=[
        "unknown-code",
        "score-instead-of-code",
        "days-over-28",
        "injecting-contradiction",
        "action-without-need",
        "advice-twice",
    ],
)
async def test_bad_answers_name_the_field(desk: Desk, change: dict[str, Any], field: str) -> None:
    case_id = await desk.contacted_case()
    response = await desk.save(case_id, answers(**change))
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_completion_scores_allocates_closes_the_case_and_publishes_categories_only(
    desk: Desk,
) -> None:
    case_id = await desk.contacted_case()
    await desk.save(case_id, answers())
    response = await desk.complete(case_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "completed"
    assert body["allocation"] == {
        "pathway": "cannabis_group",
        "proposed_pathway": "cannabis_group",
        "overridden": False,
        "override_reason": None,
        "reasons": body["allocation"]["reasons"],
    }
    versions = {s["instrument"]: s["version"] for s in body["scores"]}
    assert versions == {"audit_c": AUDIT.version, "pgsi": PGSI.version, "sds": SDS.version}

    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert case["status"] == "assessed"
    assert case["assessment"] == {
        "status": "completed",
        "pathway": "cannabis_group",
        "overridden": False,
    }
    assert (await desk.client.get("/v1/cases", headers=desk.worker)).json()["items"] == []

    [event] = await desk.events("assessment.completed.v1")
    data = event.data
    assert (data.pathway, data.proposed_pathway, data.overridden) == (
        "cannabis_group",
        "cannabis_group",
        False,
    )
    assert (data.dependence_indicated, data.injecting, data.safeguarding_concern) == (
        False,
        False,
        False,
    )
    assert (data.audit_band, data.pgsi_band, data.sds_band) == (
        "auditc_negative",
        "non_problem",
        "below_cutoff",
    )
    assert data.needs["mental_health"] == "some" and data.needs["housing"] == "some"
    assert (data.preferred_language, data.interpreter_needed) == ("pl", True)
    raw = event.to_json().decode()
    for secret in ("joints", "Low mood", "new job", "two_to_four", "never_or_almost_never"):
        assert secret not in raw
    assert "Jordan" not in raw


async def test_answers_scores_and_reasons_are_encrypted_at_rest(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    await desk.save(case_id, answers())
    await desk.complete(case_id)
    async with desk.runtime.db.engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT answers, scores, reasons, pathway FROM assessments WHERE case_id = :c"
                ),
                {"c": case_id},
            )
        ).one()
    assert all(value.startswith("enc1.") for value in row[:3])
    assert "joints" not in row[0]
    assert row[3] == "cannabis_group"


async def test_a_positive_audit_c_asks_the_full_audit_before_completion(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    positive = {
        "audit_c": {"q1": "four_or_more_times_a_week", "q2": "three_to_four", "q3": "never"}
    }
    body = (await desk.save(case_id, answers(alcohol=positive))).json()
    assert [m for m in body["missing"] if m.startswith("alcohol")] == [
        f"alcohol.audit.q{n}" for n in range(4, 11)
    ]
    incomplete = await desk.complete(case_id)
    assert incomplete.status_code == 422
    assert incomplete.json()["type"] == "urn:diversion:problem:assessment-incomplete"
    assert "alcohol.audit.q4" in [e["field"] for e in incomplete.json()["errors"]]
    assert await desk.events("assessment.completed.v1") == []

    full = {**positive, "audit": highest(AUDIT, *(f"q{n}" for n in range(4, 11)))}
    body = (await desk.save(case_id, answers(alcohol=full))).json()
    audit = next(s for s in body["scores"] if s["instrument"] == "audit")
    assert (audit["total"], audit["band"]) == (5 + 7 * 4, "possible_dependence")
    assert body["proposal"]["pathway"] == "one_to_one"
    assert [r["code"] for r in body["proposal"]["reasons"]] == ["audit_possible_dependence"]
    completed = await desk.complete(case_id)
    assert completed.json()["allocation"]["pathway"] == "one_to_one"
    [event] = await desk.events("assessment.completed.v1")
    assert (event.data.audit_band, event.data.dependence_indicated) == (
        "possible_dependence",
        True,
    )


async def test_sds_at_the_amphetamine_cutoff_leads_to_one_to_one(desk: Desk) -> None:
    case_id = await desk.contacted_case(main_substance="amphetamine")
    use = {
        "substances": [
            {
                "substance": "amphetamine",
                "days_used_last_28": 8,
                "typical_amount": "1 g at weekends",
                "route": "snorted",
            }
        ],
        "injecting": False,
    }
    four = {**lowest(SDS, *SDS_ITEMS), "q1": "often", "q3": "often"}
    five = {**four, "q4": "sometimes"}
    body = (
        await desk.save(case_id, answers(main_substance=None, substance_use=use, dependence=four))
    ).json()
    assert body["main_substance"] == "amphetamine"
    assert body["proposal"]["pathway"] == "general_group"
    body = (
        await desk.save(case_id, answers(main_substance=None, substance_use=use, dependence=five))
    ).json()
    sds = next(s for s in body["scores"] if s["instrument"] == "sds")
    assert (sds["total"], sds["cutoff"], sds["band"]) == (5, 5, "at_or_above_cutoff")
    assert body["proposal"]["pathway"] == "one_to_one"


async def test_significant_safeguarding_leads_to_one_to_one(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    needs = {
        **example_assessment()["needs"],
        "safeguarding": {"level": "significant", "action": "referred"},
    }
    body = (await desk.save(case_id, answers(needs=needs))).json()
    assert body["proposal"]["pathway"] == "one_to_one"
    await desk.complete(case_id)
    [event] = await desk.events("assessment.completed.v1")
    assert (event.data.safeguarding_concern, event.data.dependence_indicated) == (True, False)


async def test_a_safeguarding_referral_raised_leads_to_one_to_one_with_its_reason(
    desk: Desk,
) -> None:
    case_id = await desk.contacted_case()
    other_case_id = await desk.contacted_case()
    raised = await desk.client.post(
        f"/v1/cases/{case_id}/safeguarding-referrals",
        json={**example_safeguarding_referral(), "category": "child_at_risk"},
        headers=desk.worker,
    )
    assert raised.status_code == 201, raised.text
    reason = {
        "code": "safeguarding_referral",
        "text": "A safeguarding referral was raised (child at risk)",
    }
    # the holistic check found nothing significant: the referral alone is the reason
    body = (await desk.save(case_id, answers())).json()
    assert (body["proposal"]["pathway"], body["proposal"]["reasons"]) == ("one_to_one", [reason])
    # another person's referral is not this person's reason
    other = (await desk.save(other_case_id, answers())).json()
    assert other["proposal"]["pathway"] == "cannabis_group"
    # followed up and closed, it was still raised
    closed = await desk.client.patch(
        f"/v1/safeguarding-referrals/{raised.json()['id']}",
        json=example_closing(),
        headers=desk.worker,
    )
    assert closed.status_code == 200, closed.text

    completed = await desk.complete(case_id)
    assert completed.status_code == 201, completed.text
    allocation = completed.json()["allocation"]
    assert (allocation["pathway"], allocation["reasons"]) == ("one_to_one", [reason])
    [event] = await desk.events("assessment.completed.v1")
    assert (event.data.pathway, event.data.safeguarding_concern) == ("one_to_one", True)
    assert not event.data.dependence_indicated


async def test_significant_exploitation_leads_to_one_to_one_with_its_reason(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    needs = {
        **example_assessment()["needs"],
        "exploitation": {"level": "significant", "action": "referred"},
    }
    body = (await desk.save(case_id, answers(needs=needs))).json()
    assert body["proposal"]["pathway"] == "one_to_one"
    completed = await desk.complete(case_id)
    assert completed.status_code == 201, completed.text
    allocation = completed.json()["allocation"]
    assert (allocation["pathway"], allocation["reasons"]) == (
        "one_to_one",
        [
            {
                "code": "significant_exploitation",
                "text": "A significant exploitation concern (such as county lines or modern "
                "slavery)",
            }
        ],
    )
    [event] = await desk.events("assessment.completed.v1")
    assert (event.data.pathway, event.data.needs["exploitation"]) == ("one_to_one", "significant")
    assert not event.data.dependence_indicated


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"pathway": "one_to_one"}, "override.reason"),
        ({"pathway": "one_to_one", "reason": "   "}, "override.reason"),
        ({"pathway": "one_to_one", "reason": "anxious"}, "override.reason"),
        ({"pathway": "cannabis_group", "reason": "Prefers the group course"}, "override.pathway"),
    ],
    ids=["no-reason", "blank-reason", "token-reason", "same-as-proposed"],
)
async def test_an_override_without_a_proper_reason_is_refused_and_changes_nothing(
    desk: Desk, override: dict[str, str], field: str
) -> None:
    case_id = await desk.contacted_case()
    await desk.save(case_id, answers())
    response = await desk.complete(case_id, {"override": override})
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]
    state = (await desk.client.get(f"/v1/cases/{case_id}/assessment", headers=desk.worker)).json()
    assert state["status"] == "in_progress"
    case = (await desk.client.get(f"/v1/cases/{case_id}", headers=desk.worker)).json()
    assert case["status"] == "contacted"
    assert await desk.events("assessment.completed.v1") == []
    assert not [e for e in await desk.audit_log() if e.action == "override"]


async def test_an_override_with_a_reason_is_stored_audited_and_published(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    await desk.save(case_id, answers())
    reason = "Severe social anxiety: could not take part in a group session."
    response = await desk.complete(
        case_id, {"override": {"pathway": "one_to_one", "reason": reason}}
    )
    assert response.status_code == 201, response.text
    allocation = response.json()["allocation"]
    assert (allocation["pathway"], allocation["proposed_pathway"]) == (
        "one_to_one",
        "cannabis_group",
    )
    assert (allocation["overridden"], allocation["override_reason"]) == (True, reason)
    [entry] = [e for e in await desk.audit_log() if e.action == "override"]
    assert (entry.resource_type, entry.resource_id, entry.actor) == (
        "allocation",
        case_id,
        "demo-worker-1",
    )
    assert "cannabis_group" in entry.purpose and "one_to_one" in entry.purpose
    [event] = await desk.events("assessment.completed.v1")
    assert (event.data.pathway, event.data.proposed_pathway, event.data.overridden) == (
        "one_to_one",
        "cannabis_group",
        True,
    )
    assert "anxiety" not in event.to_json().decode()
    async with desk.runtime.db.engine.connect() as conn:
        stored = await conn.scalar(
            text("SELECT override_reason FROM assessments WHERE case_id = :c"), {"c": case_id}
        )
    assert stored.startswith("enc1.") and "anxiety" not in stored


async def test_a_completed_assessment_cannot_be_completed_or_changed_again(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    await desk.save(case_id, answers())
    assert (await desk.complete(case_id)).status_code == 201
    assert (await desk.complete(case_id)).status_code == 409
    assert (await desk.save(case_id, answers())).status_code == 409
    assert len(await desk.events("assessment.completed.v1")) == 1
    stored = (await desk.client.get(f"/v1/cases/{case_id}/assessment", headers=desk.worker)).json()
    assert stored["status"] == "completed" and stored["missing"] == []


async def test_completing_with_nothing_saved_is_a_conflict(desk: Desk) -> None:
    case_id = await desk.contacted_case()
    response = await desk.complete(case_id)
    assert response.status_code == 409
    assert response.json()["type"] == "urn:diversion:problem:no-assessment"


async def test_a_completion_retried_with_its_idempotency_key_gets_the_same_answer(
    desk: Desk,
) -> None:
    case_id = await desk.contacted_case()
    await desk.save(case_id, answers())
    headers = {**desk.worker, "Idempotency-Key": "5f1e0c1a-complete"}
    url = f"/v1/cases/{case_id}/assessment/completion"
    first = await desk.client.post(url, json={}, headers=headers)
    second = await desk.client.post(url, json={}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert json.loads(first.content) == json.loads(second.content)
    assert len(await desk.events("assessment.completed.v1")) == 1
