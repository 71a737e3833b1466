"""Disproportionality and officer and area variation, against 35 referrals worked by hand.

Force demo, March 2026 (31 days). Population (uploaded by code): W1 10,000; B1 2,000; A1 4,000;
M1 1,000; O9 1,000; every other code 0: White 10,000, Black 2,000, Asian 4,000, Mixed 1,000,
Other 1,000; 18,000 in all.

Referrals (self-defined), by officer and area:
  o1  21: 12 White, 8 Black, 1 Other, all north; 10 of the White and 6 of the Black contacted
  o2   7: White, south
  o3   3: 1 White, 2 not stated, south
  o4   2, o5 1, o6 1: Asian, south
White 20, Black 8, Asian 4, Mixed 0, Other 1, not stated 2: 35.

Rates per 1,000 residents: White 20/10,000 = 2.0; Black 8/2,000 = 4.0; Asian 4/4,000 = 1.0;
Mixed 0; Other 1/1,000 = 1.0; all 35/18,000 = 1.944.
Black against White: RR = 4.0/2.0 = 2.0;
  SE = sqrt(1/8 - 1/2000 + 1/20 - 1/10000) = sqrt(0.125 - 0.0005 + 0.05 - 0.0001)
     = sqrt(0.1744) = 0.41761; 1.96 SE = 0.81852;
  CI = 2.0 x exp(-0.81852) = 2.0 x 0.44110 = 0.882 to 2.0 x exp(0.81852) = 2.0 x 2.26706 = 4.534.
Contacted: White 10 of 20 = 50.0%, Black 6 of 8 = 75.0%: RR 1.5;
  SE = sqrt(1/6 - 1/8 + 1/10 - 1/20) = sqrt(0.091667) = 0.30277; 1.96 SE = 0.59342;
  CI = 1.5 x 0.55243 = 0.829 to 1.5 x 1.81020 = 2.715.

Baseline (groups), 1 Mar 2024 to 28 Feb 2025 (365 days):
  White 1,000 offences, 100 charges + 200 cautions = 300; Black 200, 40 + 50 = 90;
  Asian 100, 10 + 20 = 30; Mixed 50, 4 + 6 = 10; Other 50, 5 + 10 = 15.
  Share: White 30.0%, Black 45.0%: RR 1.5;
    SE = sqrt(1/90 - 1/200 + 1/300 - 1/1000) = sqrt(0.0084444) = 0.091894;
    CI = 1.5 x exp(-/+ 0.18011) = 1.253 to 1.796.
  Per 1,000 a year: White 300/10,000 x 1,000 / (365/365.25) = 30.021; Black 90/2,000 x 1,000
    / 0.999316 = 45.031: RR 1.5; SE = sqrt(1/90 - 1/2000 + 1/300 - 1/10000) = 0.117662;
    CI = 1.5 x exp(-/+ 0.23062) = 1.191 to 1.889.
After (recorded possession offences, March 2026): north White 60, south White 40, north Black
  20, south Asian 10, north Mixed 5, south Other 5, north not recorded 3 (April: 999, outside).
  Not diverted: White 100 - 20 = 80; Black 20 - 8 = 12; Asian 10 - 4 = 6; Mixed 5; Other 4.
  Share: White 80.0%, Black 60.0%: RR 0.75; SE = sqrt(1/12 - 1/20 + 1/80 - 1/100) = 0.189297;
    CI = 0.75 x exp(-/+ 0.37102) = 0.518 to 1.087.
  Per 1,000 a year (31/365.25 = 0.084873 years): White 8/0.084873 = 94.258; Black 6/0.084873 =
    70.694: RR 0.75; SE = sqrt(1/12 - 1/2000 + 1/80 - 1/10000) = 0.308599;
    CI = 0.75 x exp(-/+ 0.60485) = 0.410 to 1.373.

Officers: made 21, 7, 3, 2, 1, 1: bands 1: 2 officers; 2-5: 2; 6-10: 1; 11-20: 0; 21+: 1.
  Median of 1, 1, 2, 3, 7, 21 = (2 + 3)/2 = 2.5; 90th percentile: rank 5 x 0.9 = 4.5,
  7 + 0.5 x (21 - 7) = 14.0.
Areas: north 21 referrals (o1: 1 officer), offences 60 + 20 + 5 + 3 = 88, 21/88 = 23.9%;
  south 14 (o2..o6: 5 officers), offences 40 + 10 + 5 = 55, 14/55 = 25.5%.
"""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime

