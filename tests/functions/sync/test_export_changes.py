"""Exports with include_edits / include_deleted after a sync, on both adapter sets: the
CSV's `versions`, `edit_date`, `deleted` columns and the tdesktop document's `edited` and
`deleted`, from what the test itself did to the simulated world."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.functions.sync.conftest import H, history, sync
from tests.support.exports import parse_csv, parse_tdesktop

EDITED_AT = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def peer(world: World) -> int:
    kinds = [d for d in world.dialogs if d.kind == "channel"]
    return max(kinds, key=lambda d: d.message_count).peer_id


def _change(http: TestClient, sim: SimulatedTelegram, peer: int) -> dict[str, Any]:
    before = history(http, peer)
    sync(http, peer)
    ids = [m["message_id"] for m in before]
    sim.edit_message(peer, ids[1], "=edited, with a comma", EDITED_AT)
    sim.delete_message(peer, ids[3])
    result = sync(http, peer)
    assert (result["edited"], result["deleted"]) == (1, 1), result
    return {"before": before, "edited": ids[1], "deleted": ids[3]}


def test_csv_carries_versions_edit_date_and_deleted_columns(
    http: TestClient, sim: SimulatedTelegram, peer: int
) -> None:
    changed = _change(http, sim, peer)
    params = {"format": "csv", "include_edits": "true", "include_deleted": "true"}
    resp = http.get(f"/api/v3/export/{peer}", headers=H, params=params)
    rows, (name, _) = parse_csv(resp.text)
    assert name == "end"
    assert [int(r["message_id"]) for r in rows] == [m["message_id"] for m in changed["before"]]
    by_id = {int(r["message_id"]): r for r in rows}
    edited = by_id[changed["edited"]]
    assert edited["message"] == "'=edited, with a comma"  # defused for spreadsheets
    assert edited["edit_date"] == EDITED_AT.strftime("%Y-%m-%d %H:%M:%S")
    original = next(m for m in changed["before"] if m["message_id"] == changed["edited"])
    assert json.loads(edited["versions"]) == [original]
    assert by_id[changed["deleted"]]["deleted"] == "true"
    others = [r for i, r in by_id.items() if i not in (changed["edited"], changed["deleted"])]
    assert all(r["deleted"] == "false" and r["versions"] == "[]" for r in others)


def test_tdesktop_marks_edited_and_deleted_messages(
    http: TestClient, sim: SimulatedTelegram, peer: int
) -> None:
    changed = _change(http, sim, peer)
    params = {"format": "tdesktop", "include_deleted": "true"}
    doc = parse_tdesktop(http.get(f"/api/v3/export/{peer}", headers=H, params=params).text)
    by_id = {m["id"]: m for m in doc["messages"]}
    assert list(by_id) == [m["message_id"] for m in changed["before"]]
    edited = by_id[changed["edited"]]
    assert edited["text"] == "=edited, with a comma"  # JSON needs no defusing
    assert edited["edited"] == EDITED_AT.strftime("%Y-%m-%dT%H:%M:%S")
    assert edited["edited_unixtime"] == str(int(EDITED_AT.timestamp()))
    assert by_id[changed["deleted"]]["deleted"] is True
    assert sum(1 for m in doc["messages"] if m.get("deleted")) == 1
