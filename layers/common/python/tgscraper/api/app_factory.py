"""Builds a FastAPI app around routers: the one shape shared by every Lambda handler and
the local runner, so both serve identical routes, errors and OpenAPI."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from fastapi import APIRouter, Depends, FastAPI

from tgscraper.api.api_key import ApiKeyMiddleware
from tgscraper.api.docs import install_docs
from tgscraper.api.errors import install_error_handlers
from tgscraper.api.guards import BodyLimit, CrashGuard, HeadAsGet
from tgscraper.api.openapi import install_openapi
from tgscraper.api.query_check import reject_unknown_query
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
        # Every route: an unknown query parameter is a 400 naming it (api.query_check).
        dependencies=[Depends(reject_unknown_query)],
        # FastAPI's pages load their assets from a CDN; tgscraper.api.docs serves them.
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container = container or Container()
    # Set by the local runner when it shuts down: open SSE streams end at their next
    # frame (tgscraper.history.sse_writer). A threading.Event: read from any loop.
    app.state.draining = threading.Event()
    install_error_handlers(app)
    install_openapi(app)
    install_docs(app)
    if container.settings.api_key:
        app.add_middleware(
            ApiKeyMiddleware,
            api_key=container.settings.api_key,
            token_mode=container.settings.auth_mode == "token",
        )
    # Added last = outermost: the crash guard sees every error, the body limit applies
    # before the key check reads nothing anyway (see tgscraper.api.guards).
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodyLimit, max_bytes=container.settings.max_body_bytes)
    app.add_middleware(CrashGuard)
    for router in routers:
        app.include_router(router)
    return app