import pytest

from contracts.vocabulary import SelfDefinedEthnicity
from reporting_api.reports.disproportionality import Ratio, katz, whole_months
from reporting_api.synthetic.events import JourneyEvents

pytestmark = pytest.mark.db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
CODES = "W1 W2 W3 W9 M1 M2 M3 M9 A1 A2 A3 A4 A9 B1 B2 B9 O2 O9".split()  # noqa: SIM905
RESIDENTS = {"W1": 10000, "B1": 2000, "A1": 4000, "M1": 1000, "O9": 1000}
POPULATION = "ethnic_group,residents\n" + "".join(
    f"{code},{RESIDENTS.get(code, 0)}\n" for code in CODES
)
BASELINE = (
    "ethnic_group,possession_offences,charges,cautions\n"
    "White,1000,100,200\nBlack,200,40,50\nAsian,100,10,20\nMixed,50,4,6\nOther,50,5,10\n"
)
OFFENCES = (
    "month,area,ethnic_group,offences\n"
    "2026-03,north,White,60\n2026-03,south,White,40\n2026-03,north,Black,20\n"
    "2026-03,south,Asian,10\n2026-03,north,Mixed,5\n2026-03,south,Other,5\n"
    "2026-03,north,,3\n2026-04,north,White,999\n"
)
W1, B1, A1, O9, NS = (
    SelfDefinedEthnicity.W1,
    SelfDefinedEthnicity.B1,
    SelfDefinedEthnicity.A1,
    SelfDefinedEthnicity.O9,
    SelfDefinedEthnicity.NS,
)
# (officer, area, ethnicity, how many, how many of them contacted)
REFERRALS = [
    ("o1", "north", W1, 12, 10),
    ("o1", "north", B1, 8, 6),
    ("o1", "north", O9, 1, 0),
    ("o2", "south", W1, 7, 0),
    ("o3", "south", W1, 1, 0),
    ("o3", "south", NS, 2, 0),
    ("o4", "south", A1, 2, 0),
    ("o5", "south", A1, 1, 0),
    ("o6", "south", A1, 1, 0),
]


def test_the_katz_interval_of_a_simple_example() -> None:
    # a = 30 of n1 = 1,000 (3%), b = 60 of n2 = 6,000 (1%): RR = 0.03/0.01 = 3.0
    # SE = sqrt(1/30 - 1/1000 + 1/60 - 1/6000) = sqrt(0.0333333 - 0.001 + 0.0166667
    #      - 0.0001667) = sqrt(0.0488333) = 0.220983
    # 1.96 SE = 0.433126; CI = 3 x exp(-0.433126) = 3 x 0.648479 = 1.945 to
    #                        3 x exp(0.433126) = 3 x 1.542070 = 4.626
    ratio = katz(30, 1000, 60, 6000)
    assert ratio.rr == pytest.approx(3.0)
    assert math.log(ratio.high / ratio.rr) / 1.96 == pytest.approx(0.220983, abs=1e-6)  # type: ignore[operator]
    assert (round(ratio.low, 3), round(ratio.high, 3)) == (1.945, 4.626)  # type: ignore[arg-type]


