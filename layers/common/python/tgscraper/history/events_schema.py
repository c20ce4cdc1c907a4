"""The OpenAPI description of the history stream's Server-Sent Events.

In OpenAPI 3.1 the `schema` of a `text/event-stream` response describes ONE event
({event, data, id, retry}); `data` is a JSON string whose own shape `contentSchema`
gives, per event type (see `tgscraper.history.sse` for the framing):
- message (no `event:` line): {"messages": [<the spec's message object>, ...]};
- error: {"detail", "retry_after", "status"?}: the stream ended early;
- continue: {"next_start_date", "after_id", "end_date", "detail"}: repeat to resume;
- end: {"messages": [], "total", "last_id"}: the stream is complete.
A message chunk also has an `id` (its last message id, for `Last-Event-ID`).
Written by hand (not from pydantic models) so it is self-contained: no `$ref` into
components that a streamed response could not declare.
"""

from __future__ import annotations

from typing import Any

_NULLABLE_INT = {"type": ["integer", "null"]}
_NULLABLE_STR = {"type": ["string", "null"]}

MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": [
        "message_id",
        "date",
        "sender_id",
        "first_name",
        "last_name",
        "username",
        "message",
        "media",
        "reply_to",
        "post_author",
        "is_forwarded",
        "forwarded_from_channel_id",
    ],
    "properties": {
        "message_id": {"type": "integer"},
        "date": {"type": "string", "description": "YYYY-MM-DD HH:MM:SS (UTC)"},
        "sender_id": _NULLABLE_INT,
        "first_name": _NULLABLE_STR,
        "last_name": _NULLABLE_STR,
        "username": _NULLABLE_STR,
        "message": {"type": "string"},
        "media": {
            "type": ["object", "null"],
            "required": ["type", "uuid", "filename", "size"],
            "properties": {
                "type": {"type": "string"},
                "uuid": _NULLABLE_STR,
                "filename": _NULLABLE_STR,
                "size": _NULLABLE_INT,
            },
        },
        "reply_to": _NULLABLE_INT,
        "post_author": _NULLABLE_STR,
        "is_forwarded": {"enum": [0, 1]},
        "forwarded_from_channel_id": _NULLABLE_INT,
    },
}

_CHUNK = {
    "type": "object",
    "required": ["messages"],
    "additionalProperties": False,
    "properties": {"messages": {"type": "array", "items": MESSAGE}},
}
_ERROR = {
    "type": "object",
    "required": ["detail", "retry_after"],
    "properties": {
        "detail": {"type": "string"},
        "retry_after": _NULLABLE_INT,
        "status": {"type": "integer"},
    },
}
_CONTINUE = {
    "type": "object",
    "required": ["next_start_date", "after_id", "end_date", "detail"],
    "properties": {
        "next_start_date": {"type": "string"},
        "after_id": {"type": "integer"},
        "end_date": {"type": "string"},
        "detail": {"type": "string"},
    },
}
_END = {
    "type": "object",
    "required": ["messages", "total", "last_id"],
    "properties": {
        "messages": {"type": "array", "maxItems": 0},
        "total": {"type": "integer", "description": "messages in this response"},
        "last_id": {
            **_NULLABLE_INT,
            "description": "the last message the client now has (sent or resumed after)",
        },
    },
}


def _event(
    name: str, payload: dict[str, Any], description: str, *, with_id: bool = False
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if with_id:
        extra["id"] = {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "the chunk's last message id: send it back as Last-Event-ID",
        }
    return {
        "type": "object",
        "description": description,
        "required": ["event", "data", *extra],
        "properties": {
            **extra,
            "event": {"const": name},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": payload,
            },
        },
    }


SSE_EVENT: dict[str, Any] = {
    "oneOf": [
        _event(
            "message", _CHUNK, "A chunk of messages, oldest first (no `event:` line)", with_id=True
        ),
        _event("end", _END, "The stream is complete (a stream cut off has no end event)"),
        _event("error", _ERROR, "The stream ended early; what was sent stays valid"),
        _event("continue", _CONTINUE, "Size/time budget reached: repeat with these values"),
    ]
}
"""One event of the history stream (`schema` of the text/event-stream response)."""
