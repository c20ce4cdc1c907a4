"""Server-Sent Events framing of the history stream.

- `data: {"messages": [...]}` + `id: <message id>` : one chunk of messages (oldest first);
  the id is the frame's last message id, so a standard SSE client (by itself)
  resumes after it with the standard `Last-Event-ID` request header;
- `event: end` + `data: {"messages": [], "total": N, "last_id": id|null}` : the stream is
  complete (N messages in this response; last_id: the last message the client now has).
  Its data parses like a message frame, so a client reading only `data:` lines sees an
  empty chunk. A stream that ends without `end`, `continue` or `error` was cut off;
- `event: error` + `data: {"detail": ..., "retry_after": N|null, "status": N}` : the stream ended
  early on an error (e.g. a Telegram flood wait); what was sent before stays valid;
- `event: continue` + `data: {"next_start_date": ..., "after_id": ..., "end_date": ...}` :
  the response stopped at a size/time budget (Lambda); repeat the request with these
  parameters to get the rest, nothing lost and nothing repeated.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

_PREFIX = b'data: {"messages": ['
_SUFFIX = b"]}\n\n"


_GROUP = 64


def messages_frame(message_jsons: Sequence[str], last_id: int | None = None) -> bytes:
    """One data frame from messages that are already serialized JSON objects.

    Encoded in groups: one emoji makes a joined str 4 bytes per character, and a
    1000-message str that size is several times slower to build than 64-message ones."""
    body = b",".join(
        [
            ",".join(message_jsons[i : i + _GROUP]).encode()
            for i in range(0, len(message_jsons), _GROUP)
        ]
    )
    if last_id is None:
        return _PREFIX + body + _SUFFIX
    # `id:` after `data:` (SSE allows any order): a reader that takes the first line of
    # a frame as its data keeps working.
    return _PREFIX + body + b"]}\nid: %d\n\n" % last_id


def end_frame(total: int, last_id: int | None) -> bytes:
    """The marker of a complete stream (see the module docstring)."""
    payload = {"messages": [], "total": total, "last_id": last_id}
    return event_frame("end", payload)


def event_frame(event: str, payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {data}\n\n".encode()
