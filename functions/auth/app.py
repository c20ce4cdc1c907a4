"""auth endpoints (being built; see the auth issue)."""

from __future__ import annotations

from fastapi import APIRouter
from mangum import Mangum

from tgscraper.api.app_factory import create_app

router = APIRouter(tags=["auth"])

app = create_app([router])
handler = Mangum(app, lifespan="off")
