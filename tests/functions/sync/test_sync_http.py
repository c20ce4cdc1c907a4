"""POST /api/v3/sync/{dialog_id} over HTTP on both adapter sets: every edit, deletion and
new message made through the simulated Telegram after a full fetch is in the cache after
one sync, for every kind of dialog; expectations come from the sim's read model."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.functions.sync.conftest import H, history, sync

KINDS = ["channel", "supergroup", "user", "group", "saved"]
DIFF_CALLS = ("GetChannelDifferenceRequest", "GetDifferenceRequest")


def _dialog(world: World, kind: str) -> int:
    dialogs = [d for d in world.dialogs if d.kind == kind]
    return max(dialogs, key=lambda d: d.message_count).peer_id


def _expected(world: World, peer: int) -> list[tuple[int, str]]:
    return [(m.id, m.text) for m in world.messages(peer)]


def _seen(msgs: list[dict[str, object]]) -> list[tuple[object, object]]:
    return [(m["message_id"], m["message"]) for m in msgs]


@pytest.mark.parametrize("kind", KINDS)
def test_one_sync_applies_every_edit_deletion_and_new_message(
    http: TestClient, sim: SimulatedTelegram, world: World, kind: str
) -> None:
    peer = _dialog(world, kind)
    before = history(http, peer)
    first = sync(http, peer)  # no stored pts yet: the covered range is re-read once
    assert first["mode"] == "rescan" and first["reason"] == "no_state" and first["complete"]
    assert (first["new"], first["edited"], first["deleted"]) == (0, 0, 0)

    ids = [m["message_id"] for m in before]
    assert isinstance(ids[0], int) and len(ids) >= 4
    sim.edit_message(peer, ids[1], "edited once")
    sim.edit_message(peer, ids[1], "edited twice")
    sim.edit_message(peer, ids[-1], "last one edited")
    sim.delete_message(peer, ids[2])
    new = sim.add_message(peer, "brand new")
    # The cache alone does not know yet.
    assert history(http, peer, end_date=before[-1]["date"]) == before

    sim.reset_requests()
    result = sync(http, peer)
    assert result["mode"] == "difference" and result["complete"] is True
    assert (result["new"], result["edited"], result["deleted"]) == (1, 2, 1)
    assert sim.requests["GetHistoryRequest"] == 0  # no re-read: the difference said it all
    after = history(http, peer)
    assert _seen(after) == _expected(world, peer)
    assert after[-1]["message_id"] == new.id


@pytest.mark.parametrize("kind", ["channel", "user"])
def test_nothing_changed_costs_one_difference_call(
    http: TestClient, sim: SimulatedTelegram, world: World, kind: str
) -> None:
    peer = _dialog(world, kind)
    history(http, peer)
    sync(http, peer)
    sim.reset_requests()
    result = sync(http, peer)
    assert (result["new"], result["edited"], result["deleted"], result["complete"]) == (
        0,
        0,
        0,
        True,
    )
    # Telethon itself sends getState + getDifference once per connection (its own
    # catch-up on login, whatever receive_updates says); the rest are the service's.
    telethon_own = sim.requests["GetStateRequest"]
    assert sum(sim.requests[name] for name in DIFF_CALLS) - telethon_own == 1
    assert sim.requests["GetHistoryRequest"] == 0


def test_changes_in_other_private_chats_are_left_to_their_own_sync(
    http: TestClient, sim: SimulatedTelegram, world: World
) -> None:
    users = sorted((d for d in world.dialogs if d.kind == "user"), key=lambda d: -d.message_count)
    a, b = users[0].peer_id, users[1].peer_id
    history(http, a)
    history(http, b)
    sync(http, a)
    sync(http, b)
    b_ids = [m.id for m in world.messages(b)]
    sim.delete_message(b, b_ids[0])
    sim.edit_message(b, b_ids[1], "b edited")
    assert (sync(http, a)["deleted"], sync(http, a)["edited"]) == (0, 0)
    assert _seen(history(http, a)) == _expected(world, a)
    got = sync(http, b)
    assert (got["deleted"], got["edited"]) == (1, 1)
    assert _seen(history(http, b)) == _expected(world, b)


def test_too_long_falls_back_to_re_reading_the_covered_ranges(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    part = history(http, big, start_date="2024-03-01", end_date="2024-06-30")
    sync(http, big)
    sim.difference_window = 3
    ids = [m["message_id"] for m in part]
    for msg_id in ids[:3]:
        sim.edit_message(big, msg_id, f"rewritten {msg_id}")
    sim.delete_message(big, ids[5])
    sim.add_message(big, "after the window")
    result = sync(http, big)
    assert result["mode"] == "rescan" and result["reason"] == "too_long"
    assert (result["edited"], result["deleted"], result["new"]) == (3, 1, 1)
    got = history(http, big, start_date="2024-03-01", end_date="2024-06-30")
    assert _seen(got) == [
        (m.id, m.text)
        for m in world.messages(big)
        if "2024-03-01" <= m.date.strftime("%Y-%m-%d") <= "2024-06-30"
    ]
    # The next sync is pts-based again.
    sim.edit_message(big, ids[7], "small change")
    again = sync(http, big)
    assert again["mode"] == "difference" and again["edited"] == 1


def test_a_flood_wait_is_a_429_and_the_retry_loses_nothing(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    msgs = history(http, big)
    sync(http, big)
    ids = [m["message_id"] for m in msgs]
    for i in range(250):  # three difference batches of at most 100
        sim.edit_message(big, ids[i], f"edit {i}")
    sim.delete_message(big, ids[300])
    sim.flood("GetChannelDifferenceRequest", 17, after=1)
    resp = http.post(f"/api/v3/sync/{big}", headers=H)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "17"
    assert "detail" in resp.json()
    sim.reset_requests()
    result = sync(http, big)
    assert result["complete"] and result["edited"] == 150 and result["deleted"] == 1
    assert sim.requests["GetChannelDifferenceRequest"] == 2  # the first batch was kept
    assert _seen(history(http, big)) == _expected(world, big)


def test_a_flood_wait_during_the_re_read_keeps_its_cursor(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    msgs = history(http, big)
    sim.edit_message(big, msgs[400]["message_id"], "late edit")  # type: ignore[arg-type]
    sim.flood("GetHistoryRequest", 9, after=3)
    resp = http.post(f"/api/v3/sync/{big}", headers=H)
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "9"
    sim.reset_requests()
    result = sync(http, big)
    assert result["complete"] and result["mode"] == "rescan" and result["edited"] == 1
    assert sim.requests["GetHistoryRequest"] < 5 + 1  # resumed, not restarted (5 pages)
    assert _seen(history(http, big)) == _expected(world, big)


def test_the_message_budget_ends_with_a_continuation(
    http: TestClient,
    sim: SimulatedTelegram,
    world: World,
    big: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    msgs = history(http, big)
    sim.delete_message(big, msgs[420]["message_id"])  # type: ignore[arg-type]
    monkeypatch.setenv("SYNC_MAX_MESSAGES", "150")
    rounds = []
    for _ in range(10):
        rounds.append(sync(http, big))
        if rounds[-1]["complete"]:
            break
    assert [r["complete"] for r in rounds] == [False, False, True]
    assert "repeat POST /api/v3/sync/" in rounds[0]["next"]["detail"]
    assert sum(r["deleted"] for r in rounds) == 1
    assert _seen(history(http, big)) == _expected(world, big)


def test_bad_input_and_unknown_dialogs(http: TestClient) -> None:
    assert http.post("/api/v3/sync/12345678", headers=H).status_code == 404
    resp = http.post("/api/v3/sync/abc", headers=H)
    assert resp.status_code == 400 and "dialog_id" in resp.json()["detail"]
    resp = http.post("/api/v3/sync/-1001", headers={})
    assert resp.status_code == 401 and "detail" in resp.json()


def test_the_report_tells_coverage_counts_pts_age_and_media(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    url = f"/api/v3/sync/{big}"
    empty = http.get(url, headers=H).json()
    assert empty["covered"] == [] and empty["messages_cached"] == 0 and not empty["synced"]
    assert empty["pts"] is None and empty["last_sync"] is None and empty["media_indexed"] == 0

    msgs = history(http, big, start_date="2024-01-01", end_date="2024-06-30")
    fetched = http.get(url, headers=H).json()
    assert fetched["messages_cached"] == len(msgs) and not fetched["synced"]
    assert fetched["covered"] == [{"start": "2024-01-01 00:00:00", "end": "2024-06-30 23:59:59"}]

    pts = sync(http, big)["pts"]
    rep = http.get(url, headers=H).json()
    # The first sync read the tail after the fetched range up to now.
    everything = world.messages(big)
    assert rep["messages_cached"] == len(everything)
    assert rep["telegram_count"] == world.dialog(big).message_count
    assert rep["synced"] and rep["kind"] == "channel" and rep["pts"] == pts
    assert 0 <= rep["pts_age_seconds"] < 3600 and not rep["sync_pending"]
    assert rep["covered"][0]["start"] == "2024-01-01 00:00:00"
    assert rep["covered"][-1]["end"] >= rep["last_sync"][:10] >= "2026"

    with_media = [m for m in everything if m.media is not None]
    assert with_media, "the big channel has media messages"
    assert rep["media_indexed"] == len(with_media) and rep["media_downloaded"] == 0
    first = history(http, big, start_date="2024-01-01", end_date="2024-06-30")
    media_id = next(m["media"]["uuid"] for m in first if m["media"] and m["media"]["uuid"])
    assert http.get(f"/api/v3/files/{media_id}", headers=H).status_code == 200
    sim.delete_message(big, everything[0].id)
    sync(http, big)
    after = http.get(url, headers=H).json()
    assert after["media_downloaded"] == 1
    assert after["messages_cached"] == len(everything) - 1
    assert after["totals"]["deleted"] == 1 and after["pts"] > pts


def test_the_report_rejects_bad_input(http: TestClient) -> None:
    resp = http.get("/api/v3/sync/abc", headers=H)
    assert resp.status_code == 400 and "dialog_id" in resp.json()["detail"]
    resp = http.get("/api/v3/sync/-1001", headers={})
    assert resp.status_code == 401 and "detail" in resp.json()


@pytest.mark.parametrize("kind", ["channel", "group"])
def test_history_with_sync_true_syncs_first_with_one_difference_call(
    http: TestClient, sim: SimulatedTelegram, world: World, kind: str
) -> None:
    peer = _dialog(world, kind)
    before = history(http, peer)
    sync(http, peer)
    ids = [m["message_id"] for m in before]
    sim.reset_requests()
    # A covered range: the history part needs no request, so every one is the sync's.
    params = {"sync": "true", "end_date": before[-1]["date"]}
    resp = http.get(f"/api/v3/history/{peer}", headers=H, params=params)
    assert resp.status_code == 200 and resp.headers["X-Sync-Complete"] == "true"
    telethon_own = sim.requests["GetStateRequest"]
    assert sum(sim.requests[name] for name in DIFF_CALLS) - telethon_own == 1
    assert sim.requests["GetHistoryRequest"] == 0

    sim.edit_message(peer, ids[0], "edited before a synced read")
    sim.delete_message(peer, ids[1])
    got = history(http, peer, sync="true")
    assert _seen(got) == _expected(world, peer)
    # Without sync=true the frames are the contract's and no sync header is sent.
    plain = http.get(f"/api/v3/history/{peer}", headers=H)
    assert "X-Sync-Complete" not in plain.headers


def test_history_sync_true_passes_a_flood_wait_on_as_429(
    http: TestClient, sim: SimulatedTelegram, big: int
) -> None:
    history(http, big)
    sync(http, big)
    sim.flood("GetChannelDifferenceRequest", 8, after=0)
    resp = http.get(f"/api/v3/history/{big}", headers=H, params={"sync": "true"})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "8"
    assert "detail" in resp.json()
    resp = http.get(f"/api/v3/history/{big}", headers=H, params={"sync": "maybe"})
    assert resp.status_code == 400 and "sync" in resp.json()["detail"]


def test_extended_fields_follow_a_sync(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    before = history(http, big, fields="extended")
    sync(http, big)
    target = before[5]["message_id"]
    sim.edit_message(big, target, "edited, extended")
    sim.reset_requests()
    assert sync(http, big)["edited"] == 1
    after = history(http, big, fields="extended", end_date=before[-1]["date"])
    assert sim.requests["GetHistoryRequest"] == 0  # served from the cache the sync wrote
    edited = next(m for m in after if m["message_id"] == target)
    assert edited["message"] == "edited, extended" and edited["edit_date"] is not None
    assert [m for m in after if m["message_id"] != target] == [
        m for m in before if m["message_id"] != target
    ]
