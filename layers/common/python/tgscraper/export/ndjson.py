"""NDJSON framing of the history stream (`format=jsonl`, `Accept: application/x-ndjson`).

One message object per line, exactly the objects an SSE frame carries, oldest first. The
last line is always a control record, told apart from a message by its `event` key:

- `{"event": "end", "total": N, "last_id": id|null}`: the export is complete;
- `{"event": "continue", "next_start_date", "after_id", "end_date", "detail"}`: the response
  stopped at the Lambda budget; repeat the request with these parameters for the rest;
- `{"event": "error", "detail", "retry_after", "status"}`: it failed after the first byte.

A body whose last line is not a control record was cut off.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

MEDIA_TYPE = "application/x-ndjson"
_GROUP = 64


def control_record(name: str, payload: dict[str, Any]) -> bytes:
    record = {"event": name, **payload}
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class NdjsonEncoder:
    def messages(self, message_jsons: Sequence[str], last_id: int | None) -> bytes:
        # Encoded in groups, as the SSE frames are (one emoji widens a whole joined str).
        parts = [
            "\n".join(message_jsons[i : i + _GROUP]).encode()
            for i in range(0, len(message_jsons), _GROUP)
        ]
        return b"\n".join(parts) + b"\n" if parts else b""

    def end(self, total: int, last_id: int | None) -> bytes:
        return control_record("end", {"total": total, "last_id": last_id})

    def event(self, name: str, payload: dict[str, Any]) -> bytes:
        return control_record(name, payload)
