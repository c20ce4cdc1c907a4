"""History endpoint: GET /api/v3/history/{dialog_id} as Server-Sent Events (or NDJSON
with `Accept: application/x-ndjson`), and GET /api/v3/export/{dialog_id}: the same stream
in an export format (jsonl, csv, Telegram Desktop's result.json; docs/export.md).

Transport only: parse the query, open the stream with the history service (which raises
the pre-stream errors as real statuses), and hand its frames to the SSE writer.
Under Lambda (Mangum buffers the response) the service stops within a size/time budget
and ends with an `event: continue` frame telling how to resume.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import StreamingResponse
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES
from starlette.background import BackgroundTask

from tgscraper.api.app_factory import API_PREFIX, create_app
from tgscraper.api.deps import ContainerDep, UsernameDep
from tgscraper.api.openapi import error_responses
from tgscraper.api.params import AsciiInt
from tgscraper.export import ndjson
from tgscraper.export.dialog_info import dialog_info
from tgscraper.export.formats import EXPORT_CHUNK, ExportFormat, export_for
from tgscraper.history.dates import (
    DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    check_chunk_size,
    parse_last_event_id,
    parse_range,
)
from tgscraper.history.events_schema import SSE_EVENT
from tgscraper.history.limits import Budget
from tgscraper.history.service import HistoryQuery, open_history
from tgscraper.history.sse_writer import SHUTDOWN_ERROR, EventStreamResponse
from tgscraper.observability import lambda_handler

router = APIRouter(tags=["history"])

_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.get(
    f"{API_PREFIX}/history/{{dialog_id}}",
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
    dialog_id: Annotated[
        # Telegram ids are 64-bit: a larger number cannot name a dialog (was a 502).
        AsciiInt,
        Path(description="Marked dialog id (-100... channels)", ge=-(2**63), le=2**63 - 1),
    ],
    start_date: Annotated[
        str | None, Query(description="YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, UTC (inclusive)")
    ] = None,
    end_date: Annotated[
        str | None,
        Query(description="YYYY-MM-DD (the whole day) or YYYY-MM-DD HH:MM:SS, UTC (inclusive)"),
    ] = None,
    chunk_size: Annotated[
        AsciiInt, Query(description=f"Messages per SSE chunk, 1-{MAX_CHUNK_SIZE}")
    ] = DEFAULT_CHUNK_SIZE,
    force_refresh: Annotated[bool, Query(description="Re-fetch the range from Telegram")] = False,
    after_id: Annotated[
        AsciiInt | None,
        Query(description="Continuation: skip messages of the start_date second up to this id"),
    ] = None,
    fields: Annotated[
        Literal["contract", "extended"],
        Query(
            description="extended: each message also carries reactions, replies, forwards, "
            "polls, service actions, topics... (docs/messages.md); default: the contract's"
        ),
    ] = "contract",
    sync: Annotated[
        bool,
        Query(
            description="Extension: bring the cached dialog up to date first (POST /sync; "
            "docs/sync.md); the X-Sync-Complete header says whether it finished"
        ),
    ] = False,
    include_edits: Annotated[
        bool,
        Query(
            description="Extension: each message also carries `versions` (previous versions "
            "a sync saw) and `edit_date` (docs/sync.md)"
        ),
    ] = False,
    include_deleted: Annotated[
        bool,
        Query(
            description="Extension: messages a sync saw deleted come back in place with "
            '`"deleted": true`; others carry `"deleted": false` (docs/sync.md)'
        ),
    ] = False,
    last_event_id: Annotated[
        str | None,
        Header(
            alias="Last-Event-ID",
            description="Resume: the `id:` of the last chunk received (its last message id); "
            "the stream continues with the message after it (a standard SSE client sends it "
            "by itself when it reconnects)",
        ),
    ] = None,
    accept: Annotated[
        str | None,
        Header(
            description="`application/x-ndjson`: one message per line instead of SSE, ending "
            "with a control record (docs/export.md)"
        ),
    ] = None,
) -> EventStreamResponse:
    query = HistoryQuery(
        username=username,
        dialog_id=dialog_id,
        range=parse_range(start_date, end_date, after_id=after_id),
        chunk_size=check_chunk_size(chunk_size),
        force_refresh=force_refresh,
        extended=fields == "extended",
        resume_after=parse_last_event_id(last_event_id),
        include_edits=include_edits,
        include_deleted=include_deleted,
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
        return EventStreamResponse(
            stream.frames(),
            stall_seconds=container.settings.sse_stall_seconds,
            headers=headers,
            media_type=ndjson.MEDIA_TYPE,
            shutdown_frame=lambda: encoder.event("error", SHUTDOWN_ERROR),
            background=BackgroundTask(stream.aclose),
        )
    stream = await open_history(container, query, Budget.from_env())
    # The writer stops on a disconnect, a stalled client or a shutdown, yielding to the
    # event loop between frames (tgscraper.history.sse_writer).
    return EventStreamResponse(
        stream.frames(),
        stall_seconds=container.settings.sse_stall_seconds,
        headers=headers,
        background=BackgroundTask(stream.aclose),
    )


# GET /export: the same stream in an export format (docs/export.md): same function,
# same permissions and budget.
_CONTENT: dict[str, dict[str, Any]] = {
    "application/x-ndjson": {},
    "text/csv": {},
    "application/json": {},
}


@router.get(
    f"{API_PREFIX}/export/{{dialog_id}}",
    summary="Export a dialog's history: NDJSON, CSV or Telegram Desktop's result.json",
    response_class=StreamingResponse,
    responses={200: {"content": _CONTENT}, **error_responses(403, 404, 409, 429, 502, 503)},
)
async def export(
    container: ContainerDep,
    username: UsernameDep,
    dialog_id: Annotated[
        AsciiInt,
        Path(description="Marked dialog id (-100... channels)", ge=-(2**63), le=2**63 - 1),
    ],
    format: Annotated[
        ExportFormat,
        Query(
            description="jsonl: one message per line; csv: one row per message; tdesktop: "
            "Telegram Desktop's JSON export document (docs/export.md)"
        ),
    ] = "jsonl",
    start_date: Annotated[
        str | None, Query(description="YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, UTC (inclusive)")
    ] = None,
    end_date: Annotated[
        str | None,
        Query(description="YYYY-MM-DD (the whole day) or YYYY-MM-DD HH:MM:SS, UTC (inclusive)"),
    ] = None,
    after_id: Annotated[
        AsciiInt | None,
        Query(description="Continuation: skip messages of the start_date second up to this id"),
    ] = None,
    fields: Annotated[
        Literal["contract", "extended"],
        Query(description="jsonl/csv: extended adds the extended fields (tdesktop always has)"),
    ] = "contract",
    force_refresh: Annotated[bool, Query(description="Re-fetch the range from Telegram")] = False,
    include_edits: Annotated[
        bool, Query(description="Previous versions a sync saw (`versions`, `edit_date`)")
    ] = False,
    include_deleted: Annotated[
        bool, Query(description='Messages a sync saw deleted, with `"deleted": true`')
    ] = False,
) -> EventStreamResponse:
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
    budget = out.budget(Budget.from_env())
    stream = await open_history(container, query, budget, encoder=out.encoder)
    headers = {
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
        "Content-Disposition": f'attachment; filename="{out.filename}"',
    }
    if info.message_count is not None:
        headers["X-Dialog-Message-Count"] = str(info.message_count)
    encoder = out.encoder
    return EventStreamResponse(
        stream.frames(),
        stall_seconds=container.settings.sse_stall_seconds,
        headers=headers,
        media_type=out.media_type,
        shutdown_frame=lambda: encoder.event("error", SHUTDOWN_ERROR),
        background=BackgroundTask(stream.aclose),
    )


app = create_app([router])
# NDJSON is text: without this Mangum would base64 it (a third larger than the budget).
_TEXT_TYPES = [*DEFAULT_TEXT_MIME_TYPES, ndjson.MEDIA_TYPE]
# JSON log lines carrying the request id (tgscraper.observability).
handler = lambda_handler(Mangum(app, lifespan="off", text_mime_types=_TEXT_TYPES))
