"""Exports cut by the Lambda budget (each format says how to continue: following it gives
every message once) and failing after the first byte (each format says why, and stays
parseable), on both adapter sets."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.exports import parse_csv, parse_ndjson, parse_tdesktop
from tests.support.history import ALICE

H = {"X-Telegram-Username": ALICE}


def _page(http: TestClient, peer: int, fmt: str, params: dict[str, Any]) -> tuple[list[int], Any]:
    """(message ids, continuation or None) of one response."""
    resp = http.get(f"/api/v3/export/{peer}", headers=H, params={"format": fmt, **params})
    assert resp.status_code == 200, resp.text
    if fmt == "jsonl":
        messages, control = parse_ndjson(resp.text)
        ids = [m["message_id"] for m in messages]
        return ids, control if control["event"] == "continue" else None
    if fmt == "csv":
        rows, (name, payload) = parse_csv(resp.text)
        return [int(r["message_id"]) for r in rows], payload if name == "continue" else None
    doc = parse_tdesktop(resp.text)
    return [m["id"] for m in doc["messages"]], doc.get("continuation")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tdesktop"])
def test_a_budget_cut_export_continues_where_it_stopped_nothing_lost_or_repeated(
    http: TestClient, world: World, big: int, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HISTORY_BUDGET", "on")
    monkeypatch.setenv("HISTORY_MAX_RESPONSE_BYTES", "30000")
    ids: list[int] = []
    params: dict[str, Any] = {}
    responses = 0
    while True:
        responses += 1
        got, more = _page(http, big, fmt, params)
        ids += got
        if more is None:
            break
        params = {k: more[k] for k in ("after_id", "end_date")}
        params["start_date"] = more["next_start_date"]
    assert responses > 2  # the budget really cut it
    assert ids == [m.id for m in world.messages(big)]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tdesktop"])
def test_a_flood_wait_after_the_first_byte_ends_the_export_with_an_error_record(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int, fmt: str
) -> None:
    sim.flood("GetHistoryRequest", 17, after=2)
    resp = http.get(f"/api/v3/export/{big}", headers=H, params={"format": fmt})
    assert resp.status_code == 200
    want = [m.id for m in world.messages(big)][:200]  # the two pages before the flood
    if fmt == "jsonl":
        messages, error = parse_ndjson(resp.text)
        ids = [m["message_id"] for m in messages]
        assert error["event"] == "error"
    elif fmt == "csv":
        rows, (name, error) = parse_csv(resp.text)
        ids = [int(r["message_id"]) for r in rows]
        assert name == "error"
    else:
        doc = parse_tdesktop(resp.text)
        ids, error = [m["id"] for m in doc["messages"]], doc["error"]
    assert ids == want
    assert error["status"] == 429 and error["retry_after"] == 17 and error["detail"]