def test_no_events_give_a_ratio_of_nought_without_an_interval_or_no_ratio() -> None:
    assert katz(0, 1000, 60, 6000) == Ratio(0.0, None, None)
    assert katz(30, 1000, 0, 6000) == Ratio(None, None, None)
    assert katz(30, 0, 60, 6000) == Ratio(None, None, None)


def test_whole_months_of_a_period() -> None:
    assert whole_months(datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date()) == ["2026-03"]
    # 6 Dec 2025 to 5 Dec 2026: December 2025 and December 2026 are cut short
    months = whole_months(datetime(2025, 12, 6).date(), datetime(2026, 12, 5).date())
    assert (months[0], months[-1], len(months)) == ("2026-01", "2026-11", 11)
    assert whole_months(datetime(2026, 3, 2).date(), datetime(2026, 3, 31).date()) == []


@pytest.fixture
async def march(project) -> None:  # type: ignore[no-untyped-def]
    count = 0
    for officer, area, ethnicity, many, contacted in REFERRALS:
        for index in range(many):
            count += 1
            journey = JourneyEvents("demo", uuid.uuid4())
            at = datetime(2026, 3, 1 + count % 28, 11, 0, tzinfo=UTC)
            journey.submitted(at, officer_key=officer, area=area, self_defined_ethnicity=ethnicity)
            if index < contacted:
                journey.contacted(at.replace(hour=15))
            await project(journey.events)


@pytest.fixture
async def uploaded(upload) -> None:  # type: ignore[no-untyped-def]
    for path, body, params in (
        ("population", POPULATION, {}),
        ("baseline", BASELINE, {"from": "2024-03-01", "to": "2025-02-28"}),
        ("possession-offences", OFFENCES, {}),
    ):
        answer = await upload(path, body, params=params)
        assert answer.status_code == 200, answer.text


async def threshold(client, auth, value: int) -> None:  # type: ignore[no-untyped-def]
    answer = await client.put(
        "/v1/forces/demo/settings",
        json={"minutes_per_arrest": 255, "suppression_threshold": value},
        headers=auth(role="admin"),
    )
    assert answer.status_code == 200


async def report(client, auth, path: str = "disproportionality", **params: str):  # type: ignore[no-untyped-def]
    answer = await client.get(f"/v1/reports/{path}", params={**MARCH, **params}, headers=auth())
    assert answer.status_code == 200, answer.text
    return {table["id"]: table for table in answer.json()["tables"]}


def by_group(table, **where: str):  # type: ignore[no-untyped-def]
    return {
        row["ethnic_group"]: row
        for row in table["rows"]
        if all(row[key] == value for key, value in where.items())
    }


async def test_referral_rates_against_the_population(client, auth, march, uploaded) -> None:  # type: ignore[no-untyped-def]
    await threshold(client, auth, 1)
    rates = by_group((await report(client, auth))["rates"])
    assert list(rates) == ["White", "Mixed", "Asian", "Black", "Other", "Not stated", "All"]
    assert rates["White"] == {
        "ethnic_group": "White",
        "residents": 10000,
        "referrals": 20,
        "rate_per_1000": 2.0,
        "relative_rate": 1.0,
        "ci_low": None,
        "ci_high": None,
    }
    black = rates["Black"]
    assert (black["referrals"], black["rate_per_1000"], black["relative_rate"]) == (8, 4.0, 2.0)
    assert (black["ci_low"], black["ci_high"]) == (0.882, 4.534)
    assert (rates["Asian"]["rate_per_1000"], rates["Asian"]["relative_rate"]) == (1.0, 0.5)
    # none of the Mixed group: a ratio of 0 with no interval
    assert [rates["Mixed"][k] for k in ("rate_per_1000", "relative_rate", "ci_low")] == [
        0.0,
        0.0,
        None,
    ]
    # not stated: counted, no rate
    assert rates["Not stated"]["referrals"] == 2
    assert rates["Not stated"]["rate_per_1000"] is None
    assert (rates["All"]["residents"], rates["All"]["referrals"]) == (18000, 35)
    assert rates["All"]["rate_per_1000"] == 1.944


