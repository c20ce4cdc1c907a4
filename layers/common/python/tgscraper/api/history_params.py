"""Query and header parameters shared by the history-shaped routes (history, a topic, a
comment thread, an export), declared once as `Annotated` aliases (as `deps.py` does for
dependencies), so each route lists what it takes and the descriptions never drift."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Header, Query

from tgscraper.api.params import AsciiInt
from tgscraper.history.dates import MAX_CHUNK_SIZE

StartDate = Annotated[
    str | None, Query(description="YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, UTC (inclusive)")
]
EndDate = Annotated[
    str | None,
    Query(description="YYYY-MM-DD (the whole day) or YYYY-MM-DD HH:MM:SS, UTC (inclusive)"),
]
ChunkSize = Annotated[AsciiInt, Query(description=f"Messages per SSE chunk, 1-{MAX_CHUNK_SIZE}")]
ForceRefresh = Annotated[bool, Query(description="Re-fetch the range from Telegram")]
AfterId = Annotated[
    AsciiInt | None,
    Query(description="Continuation: skip messages of the start_date second up to this id"),
]
Fields = Annotated[
    Literal["contract", "extended"],
    Query(
        description="extended: each message also carries reactions, replies, forwards, "
        "polls, service actions, topics, media_kind... (docs/messages.md); default: the "
        "contract's"
    ),
]
IncludeEdits = Annotated[
    bool,
    Query(
        description="Extension: each message also carries `versions` (previous versions "
        "a sync saw) and `edit_date` (docs/sync.md)"
    ),
]
IncludeDeleted = Annotated[
    bool,
    Query(
        description="Extension: messages a sync saw deleted come back in place with "
        '`"deleted": true`; others carry `"deleted": false` (docs/sync.md)'
    ),
]
LastEventId = Annotated[
    str | None,
    Header(
        alias="Last-Event-ID",
        description="Resume: the `id:` of the last chunk received (its last message id); "
        "the stream continues with the message after it (a standard SSE client sends it "
        "by itself when it reconnects)",
    ),
]
