"""Sync endpoints (extension): `POST /api/v3/sync/{dialog_id}` brings a cached dialog up
to date from Telegram's update sequence (new messages, edits, deletions) and
`GET /api/v3/sync/{dialog_id}` reports how complete its cache is.

Transport only: the work is in tgscraper.sync (see docs/sync.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from mangum import Mangum
from pydantic import BaseModel

from tgscraper.api.app_factory import API_PREFIX, create_app
from tgscraper.api.deps import ContainerDep, UsernameDep
from tgscraper.api.openapi import error_responses
from tgscraper.api.params import AsciiInt
from tgscraper.observability import lambda_handler

router = APIRouter(prefix=API_PREFIX, tags=["sync"])

DialogId = Annotated[
    AsciiInt,
    Path(description="Marked dialog id (-100... channels)", ge=-(2**63), le=2**63 - 1),
]


class Continuation(BaseModel):
    detail: str


class SyncResponse(BaseModel):
    new: int
    edited: int
    deleted: int
    pts: int
    complete: bool
    mode: str
    reason: str | None = None
    next: Continuation | None = None


@router.post(
    "/sync/{dialog_id}",
    summary="Bring a cached dialog up to date (new messages, edits, deletions)",
    response_model=SyncResponse,
    response_model_exclude_none=True,
    responses=error_responses(403, 404, 409, 429, 502, 503),
)
async def sync(container: ContainerDep, username: UsernameDep, dialog_id: DialogId) -> Any:
    from tgscraper.sync.service import sync_dialog

    result = await sync_dialog(container, username, dialog_id)
    body = SyncResponse(
        new=result.new,
        edited=result.edited,
        deleted=result.deleted,
        pts=result.pts,
        complete=result.complete,
        mode=result.mode,
        reason=result.reason,
    )
    if not result.complete:
        body.next = Continuation(
            detail=f"Time/message budget reached; progress is saved: repeat POST "
            f"{API_PREFIX}/sync/{dialog_id} until complete is true"
        )
    return body


class Interval(BaseModel):
    start: str
    end: str


class SyncReport(BaseModel):
    dialog_id: int
    covered: list[Interval]
    messages_cached: int
    telegram_count: int | None
    synced: bool
    kind: str | None
    pts: int | None
    last_sync: str | None
    pts_age_seconds: int | None
    sync_pending: bool
    totals: dict[str, int]
    media_indexed: int
    media_downloaded: int


@router.get(
    "/sync/{dialog_id}",
    summary="How complete a dialog's cache is (coverage, counts, pts age, media)",
    response_model=SyncReport,
    responses=error_responses(503),
)
async def report(container: ContainerDep, username: UsernameDep, dialog_id: DialogId) -> Any:
    from tgscraper.sync.report import sync_report

    return await sync_report(container, username, dialog_id)


app = create_app([router])
handler = lambda_handler(Mangum(app, lifespan="off"))
