"""Builds a FastAPI app around routers: the one shape shared by every Lambda handler and
the local runner, so both serve identical routes, errors and OpenAPI."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, FastAPI

from tgscraper.api.api_key import ApiKeyMiddleware
from tgscraper.api.errors import install_error_handlers
from tgscraper.api.openapi import install_openapi
from tgscraper.container import Container
from tgscraper.observability import setup_logging

API_PREFIX = "/api/v3"
API_VERSION = "3.0.0"


def create_app(
    routers: Iterable[APIRouter],
    *,
    container: Container | None = None,
    title: str = "Telegram Scraper API",
) -> FastAPI:
    setup_logging()  # LOG_LEVEL, and JSON lines on Lambda (idempotent)
    app = FastAPI(
        title=title,
        version=API_VERSION,
        description="QR login, dialog search, SSE message history and media downloads.",
    )
    app.state.container = container = container or Container()
    install_error_handlers(app)
    install_openapi(app)
    if container.settings.api_key:
        app.add_middleware(ApiKeyMiddleware, api_key=container.settings.api_key)
    for router in routers:
        app.include_router(router)
    return app
