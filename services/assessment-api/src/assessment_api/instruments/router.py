"""GET /v1/instruments: item wording, answer options with their scores, bands and versions."""

from __future__ import annotations

from fastapi import APIRouter

from assessment_api.cases.dependencies import WorkerDep
from assessment_api.instruments.catalogue import INSTRUMENTS
from assessment_api.instruments.cutoffs import SDS_CUTOFFS
from assessment_api.instruments.schemas import (
    BandOut,
    InstrumentOut,
    InstrumentsOut,
    ItemOut,
    OptionOut,
    SdsCutoffOut,
    SdsCutoffsOut,
)

router = APIRouter(prefix="/v1", tags=["instruments"])


def instruments_out() -> InstrumentsOut:
    return InstrumentsOut(
        instruments=[
            InstrumentOut(
                id=instrument.id,
                name=instrument.name,
                version=instrument.version,
                source=instrument.source,
                preamble=instrument.preamble,
                scoring=instrument.scoring,
                max_total=instrument.max_total,
                items=[
                    ItemOut(
                        id=item.id,
                        number=item.number,
                        text=item.text,
                        options=[
                            OptionOut(code=o.code, label=o.label, score=o.score)
                            for o in item.options
                        ],
                    )
                    for item in instrument.items
                ],
                bands=[
                    BandOut(code=b.code, label=b.label, minimum=b.minimum, maximum=b.maximum)
                    for b in instrument.bands
                ],
            )
            for instrument in INSTRUMENTS
        ],
        sds_cutoffs=SdsCutoffsOut(
            version=SDS_CUTOFFS.version,
            description=SDS_CUTOFFS.description,
            cutoffs=[
                SdsCutoffOut(
                    substance=c.substance, score=c.score, validated=c.validated, source=c.source
                )
                for c in SDS_CUTOFFS.cutoffs.values()
            ],
        ),
    )


@router.get("/instruments", response_model=InstrumentsOut, operation_id="list_instruments")
async def list_instruments(worker: WorkerDep) -> InstrumentsOut:
    """The screening instruments with their items, answer options (and scores) and versions, so
    any client can render them. Send answer codes; the service computes every score."""
    return instruments_out()
