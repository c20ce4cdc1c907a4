"""Message endpoints beyond the contract: `GET /api/v3/search/messages` (search through
Telegram, or the local cache) and `GET /api/v3/topics/{dialog_id}` (forum topics).

Transport only: parameters are parsed here and handed to tgscraper.search (docs/messages.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from mangum import Mangum

from tgscraper.api.app_factory import API_PREFIX, create_app
from tgscraper.api.deps import ContainerDep, UsernameDep
from tgscraper.api.openapi import error_responses
from tgscraper.api.params import AsciiInt
from tgscraper.observability import lambda_handler
from tgscraper.search.query import FILTER_NAMES, MAX_LIMIT, SearchQuery, parse_date
from tgscraper.search.service import MessageSearch
from tgscraper.threads.topics import list_topics

router = APIRouter(prefix=API_PREFIX, tags=["messages"])

_PEER = {"ge": -(2**63), "le": 2**63 - 1}


@router.get(
    "/search/messages",
    responses=error_responses(400, 403, 404, 409, 429, 502, 503),
    summary="Search messages in one dialog or across all of them",
)
async def search_messages(
    container: ContainerDep,
    username: UsernameDep,
    q: Annotated[str, Query(description="Words to find (each a word prefix)")] = "",
    dialog_id: Annotated[
        AsciiInt | None, Query(description="Marked dialog id; omit to search all chats", **_PEER)
    ] = None,
    from_id: Annotated[
        AsciiInt | None, Query(description="Only messages sent by this marked peer id", **_PEER)
    ] = None,
    min_date: Annotated[str | None, Query(description="YYYY-MM-DD[ HH:MM:SS], UTC")] = None,
    max_date: Annotated[
        str | None, Query(description="YYYY-MM-DD (the whole day) or YYYY-MM-DD HH:MM:SS")
    ] = None,
    filter: Annotated[str | None, Query(description=", ".join(FILTER_NAMES))] = None,
    offset_id: Annotated[AsciiInt, Query(description="Continue after this message id")] = 0,
    offset_rate: Annotated[AsciiInt, Query(description="Continue: next.offset_rate")] = 0,
    offset_peer: Annotated[AsciiInt, Query(description="Continue: next.offset_peer", **_PEER)] = 0,
    limit: Annotated[AsciiInt, Query(description=f"Results per page, 1-{MAX_LIMIT}")] = 50,
    source: Annotated[
        Literal["telegram", "cache"],
        Query(description="cache: the local cache (AWS adapter set: one dialog_id)"),
    ] = "telegram",
    fields: Annotated[
        Literal["contract", "extended"], Query(description="extended: see docs/messages.md")
    ] = "contract",
) -> dict[str, Any]:
    query = SearchQuery(
        username=username,
        q=q,
        dialog_id=dialog_id,
        from_id=from_id,
        min_date=parse_date(min_date, "min_date", end_of_day=False),
        max_date=parse_date(max_date, "max_date", end_of_day=True),
        filter=filter,
        offset_id=offset_id,
        offset_rate=offset_rate,
        offset_peer=offset_peer,
        limit=limit,
        source=source,
        extended=fields == "extended",
    )
    return await MessageSearch(container).search(query)


@router.get(
    "/topics/{dialog_id}",
    responses=error_responses(400, 403, 404, 409, 429, 502, 503),
    summary="A forum supergroup's topics (messages.getForumTopics)",
)
async def topics(
    container: ContainerDep,
    username: UsernameDep,
    dialog_id: Annotated[AsciiInt, Path(description="Marked id of a forum supergroup", **_PEER)],
    q: Annotated[str | None, Query(description="Only topics whose title contains this")] = None,
) -> list[dict[str, Any]]:
    return await list_topics(container, username, dialog_id, q)


app = create_app([router])
# JSON log lines carrying the request id (tgscraper.observability).
handler = lambda_handler(Mangum(app, lifespan="off"))
