"""A force's history, made of the scheme's real events: for the demonstration year, the tests
and the benchmark.

    for journey in force_years("demo", start=date(2025, 12, 5), seed=1):
        ...  # the events of one referral, oldest first

Everything comes from one `random.Random(seed)`, so the same arguments give the same events,
byte for byte. Journeys come one at a time, in the order they were referred, so a history of any
length streams in little memory. The mix follows what the scheme reported (the domain page's
"Numbers"): about 5,000 referrals a year, 80-85% cannabis, over 70% complying with at least the
assessment, a few per cent re-referred within 12 months; and who is referred is skewed against
the demonstration population (`DEMO_POPULATION`) the way the scheme's disproportionality report
is there to show: the Black group's rate per 1,000 residents is about 2.75 times the White
group's.

Nothing is dated after `now`: a journey whose next step would come later stops there and stays
open, as the last weeks' referrals are in a live system.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from contracts import CloudEvent
from contracts.sealed import SealedField
from contracts.vocabulary import (
    AuditBand,
    EncounterOrigin,
    EngagementStage,
    Gender,
    NeedDomain,
    NeedLevel,
    ObservedEthnicity,
    Pathway,
    PgsiBand,
    ReferralOutcome,
    SafeguardingCategory,
    SdsBand,
    SelfDefinedEthnicity,
    Substance,
    WithdrawalReason,
)
from reporting_api.synthetic.events import NAMESPACE, JourneyEvents, unopenable_sealed_field

T = TypeVar("T")
Closed = tuple[datetime, ReferralOutcome]  # when a referral closed, and how
Closer = Callable[[datetime, ReferralOutcome], Closed]
E = SelfDefinedEthnicity
IC = ObservedEthnicity

# The demonstration force's residents by self-defined ethnicity (1,000,000 in all): the
# population file the demonstration loads holds exactly these numbers.
DEMO_POPULATION: dict[SelfDefinedEthnicity, int] = {
    E.W1: 700_000,
    E.W2: 10_000,
    E.W3: 3_000,
    E.W9: 67_000,
    E.M1: 9_000,
    E.M2: 5_000,
    E.M3: 8_000,
    E.M9: 8_000,
    E.A1: 40_000,
    E.A2: 35_000,
    E.A3: 10_000,
    E.A4: 8_000,
    E.A9: 17_000,
    E.B1: 20_000,
    E.B2: 22_000,
    E.B9: 8_000,
    E.O2: 10_000,
    E.O9: 20_000,
}

# Who is referred, by broad group: White 68% of referrals against 78% of residents, Black 12%
# against 5%. Rates per 1,000 residents at 5,000 referrals: White 3,400 / 780 = 4.36, Black
# 600 / 50 = 12.0, so Black against White is 12.0 / 4.36 = 2.75.
GROUP_SHARES: dict[str, float] = {
    "W": 0.68,
    "B": 0.12,
    "A": 0.10,
    "M": 0.055,
    "O": 0.025,
    "N": 0.02,  # not stated
}


def _ethnicity_weights() -> dict[SelfDefinedEthnicity, float]:
    """Each code's share of referrals: its group's share, split within the group as the
    population is."""
    group_totals: dict[str, int] = {}
    for code, residents in DEMO_POPULATION.items():
        group_totals[code.value[0]] = group_totals.get(code.value[0], 0) + residents
    weights = {
        code: GROUP_SHARES[code.value[0]] * residents / group_totals[code.value[0]]
        for code, residents in DEMO_POPULATION.items()
    }
    weights[E.NS] = GROUP_SHARES["N"]
    return weights


ETHNICITY_WEIGHTS = _ethnicity_weights()

# What an officer records seeing, given how the person describes themselves (IC9 when the
# officer did not record it)
OBSERVED: dict[str, tuple[tuple[ObservedEthnicity, float], ...]] = {
    "W1": ((IC.IC1, 0.95), (IC.IC2, 0.02), (IC.IC9, 0.03)),
    "W2": ((IC.IC1, 0.95), (IC.IC9, 0.05)),
    "W3": ((IC.IC1, 0.9), (IC.IC2, 0.05), (IC.IC9, 0.05)),
    "W9": ((IC.IC1, 0.55), (IC.IC2, 0.4), (IC.IC9, 0.05)),
    "M1": ((IC.IC3, 0.6), (IC.IC1, 0.3), (IC.IC9, 0.1)),
    "M2": ((IC.IC3, 0.6), (IC.IC1, 0.3), (IC.IC9, 0.1)),
    "M3": ((IC.IC4, 0.4), (IC.IC1, 0.5), (IC.IC9, 0.1)),
    "M9": ((IC.IC1, 0.4), (IC.IC3, 0.3), (IC.IC6, 0.15), (IC.IC9, 0.15)),
    "A1": ((IC.IC4, 0.95), (IC.IC9, 0.05)),
    "A2": ((IC.IC4, 0.95), (IC.IC9, 0.05)),
    "A3": ((IC.IC4, 0.95), (IC.IC9, 0.05)),
    "A4": ((IC.IC5, 0.93), (IC.IC4, 0.03), (IC.IC9, 0.04)),
    "A9": ((IC.IC4, 0.75), (IC.IC5, 0.2), (IC.IC9, 0.05)),
    "B1": ((IC.IC3, 0.96), (IC.IC9, 0.04)),
    "B2": ((IC.IC3, 0.96), (IC.IC9, 0.04)),
    "B9": ((IC.IC3, 0.95), (IC.IC9, 0.05)),
    "O2": ((IC.IC6, 0.9), (IC.IC9, 0.1)),
    "O9": ((IC.IC6, 0.4), (IC.IC4, 0.2), (IC.IC1, 0.2), (IC.IC9, 0.2)),
    "NS": ((IC.IC1, 0.6), (IC.IC3, 0.15), (IC.IC4, 0.1), (IC.IC2, 0.05), (IC.IC9, 0.1)),
}

# The main substance found (the scheme: 80-85% cannabis, 5-10% cocaine, a share of nitrous
# oxide); a second substance is found with about one referral in 16
MAIN_SUBSTANCE: dict[Substance, float] = {
    Substance.cannabis: 0.82,
    Substance.cocaine: 0.08,
    Substance.nitrous_oxide: 0.05,
    Substance.ketamine: 0.015,
    Substance.mdma: 0.015,
    Substance.crack_cocaine: 0.005,
    Substance.amphetamine: 0.008,
    Substance.heroin: 0.003,
    Substance.other: 0.004,
}
SECOND_SUBSTANCE = 0.06

GENDER: dict[Gender, float] = {
    Gender.male: 0.87,
    Gender.female: 0.11,
    Gender.non_binary: 0.007,
    Gender.self_described: 0.003,
    Gender.not_stated: 0.01,
}

DEMO_AREAS: dict[str, float] = {
    "city": 0.24,
    "central": 0.18,
    "north": 0.14,
    "south": 0.12,
    "east": 0.1,
    "west": 0.09,
    "riverside": 0.08,
    "valley": 0.05,
}
OFFICERS = 300
OFFICER_SKEW = 1.1  # Zipf-like: the busiest officer refers ~70 times the quietest

# the funnel (shares of the referrals that reach each step), with a little less engagement in
# the groups referred most out of proportion
WITHDRAWN = 0.01
CONTACTED = {"W": 0.86, "B": 0.82, "A": 0.85, "M": 0.84, "O": 0.84, "N": 0.8}
ASSESSED_OF_CONTACTED = {"W": 0.87, "B": 0.83, "A": 0.86, "M": 0.85, "O": 0.85, "N": 0.82}
BOOKED_OF_ASSESSED = 0.95
ATTENDS_FIRST = 0.76  # of those booked: attend the first session
ATTENDS_REBOOKED = 0.6  # of those who missed it: attend the one they are rebooked into
ENGAGEMENT_DAYS = 56  # the force's window to engage, from the referral
REREFERRAL = 0.035  # of referrals, once there is anyone to re-refer
SAFEGUARDING = 0.04  # of assessments (about 3% of referrals)
SUPPORT = 0.1  # of assessments
OVERRIDE = 0.05  # of assessments

NEEDS: dict[NeedDomain, tuple[float, float]] = {  # (some, significant)
    NeedDomain.mental_health: (0.22, 0.06),
    NeedDomain.physical_health: (0.1, 0.02),
    NeedDomain.domestic_abuse: (0.04, 0.01),
    NeedDomain.housing: (0.08, 0.03),
    NeedDomain.exploitation: (0.03, 0.01),
    NeedDomain.safeguarding: (0.03, 0.01),
    NeedDomain.employment_education: (0.15, 0.03),
    NeedDomain.debt_finances: (0.12, 0.03),
}
AUDIT: dict[AuditBand, float] = {
    AuditBand.auditc_negative: 0.55,
    AuditBand.lower_risk: 0.2,
    AuditBand.increasing_risk: 0.15,
    AuditBand.higher_risk: 0.07,
    AuditBand.possible_dependence: 0.03,
}
PGSI: dict[PgsiBand, float] = {
    PgsiBand.non_problem: 0.85,
    PgsiBand.low_risk: 0.08,
    PgsiBand.moderate_risk: 0.05,
    PgsiBand.problem: 0.02,
}
SDS_AT_OR_ABOVE = 0.05
INJECTING = 0.005
SAFEGUARDING_CATEGORY: dict[SafeguardingCategory, float] = {
    SafeguardingCategory.adult_at_risk: 0.3,
    SafeguardingCategory.child_at_risk: 0.2,
    SafeguardingCategory.domestic_abuse: 0.2,
    SafeguardingCategory.exploitation: 0.15,
    SafeguardingCategory.self_harm: 0.1,
    SafeguardingCategory.other: 0.05,
}
WITHDRAWAL_REASON: dict[WithdrawalReason, float] = {
    WithdrawalReason.made_in_error: 0.35,
    WithdrawalReason.not_eligible_on_review: 0.3,
    WithdrawalReason.duplicate: 0.15,
    WithdrawalReason.wrong_person: 0.1,
    WithdrawalReason.other: 0.1,
}
GROUP_COURSE: dict[Substance, Pathway] = {
    Substance.cannabis: Pathway.cannabis_group,
    Substance.cocaine: Pathway.cocaine_group,
    Substance.crack_cocaine: Pathway.cocaine_group,
    Substance.nitrous_oxide: Pathway.nitrous_oxide_group,
}
# referrals by day of the week (Monday first) and hour of the day: evenings and weekends busier
WEEKDAY = (0.85, 0.85, 0.9, 1.0, 1.25, 1.35, 1.0)
HOURS = (
    (0, 0.035), (1, 0.025), (2, 0.015), (3, 0.01), (4, 0.005), (5, 0.005), (6, 0.01),
    (7, 0.02), (8, 0.03), (9, 0.035), (10, 0.04), (11, 0.045), (12, 0.05), (13, 0.05),
    (14, 0.055), (15, 0.06), (16, 0.065), (17, 0.07), (18, 0.07), (19, 0.07), (20, 0.065),
    (21, 0.06), (22, 0.05), (23, 0.04),
)  # fmt: skip
SESSION_HOURS = (10, 14, 18)


def _pick(rng: random.Random, weights: dict[T, float]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _pick_pairs(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _working_time(at: datetime, rng: random.Random) -> datetime:
    """`at`, or when the drug service's day next allows (weekdays, 09:00-18:00)."""
    if at.weekday() < 5 and 9 <= at.hour < 18:
        return at
    day = at.date() if at.hour < 9 else at.date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(9), UTC) + timedelta(minutes=rng.randrange(0, 9 * 60))


