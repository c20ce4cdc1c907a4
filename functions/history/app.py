"""History endpoints: GET /api/v3/history/{dialog_id} as Server-Sent Events (or NDJSON
with `Accept: application/x-ndjson`; optionally one forum topic: topic_id),
GET /api/v3/history/{channel_id}/replies/{post_id} (a channel post's comment thread;
docs/messages.md) and GET /api/v3/export/{dialog_id}: the same stream in an export
format (jsonl, csv, Telegram Desktop's result.json; docs/export.md).

Transport only: parse the query, open the stream with the history service (which raises
the pre-stream errors as real statuses), and hand its frames to the SSE writer.
Under Lambda (Mangum buffers the response) the service stops within a size/time budget
and ends with an `event: continue` frame telling how to resume. One module: under Lambda
this folder is the function's code, so a sibling module would not import the same way.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import StreamingResponse
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES
from starlette.background import BackgroundTask

from tgscraper.api.app_factory import API_PREFIX, create_app
from tgscraper.api.deps import ContainerDep, UsernameDep
from tgscraper.api.history_params import (
    AfterId,
    ChunkSize,
    EndDate,
    Fields,
    ForceRefresh,
    IncludeDeleted,
    IncludeEdits,
    LastEventId,
    StartDate,
)
from tgscraper.api.openapi import error_responses
from tgscraper.api.params import AsciiInt
from tgscraper.container import Container
from tgscraper.errors import BadRequest
from tgscraper.export import ndjson
from tgscraper.export.dialog_info import dialog_info
from tgscraper.export.formats import EXPORT_CHUNK, ExportFormat, export_for
from tgscraper.history.chunker import FrameEncoder
from tgscraper.history.dates import (
    DEFAULT_CHUNK_SIZE,
    check_chunk_size,
    parse_last_event_id,
    parse_range,
)
from tgscraper.history.events_schema import SSE_EVENT
from tgscraper.history.limits import Budget
from tgscraper.history.media_kind import ANY, KINDS, NONE, parse_media_filter
from tgscraper.history.options import MAX_LIMIT, check_limit, check_reverse
from tgscraper.history.service import HistoryQuery, Stream, open_history
from tgscraper.history.sse_writer import SHUTDOWN_ERROR, EventStreamResponse
from tgscraper.observability import lambda_handler
from tgscraper.telegram.dialog_ref import parse_dialog_ref, resolve_dialog_ref
from tgscraper.threads.stream import ThreadQuery, open_thread

router = APIRouter(tags=["history"])

MEDIA_WORDS = (*KINDS, ANY, NONE)
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_MAX_MSG_ID = 2**31 - 1
"""Message and topic ids are 32-bit on the wire."""
_DialogRef = Annotated[
    # Parsed and range-checked by tgscraper.telegram.dialog_ref (64-bit ids; was a 502).
    str,
    Path(
        alias="dialog_id",
        description="Marked dialog id (-100... channels); extension: `@username` or a "
        "t.me link (`t.me/name`, `https://t.me/c/<id>/<post>`), resolved once and cached",
    ),
]
_SSE_OK = {"content": {"text/event-stream": {"schema": SSE_EVENT}}}


@router.get(
    f"{API_PREFIX}/history/{{dialog_id:dialog_ref}}",
    summary="Stream a dialog's message history as Server-Sent Events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {"schema": SSE_EVENT}, ndjson.MEDIA_TYPE: {}}},
        **error_responses(403, 404, 409, 429, 502, 503),
    },
)
async def history(
    container: ContainerDep,
    username: UsernameDep,
    dialog_ref: _DialogRef,
    start_date: StartDate = None,
    end_date: EndDate = None,
    chunk_size: ChunkSize = DEFAULT_CHUNK_SIZE,
    force_refresh: ForceRefresh = False,
    after_id: AfterId = None,
    fields: Fields = "contract",
    sync: Annotated[
        bool,
        Query(
            description="Extension: bring the cached dialog up to date first (POST /sync; "
            "docs/sync.md); the X-Sync-Complete header says whether it finished"
        ),
    ] = False,
    limit: Annotated[
        AsciiInt | None,
        Query(description=f"Extension: only the latest N messages of the range, 1-{MAX_LIMIT}"),
    ] = None,
    reverse: Annotated[
        bool, Query(description="Extension: newest first (docs/messages.md)")
    ] = False,
    before_id: Annotated[
        AsciiInt | None,
        Query(
            description="Continuation of a reverse=true stream: skip messages of the "
            "end_date second from this id up"
        ),
    ] = None,
    media: Annotated[
        str | None,
        Query(
            description="Extension: only messages with these media kinds, comma-separated: "
            f"{', '.join(MEDIA_WORDS)} (`any`: any media, `none`: text only; docs/messages.md)"
        ),
    ] = None,
    include_edits: IncludeEdits = False,
    include_deleted: IncludeDeleted = False,
    topic_id: Annotated[
        AsciiInt | None,
        Query(
            description="Extension: only this forum topic's messages (1 = General), read "
            "through messages.getReplies, never from the cache (docs/messages.md)",
            ge=1,
            le=_MAX_MSG_ID,
        ),
    ] = None,
    last_event_id: LastEventId = None,
    accept: Annotated[
        str | None,
        Header(
            description="`application/x-ndjson`: one message per line instead of SSE, ending "
            "with a control record (docs/export.md)"
        ),
    ] = None,
) -> EventStreamResponse:
    dialog_id = await resolve_dialog_ref(container, username, parse_dialog_ref(dialog_ref))
    if topic_id is not None:
        _only_plain_options_with_topic(
            force_refresh=force_refresh,
            sync=sync,
            limit=limit is not None,
            reverse=reverse,
            media=media is not None,
            include_edits=include_edits,
            include_deleted=include_deleted,
        )
        thread = ThreadQuery(
            username=username,
            dialog_id=dialog_id,
            kind="topic",
            top_id=topic_id,
            range=parse_range(start_date, end_date, after_id=after_id),
            chunk_size=check_chunk_size(chunk_size),
            extended=fields == "extended",
            resume_after=parse_last_event_id(last_event_id),
        )
        return _respond(container, await open_thread(container, thread, Budget.from_env()))
    query = HistoryQuery(
        username=username,
        dialog_id=dialog_id,
        range=parse_range(start_date, end_date, after_id=after_id, before_id=before_id),
        chunk_size=check_chunk_size(chunk_size),
        force_refresh=force_refresh,
        extended=fields == "extended",
        resume_after=parse_last_event_id(last_event_id),
        include_edits=include_edits,
        include_deleted=include_deleted,
        media=parse_media_filter(media),
        limit=check_limit(limit),
        reverse=check_reverse(reverse, before_id, include_edits or include_deleted),
    )
    headers = dict(_SSE_HEADERS)
    if sync:
        # Before anything streams, so its errors (429 flood wait...) are real statuses.
        from tgscraper.sync.service import budget_for_history, sync_dialog

        result = await sync_dialog(container, username, dialog_id, budget_for_history())
        headers["X-Sync-Complete"] = "true" if result.complete else "false"
    if accept is not None and ndjson.MEDIA_TYPE in accept.lower():
        encoder = ndjson.NdjsonEncoder()
        stream = await open_history(container, query, Budget.from_env(), encoder=encoder)
        return _respond(container, stream, headers, ndjson.MEDIA_TYPE, encoder)
    stream = await open_history(container, query, Budget.from_env())
    return _respond(container, stream, headers)


def _only_plain_options_with_topic(**given: bool) -> None:
    # A topic is read live through messages.getReplies (tgscraper/threads), not from the
    # cache these options work on: refuse them rather than ignore them.
    used = [name for name, value in given.items() if value]
    if used:
        raise BadRequest(f"Not supported with topic_id: {', '.join(used)}")


@router.get(
    f"{API_PREFIX}/history/{{channel_id}}/replies/{{post_id}}",
    summary="Stream a channel post's comment thread as Server-Sent Events",
    response_class=StreamingResponse,
    responses={200: _SSE_OK, **error_responses(400, 403, 404, 409, 429, 502, 503)},
)
async def replies(
    container: ContainerDep,
    username: UsernameDep,
    channel_id: Annotated[
        AsciiInt, Path(description="Marked channel id (-100...)", ge=-(2**63), le=2**63 - 1)
    ],
    post_id: Annotated[
        AsciiInt, Path(description="The channel post's message id", ge=1, le=_MAX_MSG_ID)
    ],
    start_date: StartDate = None,
    end_date: EndDate = None,
    chunk_size: ChunkSize = DEFAULT_CHUNK_SIZE,
    after_id: AfterId = None,
    fields: Fields = "contract",
    last_event_id: LastEventId = None,
) -> EventStreamResponse:
    query = ThreadQuery(
        username=username,
        dialog_id=channel_id,
        kind="comments",
        top_id=post_id,
        range=parse_range(start_date, end_date, after_id=after_id),
        chunk_size=check_chunk_size(chunk_size),
        extended=fields == "extended",
        resume_after=parse_last_event_id(last_event_id),
    )
    return _respond(container, await open_thread(container, query, Budget.from_env()))


# GET /export: the same stream in an export format (docs/export.md): same function,
# same permissions and budget.
_EXPORT_CONTENT: dict[str, dict[str, Any]] = {
    "application/x-ndjson": {},
    "text/csv": {},
    "application/json": {},
}


@router.get(
    f"{API_PREFIX}/export/{{dialog_id:dialog_ref}}",
    summary="Export a dialog's history: NDJSON, CSV or Telegram Desktop's result.json",
    response_class=StreamingResponse,
    responses={
        200: {"content": _EXPORT_CONTENT},
        **error_responses(403, 404, 409, 429, 502, 503),
    },
)
async def export(
    container: ContainerDep,
    username: UsernameDep,
    dialog_ref: _DialogRef,
    format: Annotated[
        ExportFormat,
        Query(
            description="jsonl: one message per line; csv: one row per message; tdesktop: "
            "Telegram Desktop's JSON export document (docs/export.md)"
        ),
    ] = "jsonl",
    start_date: StartDate = None,
    end_date: EndDate = None,
    after_id: AfterId = None,
    fields: Fields = "contract",
    force_refresh: ForceRefresh = False,
    include_edits: IncludeEdits = False,
    include_deleted: IncludeDeleted = False,
) -> EventStreamResponse:
    dialog_id = await resolve_dialog_ref(container, username, parse_dialog_ref(dialog_ref))
    extended = fields == "extended" or format == "tdesktop"
    query = HistoryQuery(
        username=username,
        dialog_id=dialog_id,
        range=parse_range(start_date, end_date, after_id=after_id),
        chunk_size=EXPORT_CHUNK,
        force_refresh=force_refresh,
        extended=extended,
        include_edits=include_edits,
        include_deleted=include_deleted,
    )
    # Before the stream, so an unknown dialog is still a 404 (tdesktop asks Telegram).
    info = await dialog_info(container, username, dialog_id, telegram=format == "tdesktop")
    out = export_for(
        format, info, dialog_id, extended=extended, edits=include_edits, deleted=include_deleted
    )
    stream = await open_history(
        container, query, out.budget(Budget.from_env()), encoder=out.encoder
    )
    headers = {**_SSE_HEADERS, "Content-Disposition": f'attachment; filename="{out.filename}"'}
    if info.message_count is not None:
        headers["X-Dialog-Message-Count"] = str(info.message_count)
    return _respond(container, stream, headers, out.media_type, out.encoder)


def _respond(
    container: Container,
    stream: Stream,
    headers: dict[str, str] | None = None,
    media_type: str | None = None,
    encoder: FrameEncoder | None = None,
) -> EventStreamResponse:
    # The writer stops on a disconnect, a stalled client or a shutdown, yielding to the
    # event loop between frames (tgscraper.history.sse_writer); a non-SSE format ends a
    # shutdown with its own error record.
    extra: dict[str, Any] = {}
    if media_type is not None and encoder is not None:
        shutdown = encoder
        extra = {
            "media_type": media_type,
            "shutdown_frame": lambda: shutdown.event("error", SHUTDOWN_ERROR),
        }
    return EventStreamResponse(
        stream.frames(),
        stall_seconds=container.settings.sse_stall_seconds,
        headers=headers or dict(_SSE_HEADERS),
        background=BackgroundTask(stream.aclose),
        **extra,
    )


app = create_app([router])
# NDJSON is text: without this Mangum would base64 it (a third larger than the budget).
_TEXT_TYPES = [*DEFAULT_TEXT_MIME_TYPES, ndjson.MEDIA_TYPE]
# JSON log lines carrying the request id (tgscraper.observability).
handler = lambda_handler(Mangum(app, lifespan="off", text_mime_types=_TEXT_TYPES))
