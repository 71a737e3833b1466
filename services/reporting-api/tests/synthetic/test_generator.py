"""The synthetic year looks like the scheme: its mix, its funnel, its disproportion and its
re-referrals, read from the events themselves; and it is the same every time it is made."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import date, datetime, timedelta

from contracts import CloudEvent, parse_event
from reporting_api.synthetic.generator import force_years

Year = list[list[CloudEvent]]


def submitted(year: Year) -> list[CloudEvent]:
    return [journey[0] for journey in year]


def share(count: int, total: int) -> float:
    return count / total


def test_a_year_is_five_thousand_referrals_each_starting_with_its_submission(year: Year) -> None:
    assert len(year) == 5000
    assert all(journey[0].type == "referral.submitted.v1" for journey in year)
    ids = {journey[0].data.referral_id for journey in year}
    assert len(ids) == 5000
    # each journey is one referral's, in the order it happened
    for journey in year:
        assert {event.subject for event in journey} == {str(journey[0].data.referral_id)}
        assert [event.time for event in journey] == sorted(event.time for event in journey)


def test_substances_are_the_schemes_mix(year: Year) -> None:
    main = Counter(event.data.main_substance.value for event in submitted(year))
    assert 0.80 <= share(main["cannabis"], 5000) <= 0.85
    assert 0.05 <= share(main["cocaine"], 5000) <= 0.10
    assert 0.03 <= share(main["nitrous_oxide"], 5000) <= 0.07
    others = 5000 - main["cannabis"] - main["cocaine"] - main["nitrous_oxide"]
    assert 0.01 <= share(others, 5000) <= 0.08
    two = sum(len(event.data.substances) == 2 for event in submitted(year))
    assert 0.02 <= share(two, 5000) <= 0.10


def finished(year: Year, now: datetime) -> list[list[CloudEvent]]:
    """Journeys referred long enough ago to have ended (the engagement window is 56 days)."""
    return [j for j in year if j[0].time < now - timedelta(days=90)]


def test_the_funnel_is_the_schemes(year: Year, now: datetime) -> None:
    done = finished(year, now)
    total = len(done)
    reached = Counter(event.type for journey in done for event in set_of_types(journey))
    assert 0.82 <= share(reached["case.contacted.v1"], total) <= 0.88
    # over 70% comply with at least the assessment
    assert 0.70 <= share(reached["assessment.completed.v1"], total) <= 0.76
    booked = reached["session.booked.v1"]
    assert booked >= 0.9 * reached["assessment.completed.v1"]
    assert 0.80 <= share(reached["intervention.completed.v1"], booked) <= 0.90
    assert 0.005 <= share(reached["referral.withdrawn.v1"], total) <= 0.02


def set_of_types(journey: list[CloudEvent]) -> list[CloudEvent]:
    """One event of each type in the journey (a rebooking books twice)."""
    return list({event.type: event for event in journey}.values())


def test_every_finished_journey_is_closed_with_the_outcome_its_steps_tell(
    year: Year, now: datetime
) -> None:
    outcomes: Counter[str] = Counter()
    for journey in finished(year, now):
        types = [event.type for event in journey]
        assert types[-1] == "referral.closed.v1" and types.count("referral.closed.v1") == 1
        outcome = journey[-1].data.outcome.value
        outcomes[outcome] += 1
        if outcome == "completed":
            assert "intervention.completed.v1" in types
        elif outcome == "withdrawn":
            assert "referral.withdrawn.v1" in types
        else:  # not engaged at the stage reached, or after booking
            assert {"case.not_engaged.v1", "intervention.not_engaged.v1"} & set(types)
    assert set(outcomes) == {"completed", "not_engaged", "withdrawn"}


def test_the_last_weeks_referrals_are_still_open_and_nothing_is_after_now(
    year: Year, now: datetime
) -> None:
    assert all(event.time <= now for journey in year for event in journey)
    recent = [j for j in year if j[0].time > now - timedelta(days=14)]
    open_ = [j for j in recent if j[-1].type != "referral.closed.v1"]
    assert len(open_) > len(recent) / 2


def test_the_black_groups_rate_per_thousand_is_over_twice_the_white_groups(year: Year) -> None:
    groups = Counter(event.data.self_defined_ethnicity.value[0] for event in submitted(year))
    # residents: White W1 700,000 + W2 10,000 + W3 3,000 + W9 67,000 = 780,000;
    # Black B1 20,000 + B2 22,000 + B9 8,000 = 50,000
    white_rate = groups["W"] / 780_000 * 1000
    black_rate = groups["B"] / 50_000 * 1000
    assert 2.0 < black_rate / white_rate < 3.5
    # the shares of referrals the demonstration aims at (NS: not stated)
    assert 0.65 <= share(groups["W"], 5000) <= 0.71
    assert 0.10 <= share(groups["B"], 5000) <= 0.15
    assert 0.08 <= share(groups["A"], 5000) <= 0.12
    assert 0.01 <= share(groups["N"], 5000) <= 0.03


def test_the_officer_observed_code_agrees_with_the_persons_own(year: Year) -> None:
    observed = [e.data.observed_ethnicity.value for e in submitted(year)]
    pairs = Counter(
        (e.data.self_defined_ethnicity.value[0], e.data.observed_ethnicity.value)
        for e in submitted(year)
    )
    black_seen_black = pairs["B", "IC3"] / sum(n for (g, _), n in pairs.items() if g == "B")
    assert black_seen_black > 0.9
    assert pairs["B", "IC1"] == 0
    # sometimes not recorded
    assert 0 < observed.count("IC9") < 0.1 * len(observed)


def test_re_referrals_are_a_few_per_cent_each_of_someone_referred_in_the_last_year(
    year: Year,
) -> None:
    seen: dict[str, list[datetime]] = {}
    rereferrals = 0
    for event in submitted(year):
        data = event.data
        earlier = seen.get(data.person_key, [])
        if data.is_rereferral:
            rereferrals += 1
            assert any(
                data.submitted_at - timedelta(days=365) < t < data.submitted_at for t in earlier
            )
            assert earlier, "a re-referral is of someone referred before"
        else:
            assert earlier == [], "a person referred again is a re-referral"
        seen.setdefault(data.person_key, []).append(data.submitted_at)
    assert 0.02 <= share(rereferrals, 5000) <= 0.04


def test_areas_and_officers_are_unevenly_used(year: Year) -> None:
    areas = Counter(event.data.area for event in submitted(year))
    assert len(areas) == 8
    assert max(areas.values()) > 3 * min(areas.values())
    officers = Counter(event.data.officer_key for event in submitted(year))
    assert 200 <= len(officers) <= 400
    busiest_tenth = sum(n for _, n in officers.most_common(len(officers) // 10))
    assert busiest_tenth > 0.3 * 5000


def test_people_are_adults_mostly_young_and_male(year: Year) -> None:
    ages = [event.data.age_years for event in submitted(year)]
    assert min(ages) >= 18 and max(ages) <= 70
    assert 22 <= statistics.median(ages) <= 30
    genders = Counter(event.data.gender.value for event in submitted(year))
    assert 0.8 <= share(genders["male"], 5000) <= 0.92


def test_first_contact_mostly_within_days_assessment_soon_after(year: Year) -> None:
    to_contact, to_assessment, to_session = [], [], []
    for journey in year:
        at = {event.type: event for event in reversed(journey)}  # the first of each type
        referred = journey[0].time
        if "case.contacted.v1" in at:
            to_contact.append((at["case.contacted.v1"].time - referred).total_seconds() / 86400)
        if "assessment.completed.v1" in at:
            assessed = at["assessment.completed.v1"].time
            to_assessment.append((assessed - at["case.contacted.v1"].time).days)
            if "session.booked.v1" in at:
                start = at["session.booked.v1"].data.session_start
                to_session.append(start - assessed)
    assert 1 <= statistics.median(to_contact) <= 3
    assert statistics.quantiles(to_contact, n=10)[8] > 4  # a long tail
    assert statistics.median(to_assessment) <= 3
    # a session one to three weeks on (at 10:00, 14:00 or 18:00, so from a few hours under a
    # week to 21 days and a Sunday skipped, 22 days and some hours)
    assert all(timedelta(days=6) < wait < timedelta(days=23) for wait in to_session)


def test_assessments_have_needs_safeguarding_support_and_pathways(year: Year) -> None:
    assessments = [e for j in year for e in j if e.type == "assessment.completed.v1"]
    n = len(assessments)
    pathways = Counter(e.data.pathway.value for e in assessments)
    assert 0.06 <= share(pathways["one_to_one"], n) <= 0.14
    assert pathways["cannabis_group"] > pathways["cocaine_group"] > 0
    assert pathways["nitrous_oxide_group"] > 0 and pathways["general_group"] > 0
    assert 0.03 <= share(sum(e.data.overridden for e in assessments), n) <= 0.07
    referrals = len(year)
    safeguarding = sum(e.type == "safeguarding.raised.v1" for j in year for e in j)
    assert 0.02 <= share(safeguarding, referrals) <= 0.04
    support = sum(e.type == "support.referred.v1" for j in year for e in j)
    assert 0.07 <= share(support, n) <= 0.13
    mental_health = Counter(e.data.needs["mental_health"].value for e in assessments)
    assert mental_health["none"] > mental_health["some"] > mental_health["significant"] > 0
    bands = Counter(e.data.audit_band.value for e in assessments)
    assert bands["auditc_negative"] > bands["possible_dependence"] > 0
    # dependence leads to a one-to-one unless the worker overrode the rule
    for e in assessments:
        if e.data.dependence_indicated:
            assert e.data.proposed_pathway.value == "one_to_one"


def test_every_event_round_trips_through_the_contracts(year: Year) -> None:
    for journey in year:
        for event in journey:
            assert parse_event(event.to_json()) == event


def test_the_same_seed_makes_the_same_bytes_and_another_seed_does_not(now: datetime) -> None:
    def made(seed: int) -> list[bytes]:
        journeys = force_years(
            "demo", start=date(2026, 6, 1), referrals_per_year=400, seed=seed, now=now
        )
        return [event.to_json() for journey in journeys for event in journey]

    first = made(3)
    assert first == made(3)
    assert first != made(4)
    assert len(first) > 400
