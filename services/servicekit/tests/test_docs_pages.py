"""Every service's /docs and /redoc load only what the service itself serves: no CDN, so they
work offline. (tests/browser/test_api_docs.py renders them in a browser with the internet cut.)"""

from __future__ import annotations

import re

import pytest
from kit_fixture_support import Service

pytestmark = pytest.mark.db


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_docs_page_loads_only_the_services_own_files(service: Service, page: str) -> None:
    response = await service.client.get(page)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "cdn" not in html.lower() and "googleapis" not in html
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(url.endswith(".js") for url in loaded), html
    for url in loaded:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not this service's"
        asset = await service.client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    assert "/openapi.json" in html


async def test_the_docs_assets_are_not_in_the_openapi_document(service: Service) -> None:
    paths = (await service.client.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if "docs" in path or "redoc" in path]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_a_docs_page_may_load_nothing_from_elsewhere(service: Service, page: str) -> None:
    policy = (await service.client.get(page)).headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"  # not ReDoc's logo from its maker's site
    assert directives["frame-ancestors"] == "'none'"
