"""Info endpoints: `/` (endpoint index) and `/health`. Imports no Telethon or boto3."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from mangum import Mangum
from pydantic import BaseModel

from tgscraper.api.app_factory import API_VERSION, create_app
from tgscraper.api.deps import ContainerDep

router = APIRouter(tags=["info"])


class Health(BaseModel):
    status: str
    mode: str
    storage: str
    version: str


class EndpointInfo(BaseModel):
    path: str
    methods: list[str]
    summary: str


class Index(BaseModel):
    name: str
    version: str
    docs: str
    endpoints: list[EndpointInfo]


@router.get("/", response_model=Index, summary="List the available endpoints")
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
    }


@router.get("/health", response_model=Health, summary="Liveness and the mode the server runs in")
async def health(container: ContainerDep) -> dict[str, Any]:
    return {
        "status": "healthy",
        "mode": container.mode,
        "storage": container.settings.storage_backend,
        "version": API_VERSION,
    }


app = create_app([router])
handler = Mangum(app, lifespan="off")
