"""The local runner's app: every endpoint group's router composed into one FastAPI app,
the same routers the Lambda handlers serve. SSE streams for real here."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from functions.auth.app import router as auth_router
from functions.dialogs.app import router as dialogs_router
from functions.files.app import router as files_router
from functions.history.app import router as history_router
from functions.info.app import router as info_router
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings, get_settings
from tgscraper.container import Container

log = logging.getLogger("tgscraper.local")

ROUTERS = (info_router, auth_router, dialogs_router, history_router, files_router)


def build_container(settings: Settings) -> Container:
    """Real Telegram when credentials are set; otherwise the simulated Telegram (demo)."""
    if not settings.demo_mode:
        return Container(settings, mode="telegram")
    from local.demo import demo_client_factory

    log.warning(
        "DEMO MODE: TELEGRAM_API_ID/TELEGRAM_API_HASH are not set, serving the simulated "
        "Telegram (no real account is used)"
    )
    return Container(settings, client_factory=demo_client_factory(), mode="demo")


def create_local_app(
    settings: Settings | None = None, container: Container | None = None
) -> FastAPI:
    settings = settings or get_settings()
    return create_app(ROUTERS, container=container or build_container(settings))
