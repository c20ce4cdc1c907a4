"""The local runner's app: every endpoint group's router composed into one FastAPI app,
the same routers the Lambda handlers serve. SSE streams for real here."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import FastAPI

from functions.auth.app import router as auth_router
from functions.dialogs.app import router as dialogs_router
from functions.files.app import router as files_router
from functions.history.app import router as history_router
from functions.info.app import router as info_router
from functions.messages.app import router as messages_router
from functions.sync.app import router as sync_router
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings, get_settings
from tgscraper.container import Container

if TYPE_CHECKING:
    from local.simtg import SimulatedTelegram

log = logging.getLogger("tgscraper.local")

ROUTERS = (
    info_router,
    auth_router,
    dialogs_router,
    history_router,
    messages_router,
    files_router,
    sync_router,
)


def build_container(settings: Settings) -> Container:
    """Real Telegram when credentials are set; otherwise the simulated Telegram (demo)."""
    if not settings.demo_mode:
        return Container(settings, mode="telegram")
    from local.demo import demo_client_factory, demo_simulator, restore_logins

    log.warning(
        "DEMO MODE: TELEGRAM_API_ID/TELEGRAM_API_HASH are not set, serving the simulated "
        "Telegram (no real account is used)"
    )
    if settings.demo_transport == "tcp":
        from local.demo import repoint_sessions, start_demo_server, tcp_client_factory
        from tgscraper.telegram.policy import Policy

        server = start_demo_server(demo_simulator())
        factory = tcp_client_factory(server, Policy.from_settings(settings))
        container = Container(settings, client_factory=factory, mode="demo")
        repoint_sessions(container.stores.sessions, server)
    elif settings.demo_transport == "inprocess":
        container = Container(settings, client_factory=demo_client_factory(), mode="demo")
    else:
        raise ValueError(
            f"DEMO_TRANSPORT must be 'inprocess' or 'tcp', not {settings.demo_transport!r}"
        )
    restored = restore_logins(demo_simulator(), container.stores.sessions)
    if restored:
        log.info("demo mode: %d stored login(s) restored", restored)
    return container


def create_local_app(
    settings: Settings | None = None,
    container: Container | None = None,
    *,
    simulator: SimulatedTelegram | None = None,
) -> FastAPI:
    """The composed app. In demo mode it also serves the demo-only routes, driving
    `simulator` (default: the process-wide demo simulator)."""
    settings = settings or get_settings()
    container = container or build_container(settings)
    routers = list(ROUTERS)
    if container.mode == "demo":
        from local.demo import demo_simulator
        from local.demo import router as demo_router

        routers.append(demo_router)
    app = create_app(routers, container=container)
    from local.sweep import install_sweeper

    install_sweeper(app, container)  # embedded store: permissions, expiry, leftovers
    if container.mode == "demo":
        from local.demo_info import demo_info

        app.state.simulator = simulator or demo_simulator()
        # `/` and `/health` add it as their "demo" field (functions/info/app.py).
        app.state.demo_info = demo_info(app.state.simulator)
    return app
