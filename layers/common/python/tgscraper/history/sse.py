"""Server-Sent Events framing of the history stream.

- `data: {"messages": [...]}` : one chunk of messages (oldest first);
- `event: error` + `data: {"detail": ..., "retry_after": N|null}` : the stream ended
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


def messages_frame(message_jsons: Sequence[str]) -> bytes:
    """One data frame from messages that are already serialized JSON objects.

    Encoded in groups: one emoji makes a joined str 4 bytes per character, and a
    1000-message str that size is several times slower to build than 64-message ones."""
    body = b",".join(
        [
            ",".join(message_jsons[i : i + _GROUP]).encode()
            for i in range(0, len(message_jsons), _GROUP)
        ]
    )
    return _PREFIX + body + _SUFFIX


def event_frame(event: str, payload: dict[str, Any]) -> bytes:
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {data}\n\n".encode()
