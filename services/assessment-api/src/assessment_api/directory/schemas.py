"""The directory as the worker searches it."""

from __future__ import annotations

from pydantic import Field

from contracts.vocabulary import NeedDomain
from servicekit.paging import Page
from servicekit.schemas import FromRow


class OrganisationOut(FromRow):
    id: str = Field(validation_alias="organization_id")
    name: str = Field(validation_alias="organization_name")


class DirectoryServiceOut(FromRow):
    id: str = Field(description="The service's id; name it in a support referral.")
    force_id: str
    name: str
    organisation: OrganisationOut
    description: str
    email: str | None
    url: str | None
    phone: str | None
    eligibility: str | None
    needs: list[NeedDomain]
    service_areas: list[str] = Field(description="As published; empty covers the whole area.")


class DirectoryPage(Page[DirectoryServiceOut]):
    """One page of local services."""
