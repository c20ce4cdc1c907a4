"""A line-based SSE client over real HTTP that drops the history stream mid-way and
resumes it with Last-Event-ID, as a browser EventSource does on a reconnect."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx

MAX_EVENTS = 10_000


def events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """SSE events as a line-based client parses them ({event, id, data}), as they arrive."""
    event: dict[str, Any] = {"event": "message", "id": None}
    for line in response.iter_lines():
        if line == "":
            yield event
            event = {"event": "message", "id": None}
            continue
        field, _, value = line.partition(": ")
        if field == "data":
            event["data"] = json.loads(value)
        elif field in ("event", "id"):
            event[field] = value


def _read(
    client: httpx.Client,
    url: str,
    params: dict[str, Any],
    last_id: str | None,
    stop_after: int,
    headers: dict[str, str],
) -> tuple[list[int], str | None, dict[str, Any] | None]:
    """Read a stream; drop the connection after `stop_after` chunks. Returns the message
    ids received, the last chunk id seen (what an EventSource keeps) and the end event."""
    if last_id is not None:
        headers = {**headers, "Last-Event-ID": last_id}
    ids: list[int] = []
    with client.stream("GET", url, params=params, headers=headers) as resp:
        assert resp.status_code == 200, resp.read()
        for n, event in enumerate(events(resp)):
            assert n < MAX_EVENTS
            if event["event"] == "end":
                return ids, last_id, event["data"]
            assert event["event"] == "message", event
            batch = [m["message_id"] for m in event["data"]["messages"]]
            assert event["id"] == str(batch[-1])
            ids += batch
            last_id = event["id"]
            if n + 1 == stop_after:
                return ids, last_id, None  # leaving the block closes the connection
    raise AssertionError("the stream ended without event: end")


def drop_and_resume(
    port: int, dialog: int, params: dict[str, Any], drops: int, headers: dict[str, str]
) -> list[int]:
    """A client whose connection breaks after 2 chunks, `drops` times, then resumes each
    time with Last-Event-ID and finally reads to `event: end`; the message ids it got."""
    url = f"/api/v3/history/{dialog}"
    got: list[int] = []
    last_id: str | None = None
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for attempt in range(drops + 1):
            stop = 2 if attempt < drops else 0
            ids, last_id, end = _read(client, url, params, last_id, stop, headers)
            got += ids
            if end is not None:
                assert attempt == drops, "the stream ended before the planned drops"
                assert end["messages"] == [] and end["last_id"] == got[-1]
                assert end["total"] == len(ids), (end, len(ids))
                return got
    raise AssertionError("the last read did not end the stream")
