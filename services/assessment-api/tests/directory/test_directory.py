"""The local services directory: importing Open Referral UK style documents and searching by
need and postcode within the worker's forces."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from assessment_api.directory.importer import (
    DirectoryDocumentError,
    import_directory,
    main,
    parse_document,
)
from assessment_api.seed import demo_directory
from contracts.vocabulary import NeedDomain

if TYPE_CHECKING:
    from conftest import Desk

pytestmark = pytest.mark.db


async def search(desk: Desk, **params: Any) -> list[str]:
    response = await desk.client.get("/v1/services", params=params, headers=desk.worker)
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()["items"]]


def test_taxonomy_terms_and_areas_are_read_from_the_document() -> None:
    records = {r.id: r for r in parse_document(demo_directory())}
    assert records["demo-housing-advice"].needs == {NeedDomain.housing}
    assert records["demo-debt-advice"].needs == {NeedDomain.debt_finances}
    assert records["demo-recovery-hub"].needs == {NeedDomain.substance_use, NeedDomain.alcohol}
    assert records["demo-safeguarding-hub"].needs == {
        NeedDomain.safeguarding,
        NeedDomain.exploitation,
    }
    assert records["demo-housing-advice"].prefixes == {"B1", "B2", "B3", "B4", "B5"}
    assert records["demo-domestic-abuse-helpline"].prefixes == set()
    assert records["demo-old-drop-in"].active is False
    assert records["demo-mind-talking-therapies"].phone == "0121 496 0101"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d.pop("organizations") and d.update(organizations="x"), "organizations"),
        (lambda d: d["organizations"][0].pop("name"), "organizations[0].name"),
        (
            lambda d: d["organizations"][1]["services"][0].pop("id"),
            "organizations[1].services[0].id",
        ),
        (
            lambda d: d["organizations"][2]["services"].append(
                copy.deepcopy(d["organizations"][1]["services"][0])
            ),
            "organizations[2].services[1].id",
        ),
    ],
    ids=["organizations-not-a-list", "organisation-without-name", "service-without-id", "twice"],
)
def test_a_bad_document_is_refused_saying_where(mutate: Any, path: str) -> None:
    document = demo_directory()
    mutate(document)
    with pytest.raises(DirectoryDocumentError) as error:
        parse_document(document)
    assert error.value.path == path


async def test_search_by_need_and_postcode(desk: Desk) -> None:
    assert await search(desk, need="housing", postcode="B1") == ["demo-housing-advice"]
    assert await search(desk, need="housing", postcode="b3 4aa") == ["demo-housing-advice"]
    # outside the districts it lists
    assert await search(desk, need="housing", postcode="B20 1AA") == []
    # a service listing the whole postcode area, and one with no areas (the whole force area)
    assert await search(desk, need="mental_health", postcode="B20") == [
        "demo-mind-talking-therapies"
    ]
    assert await search(desk, need="domestic_abuse", postcode="WS1 1AA") == [
        "demo-domestic-abuse-helpline"
    ]
    assert "demo-mind-talking-therapies" not in await search(desk, postcode="WS1")
    # a closed service is never offered
    assert "demo-old-drop-in" not in await search(desk, need="mental_health", postcode="B1")
    everything = await search(desk, limit=100)
    assert len(everything) == 9  # every active service of the demo directory


async def test_results_come_by_name_with_their_needs_and_page_by_cursor(desk: Desk) -> None:
    first = (await desk.client.get("/v1/services", params={"limit": 4}, headers=desk.worker)).json()
    names = [s["name"] for s in first["items"]]
    assert names == sorted(names)
    rest = (
        await desk.client.get(
            "/v1/services",
            params={"limit": 100, "cursor": first["next_cursor"]},
            headers=desk.worker,
        )
    ).json()
    assert rest["next_cursor"] is None
    ids = [s["id"] for s in first["items"] + rest["items"]]
    assert len(ids) == len(set(ids)) == 9
    hub = next(s for s in first["items"] + rest["items"] if s["id"] == "demo-recovery-hub")
    assert hub["needs"] == ["alcohol", "substance_use"]
    assert hub["organisation"] == {"id": "demo-recovery", "name": "Demo Recovery Partnership"}


@pytest.mark.parametrize("postcode", ["B", "12345", "SW1A 1AAA"])
async def test_a_postcode_that_is_not_one_is_refused(desk: Desk, postcode: str) -> None:
    response = await desk.client.get(
        "/v1/services", params={"postcode": postcode}, headers=desk.worker
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "postcode"


async def test_another_providers_worker_sees_none_of_the_demo_directory(desk: Desk) -> None:
    other = desk.auth(forces=("westshire",), provider="other-provider")
    response = await desk.client.get("/v1/services", headers=other)
    assert response.json()["items"] == []
    sneaky = desk.auth(forces=("demo",), provider="other-provider")
    assert (await desk.client.get("/v1/services", headers=sneaky)).json()["items"] == []


async def test_importing_again_updates_in_place_and_withdraws_what_is_gone(desk: Desk) -> None:
    document = demo_directory()
    housing = document["organizations"][1]["services"][0]
    housing["name"] = "Housing advice (city centre)"
    housing["service_areas"].append({"service_area": "B20"})
    document["organizations"] = [
        o for o in document["organizations"] if o["id"] != "demo-citizens-advice"
    ]
    async with desk.runtime.db.session() as session:
        summary = await import_directory(session=session, force_id="demo", document=document)
        await session.commit()
    assert summary.added == []
    assert summary.withdrawn == ["demo-debt-advice"]
    assert await search(desk, need="housing", postcode="B20") == ["demo-housing-advice"]
    assert await search(desk, need="debt_finances") == []
    listed = await desk.client.get("/v1/services", params={"need": "housing"}, headers=desk.worker)
    assert listed.json()["items"][0]["name"] == "Housing advice (city centre)"


def test_the_command_line_imports_a_file_for_a_force(
    tmp_path: Path, assessment_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "northshire.json"
    document = demo_directory()
    document["organizations"] = document["organizations"][:2]
    path.write_text(json.dumps(document))
    assert main([str(path), "--force", "northshire", "--database-url", assessment_database]) == 0
    assert "northshire: 2 added, 0 updated, 0 no longer listed" in capsys.readouterr().out

    path.write_text("{not json")
    assert main([str(path), "--force", "northshire", "--database-url", assessment_database]) == 1
    assert "not imported" in capsys.readouterr().err
