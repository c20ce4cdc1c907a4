"""dialogs endpoints (being built; see the dialogs issue)."""

from __future__ import annotations

from fastapi import APIRouter
from mangum import Mangum

from tgscraper.api.app_factory import create_app

router = APIRouter(tags=["dialogs"])

app = create_app([router])
handler = Mangum(app, lifespan="off")
