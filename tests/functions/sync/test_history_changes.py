"""GET /history with include_edits / include_deleted after a sync, on both adapter sets.

GIVEN a dialog read in full and synced once, WHEN messages are edited and deleted through
the simulated Telegram and synced again, THEN history shows the current state by default
(frames exactly the contract's), and on request the previous versions and the tombstones
in date order. Expectations come from what the client had before the changes and what the
test itself did to the simulated world, never from the code under test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.functions.sync.conftest import H, history, sync
from tests.support.history import CONTRACT_FIELDS, messages_of, parse_sse

CONTRACT_KEYS = CONTRACT_FIELDS
EDITED_AT = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def _changed(http: TestClient, sim: SimulatedTelegram, peer: int) -> dict[str, Any]:
    """Read the dialog, sync, then edit (twice), delete two messages and sync again."""
    before = history(http, peer)
    sync(http, peer)
    ids = [m["message_id"] for m in before]
    sim.edit_message(peer, ids[1], "edited once", EDITED_AT - timedelta(hours=1))
    sim.edit_message(peer, ids[1], "edited twice", EDITED_AT)
    sim.delete_message(peer, ids[3])
    sim.delete_message(peer, ids[-1])
    result = sync(http, peer)
    assert (result["edited"], result["deleted"]) == (1, 2), result
    return {"before": before, "edited": ids[1], "deleted": {ids[3], ids[-1]}}


@pytest.fixture
def peer(world: World) -> int:
    kinds = [d for d in world.dialogs if d.kind == "channel"]
    return max(kinds, key=lambda d: d.message_count).peer_id


def test_without_the_flags_frames_are_the_contracts_current_state(
    http: TestClient, sim: SimulatedTelegram, peer: int
) -> None:
    changed = _changed(http, sim, peer)
    after = history(http, peer)
    assert all(list(m) == CONTRACT_KEYS for m in after)
    expected = [
        m["message_id"] for m in changed["before"] if m["message_id"] not in changed["deleted"]
    ]
    assert [m["message_id"] for m in after] == expected


def test_include_deleted_returns_tombstones_in_place(
    http: TestClient, sim: SimulatedTelegram, peer: int
) -> None:
    changed = _changed(http, sim, peer)
    after = history(http, peer, include_deleted="true")
    # Every message the client had, in the same order, each flagged.
    assert [m["message_id"] for m in after] == [m["message_id"] for m in changed["before"]]
    for old, new in zip(changed["before"], after, strict=True):
        if old["message_id"] in changed["deleted"]:
            assert new["deleted"] is True and new["deleted_at"] is not None
            # The tombstone is the message as it was last seen.
            assert {k: new[k] for k in CONTRACT_KEYS} == old
            assert list(new) == [*CONTRACT_KEYS, "deleted", "deleted_at"]
        else:
            assert new["deleted"] is False and "deleted_at" not in new
            assert list(new) == [*CONTRACT_KEYS, "deleted"]


def test_include_edits_returns_previous_versions_and_the_edit_date(
    http: TestClient, sim: SimulatedTelegram, peer: int
) -> None:
    changed = _changed(http, sim, peer)
    after = history(http, peer, include_edits="true")
    edited = next(m for m in after if m["message_id"] == changed["edited"])
    original = next(m for m in changed["before"] if m["message_id"] == changed["edited"])
    assert edited["message"] == "edited twice"
    # One sync saw one change: the version it replaced is the one the cache held.
    assert edited["versions"] == [original]
    assert edited["edit_date"] == EDITED_AT.strftime("%Y-%m-%d %H:%M:%S")
    others = [m for m in after if m["message_id"] != changed["edited"]]
    assert others and all(m["versions"] == [] and m["edit_date"] is None for m in others)
    assert not {m["message_id"] for m in after} & changed["deleted"]


def test_both_flags_with_extended_fields_one_message_per_chunk(
    http: TestClient, sim: SimulatedTelegram, peer: int
) -> None:
    changed = _changed(http, sim, peer)
    resp = http.get(
        f"/api/v3/history/{peer}",
        headers=H,
        params={
            "include_edits": "true",
            "include_deleted": "true",
            "fields": "extended",
            "chunk_size": 1,
        },
    )
    events = parse_sse(resp.text)
    chunks = [e for e in events if e.event == "message"]
    assert all(len(e.data["messages"]) == 1 for e in chunks)
    after = messages_of(events)
    assert [m["message_id"] for m in after] == [m["message_id"] for m in changed["before"]]
    edited = next(m for m in after if m["message_id"] == changed["edited"])
    # Telegram's own edit_date (extended) is kept once, not repeated.
    assert resp.text.count('"edit_date"') == len(after) - len(changed["deleted"])
    assert edited["edit_date"] == EDITED_AT.strftime("%Y-%m-%d %H:%M:%S")
    assert len(edited["versions"]) == 1 and edited["deleted"] is False
    tombs = [m for m in after if m["deleted"]]
    assert {m["message_id"] for m in tombs} == changed["deleted"]
    assert all(m["versions"] == [] for m in tombs)


def test_tombstones_follow_a_refetched_range_and_a_resume(
    http: TestClient, sim: SimulatedTelegram, peer: int
) -> None:
    changed = _changed(http, sim, peer)
    # The range comes from Telegram again: the change log still lays the tombstones over it.
    sim.reset_requests()
    refetched = history(http, peer, include_deleted="true", force_refresh="true")
    assert sim.requests["GetHistoryRequest"] >= 1
    assert [m["message_id"] for m in refetched] == [m["message_id"] for m in changed["before"]]
    # A client resuming right before a tombstone gets it and what follows, nothing before.
    ids = [m["message_id"] for m in changed["before"]]
    first_deleted = min(changed["deleted"])
    before_it = ids[ids.index(first_deleted) - 1]
    resp = http.get(
        f"/api/v3/history/{peer}",
        headers={**H, "Last-Event-ID": str(before_it)},
        params={"include_deleted": "true"},
    )
    resumed = messages_of(parse_sse(resp.text))
    assert [m["message_id"] for m in resumed] == ids[ids.index(first_deleted) :]
    assert resumed[0]["deleted"] is True


def test_the_flags_are_booleans(http: TestClient, peer: int) -> None:
    resp = http.get(f"/api/v3/history/{peer}", headers=H, params={"include_deleted": "maybe"})
    assert resp.status_code == 400 and "include_deleted" in resp.json()["detail"]
