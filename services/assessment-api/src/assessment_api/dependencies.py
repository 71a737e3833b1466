"""Dependencies shared by assessment-api's routes: the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from assessment_api.config import Settings
from servicekit.app import runtime_of


async def settings_of(request: Request) -> Settings:
    settings = runtime_of(request).settings
    assert isinstance(settings, Settings)
    return settings


SettingsDep = Annotated[Settings, Depends(settings_of)]