@dataclass(frozen=True)
class Person:
    key: str
    age_years: int
    gender: Gender
    ethnicity: SelfDefinedEthnicity
    born_on: date  # only to age them for a re-referral


@dataclass
class Earlier:
    """A referral that completed: its person may be referred again within 12 months."""

    submitted_at: datetime
    closed_at: datetime
    person: Person
    officer: int


class ForceHistory:
    """One force's referrals over a period, one journey at a time."""

    def __init__(
        self,
        force_id: str,
        *,
        start: date,
        years: int,
        referrals_per_year: int,
        seed: int,
        now: datetime | None,
        sealed: SealedField | None,
    ) -> None:
        self.force_id = force_id
        self.rng = random.Random(seed)  # noqa: S311 - made up, and must repeat exactly
        self.seed = seed
        self.start = datetime.combine(start, time(0), UTC)
        self.end = self.start + timedelta(days=365 * years)
        self.total = referrals_per_year * years
        self.cutoff = min(self.end, now or datetime.now(UTC))
        self.sealed = sealed or unopenable_sealed_field(self.rng)
        officer_weights = [1 / (rank + 1) ** OFFICER_SKEW for rank in range(OFFICERS)]
        self.officer_cumulative = list(itertools.accumulate(officer_weights))
        areas = list(DEMO_AREAS)
        self.officer_area = [_pick(self.rng, DEMO_AREAS) for _ in range(OFFICERS)]
        self.areas = areas
        self.officer_keys = [
            uuid.uuid5(NAMESPACE, f"{force_id}/{seed}/officer/{n}").hex[:16]
            for n in range(OFFICERS)
        ]
        self.earlier: deque[Earlier] = deque()
        self.index = 0

    # --- when -------------------------------------------------------------------------------

    def days(self) -> Iterator[tuple[date, int]]:
        """Each day of the period with its number of referrals, `total` in all."""
        days = [
            (self.start + timedelta(days=n)).date() for n in range((self.end - self.start).days)
        ]
        weights = [WEEKDAY[day.weekday()] for day in days]
        whole = sum(weights)
        made, running = 0, 0.0
        for day, weight in zip(days, weights, strict=True):
            running += weight
            due = round(self.total * running / whole)
            yield day, due - made
            made = due

    def times(self, day: date, count: int) -> list[datetime]:
        hours = [
            datetime.combine(day, time(_pick_pairs(self.rng, HOURS)), UTC)
            + timedelta(seconds=self.rng.randrange(3600))
            for _ in range(count)
        ]
        return sorted(hours)

    # --- who --------------------------------------------------------------------------------

    def officer(self) -> int:
        point = self.rng.random() * self.officer_cumulative[-1]
        return min(bisect.bisect(self.officer_cumulative, point), OFFICERS - 1)

    def new_person(self, at: datetime) -> Person:
        age = min(70, 18 + int(self.rng.gammavariate(2.0, 5.5)))
        born = at.date() - timedelta(days=365 * age + self.rng.randrange(365))
        key = uuid.uuid5(NAMESPACE, f"{self.force_id}/{self.seed}/person/{self.index}").hex
        return Person(key, age, _pick(self.rng, GENDER), _pick(self.rng, ETHNICITY_WEIGHTS), born)

    def rereferred(self, at: datetime) -> Earlier | None:
        """Someone referred in the 12 months before `at` whose journey completed, or None."""
        cut = at - timedelta(days=365)
        while self.earlier and self.earlier[0].submitted_at <= cut:
            self.earlier.popleft()
        if not self.earlier or self.rng.random() >= REREFERRAL:
            return None
        for _ in range(8):
            earlier = self.earlier[self.rng.randrange(len(self.earlier))]
            if earlier.closed_at < at and earlier.submitted_at > cut:
                return earlier
        return None

    # --- a journey --------------------------------------------------------------------------

    def journeys(self) -> Iterator[list[CloudEvent]]:
        for day, count in self.days():
            for at in self.times(day, count):
                self.index += 1
                if at > self.cutoff:
                    return
                events = self.journey(at)
                if events:
                    yield events

    def journey(self, at: datetime) -> list[CloudEvent]:
        rng = self.rng
        referral_id = uuid.uuid5(NAMESPACE, f"{self.force_id}/{self.seed}/referral/{self.index}")
        journey = JourneyEvents(self.force_id, referral_id)
        again = self.rereferred(at)
        if again is not None:
            earlier = again.person
            age = (at.date() - earlier.born_on).days // 365
            person = Person(earlier.key, age, earlier.gender, earlier.ethnicity, earlier.born_on)
            officer = again.officer if rng.random() < 0.3 else self.officer()
        else:
            person, officer = self.new_person(at), self.officer()
        group = person.ethnicity.value[0]
        main = _pick(rng, MAIN_SUBSTANCE)
        substances = [main]
        if rng.random() < SECOND_SUBSTANCE:
            substances.append(_pick(rng, {s: w for s, w in MAIN_SUBSTANCE.items() if s != main}))
        area = self.officer_area[officer] if rng.random() < 0.85 else _pick(rng, DEMO_AREAS)
        journey.submitted(
            at,
            officer_key=self.officer_keys[officer],
            area=area,
            substances=tuple(substances),
            age_years=person.age_years,
            gender=person.gender,
            self_defined_ethnicity=person.ethnicity,
            observed_ethnicity=_pick_pairs(rng, OBSERVED[person.ethnicity.value]),
            person_key=person.key,
            is_rereferral=again is not None,
            encounter_origin=EncounterOrigin.stop_and_search
            if rng.random() < 0.75
            else EncounterOrigin.other,
            encounter_at=at - timedelta(minutes=rng.randrange(8, 50)),
            engagement_days=ENGAGEMENT_DAYS,
            sealed=self.sealed,
        )
        deadline = at + timedelta(days=ENGAGEMENT_DAYS)
        closed = self.progress(journey, at, deadline, main, group)
        if closed is not None and closed[1] == ReferralOutcome.completed:
            self.earlier.append(Earlier(at, closed[0], person, officer))
        # a step dated after the cut-off has not happened yet: the journey stays open there
        return [event for event in journey.events if event.time <= self.cutoff]

    def progress(
        self, journey: JourneyEvents, at: datetime, deadline: datetime, main: Substance, group: str
    ) -> Closed | None:
        """The journey after the referral; when and how it closed."""
        rng = self.rng

        def close(when: datetime, outcome: ReferralOutcome) -> Closed:
            closed_at = when + timedelta(seconds=rng.randrange(20, 300))
            journey.closed(closed_at, outcome)
            return closed_at, outcome

        def not_engaged(stage: EngagementStage) -> Closed:
            when = deadline + timedelta(minutes=rng.randrange(0, 120))
            journey.not_engaged(when, stage=stage)
            return close(when, ReferralOutcome.not_engaged)

        if rng.random() < WITHDRAWN:
            when = at + timedelta(hours=rng.uniform(2, 24 * 10))
            journey.withdrawn(when, _pick(rng, WITHDRAWAL_REASON))
            return close(when, ReferralOutcome.withdrawn)
        if rng.random() >= CONTACTED[group]:
            return not_engaged(EngagementStage.not_contacted)
        delay = rng.lognormvariate(0.35, 0.6)  # days: median 1.4, most within 1-3
        if rng.random() < 0.06:
            delay += rng.uniform(3, 20)  # the long tail: hard to reach
        contacted_at = _working_time(at + timedelta(days=delay), rng)
        journey.contacted(contacted_at, attempts=1 + min(5, int(rng.expovariate(1.2))))
        if rng.random() >= ASSESSED_OF_CONTACTED[group]:
            return not_engaged(EngagementStage.contacted)
        if rng.random() < 0.5:
            assessed_at = contacted_at + timedelta(minutes=rng.randrange(15, 90))
        else:
            assessed_at = _working_time(
                contacted_at + timedelta(days=rng.randrange(1, 8)), rng
            ).replace(hour=rng.randrange(9, 17))
        pathway = self.assess(journey, assessed_at, main)
        if rng.random() >= BOOKED_OF_ASSESSED:
            return not_engaged(EngagementStage.assessed)
        booked_at = assessed_at + timedelta(minutes=rng.randrange(2, 30))
        session_start = self.session_after(assessed_at, rng.randrange(7, 22))
        booking = journey.booked(booked_at, session_start=session_start, course_type=pathway)
        if rng.random() < ATTENDS_FIRST:
            return self.attend(journey, booking, session_start, pathway, close)
        missed_at = session_start + timedelta(hours=2, minutes=30)
        journey.missed(
            missed_at, booking_id=booking.data.booking_id, session_id=booking.data.session_id
        )
        if rng.random() < 0.3:  # not heard of again until the window closes
            when = max(deadline, missed_at) + timedelta(minutes=rng.randrange(0, 120))
            journey.intervention_not_engaged(when, sessions_missed=1)
            return close(when, ReferralOutcome.not_engaged)
        rebooked_at = missed_at + timedelta(hours=rng.uniform(1, 72))
        session_start = self.session_after(rebooked_at, rng.randrange(5, 15))
        booking = journey.booked(
            rebooked_at, session_start=session_start, course_type=pathway, rebooking=True
        )
        if rng.random() < ATTENDS_REBOOKED:
            return self.attend(journey, booking, session_start, pathway, close)
        missed_at = session_start + timedelta(hours=2, minutes=30)
        journey.missed(
            missed_at, booking_id=booking.data.booking_id, session_id=booking.data.session_id
        )
        when = missed_at + timedelta(minutes=rng.randrange(1, 60))
        journey.intervention_not_engaged(when, sessions_missed=2)
        return close(when, ReferralOutcome.not_engaged)

    def session_after(self, at: datetime, days: int) -> datetime:
        day = (at + timedelta(days=days)).date()
        while day.weekday() == 6:
            day += timedelta(days=1)
        return datetime.combine(day, time(self.rng.choice(SESSION_HOURS)), UTC)

    def attend(
        self,
        journey: JourneyEvents,
        booking: CloudEvent,
        session_start: datetime,
        pathway: Pathway,
        close: Closer,
    ) -> Closed:
        ended = session_start + timedelta(hours=2, minutes=self.rng.randrange(20, 60))
        journey.attended(
            ended, booking_id=booking.data.booking_id, session_id=booking.data.session_id
        )
        journey.intervention_completed(ended, course_type=pathway)
        return close(ended, ReferralOutcome.completed)

    def assess(self, journey: JourneyEvents, at: datetime, main: Substance) -> Pathway:
        """The assessment's categories and the pathway allocated."""
        rng = self.rng
        needs: dict[NeedDomain, NeedLevel] = {}
        for domain, (some, significant) in NEEDS.items():
            draw = rng.random()
            needs[domain] = (
                NeedLevel.significant
                if draw < significant
                else NeedLevel.some
                if draw < significant + some
                else NeedLevel.none
            )
        audit = _pick(rng, AUDIT)
        sds = SdsBand.at_or_above_cutoff if rng.random() < SDS_AT_OR_ABOVE else SdsBand.below_cutoff
        injecting = rng.random() < INJECTING
        safeguarding = rng.random() < SAFEGUARDING
        dependence = (
            sds == SdsBand.at_or_above_cutoff
            or audit == AuditBand.possible_dependence
            or injecting
            or main == Substance.heroin
        )
        proposed = (
            Pathway.one_to_one
            if dependence or (safeguarding and rng.random() < 0.5)
            else GROUP_COURSE.get(main, Pathway.general_group)
        )
        pathway = proposed
        if rng.random() < OVERRIDE:
            # the worker knows better: mostly one-to-one for someone the rule put in a group
            pathway = (
                Pathway.one_to_one
                if proposed != Pathway.one_to_one and rng.random() < 0.7
                else Pathway.general_group
                if proposed != Pathway.general_group
                else Pathway.one_to_one
            )
        journey.assessed(
            at,
            pathway=pathway,
            proposed_pathway=proposed,
            main_substance=main,
            dependence_indicated=dependence,
            injecting=injecting,
            safeguarding_concern=safeguarding,
            needs=needs,
            audit_band=audit,
            pgsi_band=_pick(rng, PGSI),
            sds_band=sds,
        )
        if safeguarding:
            journey.safeguarding(at, _pick(rng, SAFEGUARDING_CATEGORY))
        if rng.random() < SUPPORT:
            wanting = [domain for domain, level in needs.items() if level != NeedLevel.none]
            need = rng.choice(wanting) if wanting else NeedDomain.substance_use
            journey.support(at, need, service_id=f"{self.force_id}-{need.value}")
        return pathway


def force_years(
    force_id: str,
    *,
    start: date,
    years: int = 1,
    referrals_per_year: int = 5000,
    seed: int,
    now: datetime | None = None,
    sealed: SealedField | None = None,
) -> Iterator[list[CloudEvent]]:
    """`force_id`'s referrals from `start` for `years` years (365 days each), one journey (its
    events, oldest first) at a time, in the order they were referred. Nothing after `now`
    (default: now); `sealed` is the contact every referral carries (default: one made from the
    seed, which nobody can open)."""
    history = ForceHistory(
        force_id,
        start=start,
        years=years,
        referrals_per_year=referrals_per_year,
        seed=seed,
        now=now,
        sealed=sealed,
    )
    return history.journeys()


def first_event_id(force_id: str, seed: int) -> uuid.UUID:
    """The id of the first event `force_years(force_id, seed=seed, ...)` makes, whatever the
    dates: to tell whether that history has been imported without making it."""
    referral_id = uuid.uuid5(NAMESPACE, f"{force_id}/{seed}/referral/1")
    return uuid.uuid5(NAMESPACE, f"{referral_id}/1/referral.submitted.v1")
