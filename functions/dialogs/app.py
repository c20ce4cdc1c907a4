"""Dialog endpoints: `GET /api/v3/search/dialogs` and `GET /api/v3/folders`.

Transport only: parameters are parsed here and handed to tgscraper.dialogs.DialogService.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from mangum import Mangum
from pydantic import BaseModel

from tgscraper.api.app_factory import API_PREFIX, create_app
from tgscraper.api.deps import ContainerDep, UsernameDep
from tgscraper.api.openapi import error_responses
from tgscraper.api.params import AsciiInt
from tgscraper.dialogs.model import DialogType
from tgscraper.dialogs.query import MAX_LIMIT, Match, Order, SearchParams, SortKey
from tgscraper.dialogs.service import DialogService
from tgscraper.observability import lambda_handler

router = APIRouter(prefix=API_PREFIX, tags=["dialogs"])

_REFRESH = (
    "Extension: list the dialogs from Telegram now instead of from the dialog cache "
    "(message counts are re-fetched only for dialogs whose top message changed)"
)


class DialogResult(BaseModel):
    id: int
    type: DialogType
    title: str
    username: str | None
    is_creator: bool
    is_verified: bool
    is_archived: bool
    message_count: int | None
    unread_count: int
    participants_count: int | None
    last_message_date: str | None
    last_message_preview: str | None
    created_date: str | None
    score: float | None = None


class SearchResponse(BaseModel):
    total: int
    offset: int
    limit: int
    results: list[DialogResult]


class FolderDialog(BaseModel):
    id: int
    title: str


class Folder(BaseModel):
    id: int
    title: str
    is_default: bool
    dialogs: list[FolderDialog] | None = None


@router.get(
    "/search/dialogs",
    response_model=SearchResponse,
    responses=error_responses(404, 409, 429, 502, 503),
    summary="Search dialogs by title, type, folder, counts and dates",
)
async def search_dialogs(
    container: ContainerDep,
    username: UsernameDep,
    q: Annotated[str | None, Query(description="Search query on dialog title")] = None,
    match: Annotated[Match, Query(description="fuzzy (scored) or exact (substring)")] = "fuzzy",
    min_score: Annotated[float, Query(ge=0, le=1, description="Fuzzy score threshold")] = 0.8,
    type: Annotated[list[DialogType] | None, Query(description="Repeatable")] = None,
    folder: Annotated[str | None, Query(description="Folder name or id")] = None,
    is_archived: bool | None = None,
    min_messages: Annotated[AsciiInt | None, Query(ge=0)] = None,
    max_messages: Annotated[AsciiInt | None, Query(ge=0)] = None,
    min_participants: Annotated[AsciiInt | None, Query(ge=0)] = None,
    max_participants: Annotated[AsciiInt | None, Query(ge=0)] = None,
    last_message_after: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    last_message_before: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    created_after: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    created_before: Annotated[str | None, Query(description="YYYY-MM-DD")] = None,
    is_creator: bool | None = None,
    has_username: bool | None = None,
    is_verified: bool | None = None,
    sort: SortKey | None = None,
    order: Order = "desc",
    limit: Annotated[AsciiInt, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[AsciiInt, Query(ge=0)] = 0,
    refresh: Annotated[bool, Query(description=_REFRESH)] = False,
) -> dict[str, Any]:
    params = SearchParams.build(
        q=q,
        match=match,
        min_score=min_score,
        types=type,
        folder=folder,
        is_archived=is_archived,
        min_messages=min_messages,
        max_messages=max_messages,
        min_participants=min_participants,
        max_participants=max_participants,
        last_message_after=last_message_after,
        last_message_before=last_message_before,
        created_after=created_after,
        created_before=created_before,
        is_creator=is_creator,
        has_username=has_username,
        is_verified=is_verified,
        sort=sort,
        order=order,
        limit=limit,
        offset=offset,
        refresh=refresh,
    )
    return await DialogService.from_container(container).search(username, params)


@router.get(
    "/folders",
    response_model=list[Folder],
    response_model_exclude_none=True,
    responses=error_responses(409, 429, 502, 503),
    summary="List dialog folders (All Chats first)",
)
async def list_folders(
    container: ContainerDep,
    username: UsernameDep,
    include_dialogs: Annotated[
        bool, Query(description="Extension: each folder's dialogs (id, title)")
    ] = False,
    refresh: Annotated[bool, Query(description=_REFRESH)] = False,
) -> list[dict[str, Any]]:
    return await DialogService.from_container(container).folders(
        username, include_dialogs=include_dialogs, refresh=refresh
    )


app = create_app([router])
# JSON log lines carrying the request id (tgscraper.observability).
handler = lambda_handler(Mangum(app, lifespan="off"))