async def test_each_stage_against_white(client, auth, march, uploaded) -> None:  # type: ignore[no-untyped-def]
    await threshold(client, auth, 1)
    contacted = by_group((await report(client, auth))["stages"], stage="Contacted")
    assert (contacted["White"]["count"], contacted["White"]["percent_of_referred"]) == (10, 50.0)
    black = contacted["Black"]
    assert (black["count"], black["percent_of_referred"], black["relative_rate"]) == (6, 75.0, 1.5)
    assert (black["ci_low"], black["ci_high"]) == (0.829, 2.715)
    # nobody assessed: no White referral to compare with
    assessed = by_group((await report(client, auth))["stages"], stage="Assessed")
    assert (assessed["Black"]["count"], assessed["Black"]["relative_rate"]) == (0, None)


async def test_formal_outcomes_before_and_after(client, auth, march, uploaded) -> None:  # type: ignore[no-untyped-def]
    await threshold(client, auth, 1)
    table = (await report(client, auth))["before_after"]
    before = by_group(table, period="Before")
    assert before["White"]["formal_outcomes"] == 300
    assert (before["White"]["share_percent"], before["White"]["per_1000_year"]) == (30.0, 30.021)
    black = before["Black"]
    assert (black["from"], black["to"]) == ("2024-03-01", "2025-02-28")
    assert (black["formal_outcomes"], black["share_percent"], black["per_1000_year"]) == (
        90,
        45.0,
        45.031,
    )
    assert [black[k] for k in ("share_relative_rate", "share_ci_low", "share_ci_high")] == [
        1.5,
        1.253,
        1.796,
    ]
    assert [
        black[k] for k in ("per_1000_relative_rate", "per_1000_ci_low", "per_1000_ci_high")
    ] == [
        1.5,
        1.191,
        1.889,
    ]
    after = by_group(table, period="After")
    white, black = after["White"], after["Black"]
    assert (white["possession_offences"], white["diverted"], white["formal_outcomes"]) == (
        100,
        20,
        80,
    )
    assert (white["share_percent"], white["per_1000_year"]) == (80.0, 94.258)
    assert (black["possession_offences"], black["diverted"], black["formal_outcomes"]) == (
        20,
        8,
        12,
    )
    assert (black["share_percent"], black["per_1000_year"]) == (60.0, 70.694)
    assert [black[k] for k in ("share_relative_rate", "share_ci_low", "share_ci_high")] == [
        0.75,
        0.518,
        1.087,
    ]
    assert [
        black[k] for k in ("per_1000_relative_rate", "per_1000_ci_low", "per_1000_ci_high")
    ] == [
        0.75,
        0.41,
        1.373,
    ]
    assert (black["from"], black["to"]) == ("2026-03-01", "2026-03-31")
    assert any("upper bound" in note for note in table["notes"])
    assert any("3 offences" in note and "no ethnic group" in note for note in table["notes"])


async def test_rates_on_hidden_counts_are_suppressed(client, auth, march, uploaded) -> None:  # type: ignore[no-untyped-def]
    # threshold 5: Asian 4, Other 1 and not stated 2 are hidden (three of them: no secondary)
    tables = await report(client, auth)
    rates = by_group(tables["rates"])
    assert [rates[g]["referrals"] for g in rates] == [20, 0, "<5", 8, "<5", "<5", 35]
    assert [rates["Asian"][k] for k in ("rate_per_1000", "relative_rate", "ci_low")] == [
        "[c]",
        "[c]",
        "[c]",
    ]
    assert rates["Asian"]["residents"] == 4000  # published census figures are never hidden
    assert (rates["Black"]["relative_rate"], rates["Black"]["ci_high"]) == (2.0, 4.534)
    after = by_group(tables["before_after"], period="After")
    # the Asian group's referrals (4) are hidden, so offences less referrals would give them away
    assert (after["Asian"]["diverted"], after["Asian"]["formal_outcomes"]) == ("<5", "[c]")
    assert after["Asian"]["share_relative_rate"] == "[c]"
    assert after["Black"]["formal_outcomes"] == 12


