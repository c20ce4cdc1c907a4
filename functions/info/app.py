"""Info endpoints: `/` (endpoint index) and `/health` (liveness; `?deep=true`: readiness).

Plain `/health` touches nothing (cheap, public, for uptime checks). `?deep=true` probes
every store and the Telegram credentials (tgscraper.readiness) and reports each check:
`status` is "ready" or "not_ready". The answer is a 200 either way: the check itself
worked, and every error status of this API carries only {"detail"}. Results are kept a
few seconds so polling stays cheap."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from mangum import Mangum
from pydantic import BaseModel

from tgscraper.api.app_factory import API_VERSION, create_app
from tgscraper.api.deps import ContainerDep
from tgscraper.observability import lambda_handler

router = APIRouter(tags=["info"])


class CheckResult(BaseModel):
    name: str
    status: str
    """ok, error or skipped"""
    detail: str


class NotableDialog(BaseModel):
    id: int
    type: str
    title: str
    username: str | None = None
    about: str


class DemoInfo(BaseModel):
    """Only in demo mode: how to log in and the dialogs worth trying first."""

    message: str
    notable_dialogs: list[NotableDialog]


class Health(BaseModel):
    status: str
    mode: str
    storage: str
    version: str
    checks: list[CheckResult] | None = None
    """Only with ?deep=true: one entry per store and the Telegram credentials."""
    demo: DemoInfo | None = None
    """Only in demo mode (the local runner sets app.state.demo_info)."""


_DEEP_TTL = 5.0
"""Seconds a deep result is reused: a poller cannot turn /health into a load test."""
_deep_lock = threading.Lock()


class EndpointInfo(BaseModel):
    path: str
    methods: list[str]
    summary: str


class Index(BaseModel):
    name: str
    version: str
    docs: str
    endpoints: list[EndpointInfo]
    demo: DemoInfo | None = None
    """Only in demo mode, as in /health."""


def _demo_info(request: Request) -> dict[str, Any] | None:
    info: dict[str, Any] | None = getattr(request.app.state, "demo_info", None)
    return info


@router.get(
    "/",
    response_model=Index,
    response_model_exclude_none=True,
    summary="List the available endpoints",
)
def index(request: Request) -> dict[str, Any]:
    # The OpenAPI document is the one complete list of routes, however routers nest.
    paths: dict[str, dict[str, Any]] = request.app.openapi().get("paths", {})
    endpoints = [
        {
            "path": path,
            "methods": sorted(m.upper() for m in ops),
            "summary": next((op.get("summary", "") for op in ops.values()), ""),
        }
        for path, ops in paths.items()
    ]
    return {
        "name": request.app.title,
        "version": API_VERSION,
        "docs": "/docs",
        "endpoints": endpoints,
        "demo": _demo_info(request),
    }


@router.get(
    "/health",
    response_model=Health,
    response_model_exclude_none=True,
    summary="Liveness and the mode the server runs in; ?deep=true: readiness per check",
)
async def health(
    request: Request,
    container: ContainerDep,
    deep: Annotated[
        bool, Query(description="Also probe each store and the Telegram credentials")
    ] = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": "healthy",
        "mode": container.mode,
        "storage": container.settings.storage_backend,
        "version": API_VERSION,
        "demo": _demo_info(request),
    }
    if not deep:
        return body
    # The probes call the stores (blocking I/O): off the event loop.
    checks = await asyncio.to_thread(_deep_checks, request, container)
    ready = all(c["status"] != "error" for c in checks)
    body.update(status="ready" if ready else "not_ready", checks=checks)
    return body


def _deep_checks(request: Request, container: Any) -> list[dict[str, str]]:
    from tgscraper.readiness import run_checks

    with _deep_lock:
        cached = getattr(request.app.state, "readiness", None)
        if cached is not None and time.monotonic() - cached[0] < _DEEP_TTL:
            result: list[dict[str, str]] = cached[1]
            return result
        result = [asdict(c) for c in run_checks(container)]
        request.app.state.readiness = (time.monotonic(), result)
        return result


app = create_app([router])
# JSON log lines carrying the request id (tgscraper.observability).
handler = lambda_handler(Mangum(app, lifespan="off"))
