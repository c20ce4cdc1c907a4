"""/docs and /redoc on a machine without internet, in headless Chromium: the Swagger UI and
ReDoc assets come from the app itself, so each page renders every operation, and no request
leaves 127.0.0.1 (Chromium resolves no other name: tests/support/browser.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI

from local.app import create_local_app
from tests.support.browser import CHROMIUM, Browser, browser, serve
from tgscraper.config import Settings
from tgscraper.container import Container

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
)


def _local_app(settings: Settings) -> FastAPI:
    return create_local_app(settings, Container(settings, mode="demo"))


def _info_app(settings: Settings) -> FastAPI:
    from functions.info.app import app

    return app


@pytest.fixture(params=[_local_app, _info_app], ids=["local-runner", "info-function"])
def app(request: pytest.FixtureRequest, embedded_settings: Settings) -> FastAPI:
    built: FastAPI = request.param(embedded_settings)
    return built


@pytest.fixture
def chromium() -> Iterator[Browser]:
    with browser() as instance:
        yield instance


def _operations(app: FastAPI) -> int:
    return sum(len(ops) for ops in app.openapi()["paths"].values())


def _only_loopback(chromium: Browser) -> None:
    hosts = {urlsplit(url).hostname for url in chromium.requested if "://" in url}
    hosts.discard(None)
    assert chromium.requested, "no request was recorded"
    assert hosts == {"127.0.0.1"}, f"requests left 127.0.0.1: {sorted(chromium.requested)}"


def test_swagger_ui_renders_every_operation_offline(app: FastAPI, chromium: Browser) -> None:
    expected = _operations(app)
    with serve(app) as base:
        page = chromium.open(f"{base}/docs")
        page.wait_for(f"document.querySelectorAll('.opblock').length === {expected}")
        # The summaries are there, not just empty boxes.
        assert "List the available endpoints" in page.js("document.body.innerText")
        page.js("1")  # drain the last network events
    _only_loopback(chromium)


def test_redoc_renders_every_operation_offline(app: FastAPI, chromium: Browser) -> None:
    expected = _operations(app)
    with serve(app) as base:
        page = chromium.open(f"{base}/redoc")
        page.wait_for(
            f"document.querySelectorAll('[data-section-id^=\"operation/\"]').length === {expected}"
        )
        assert "List the available endpoints" in page.js("document.body.innerText")
        page.js("1")
    _only_loopback(chromium)