async def test_observed_coding(client, auth, march, uploaded) -> None:  # type: ignore[no-untyped-def]
    await threshold(client, auth, 1)
    answer = await client.get(
        "/v1/reports/disproportionality",
        params={**MARCH, "coding": "observed"},
        headers=auth(),
    )
    assert answer.json()["by"] == "observed"
    rates = by_group(answer.json()["tables"][0])
    # every referral was made with the default observed code IC1: all 35 White
    assert (rates["White"]["referrals"], rates["Black"]["referrals"]) == (35, 0)


async def test_without_uploads_the_tables_are_empty_and_say_which_is_missing(  # type: ignore[no-untyped-def]
    client, auth, march, upload
) -> None:
    tables = await report(client, auth)
    assert tables["rates"]["rows"] == []
    assert "No population uploaded" in tables["rates"]["notes"][0]
    assert "PUT /v1/forces/{force}/population" in tables["rates"]["notes"][0]
    assert tables["stages"]["rows"]  # shares of referrals need no upload
    await upload("population", POPULATION)
    await upload("possession-offences", OFFENCES)
    tables = await report(client, auth)
    assert tables["rates"]["rows"]
    assert tables["before_after"]["rows"] == []
    (note,) = tables["before_after"]["notes"]
    assert "baseline" in note
    assert "population" not in note
    assert "possession offences" not in note


async def test_the_officers_and_areas(client, auth, march, uploaded) -> None:  # type: ignore[no-untyped-def]
    await threshold(client, auth, 1)
    tables = await report(client, auth, "officers")
    bands = {row["referrals_made"]: row for row in tables["officers"]["rows"]}
    assert {band: row["officers"] for band, row in bands.items()} == {
        "1": 2,
        "2-5": 2,
        "6-10": 1,
        "11-20": 0,
        "21+": 1,
        "All officers": 6,
    }
    assert (bands["All officers"]["median"], bands["All officers"]["p90"]) == (2.5, 14.0)
    areas = {row["area"]: row for row in tables["areas"]["rows"]}
    assert areas == {
        "north": {
            "area": "north",
            "referrals": 21,
            "officers": 1,
            "possession_offences": 88,
            "percent_diverted": 23.9,
        },
        "south": {
            "area": "south",
            "referrals": 14,
            "officers": 5,
            "possession_offences": 55,
            "percent_diverted": 25.5,
        },
    }
    text = str(tables)
    assert "o1" not in text and "o2" not in text  # no officer is named


async def test_areas_suppressed_and_without_offences(client, auth, march) -> None:  # type: ignore[no-untyped-def]
    await threshold(client, auth, 15)
    tables = await report(client, auth, "officers")
    areas = {row["area"]: row for row in tables["areas"]["rows"]}
    # south 14 is hidden; north, the only other area, goes with it: 35 - 21 would give it away
    assert (areas["north"]["referrals"], areas["south"]["referrals"]) == ("<15", "<15")
    assert areas["north"]["officers"] == "<15"
    # no offences uploaded: blank, and a note saying so
    assert areas["north"]["possession_offences"] is None
    assert any("No recorded possession offences uploaded" in n for n in tables["areas"]["notes"])


async def test_a_table_of_it_as_csv(client, auth, march, uploaded) -> None:  # type: ignore[no-untyped-def]
    answer = await client.get(
        "/v1/reports/disproportionality",
        params={**MARCH, "table": "before_after"},
        headers={**auth(), "Accept": "text/csv"},
    )
    assert answer.status_code == 200
    assert answer.text.splitlines()[0].startswith("Period,Ethnic group,From,To")
