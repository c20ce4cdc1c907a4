"""Bad input, unknown and private dialogs, Telegram down, flood waits and interrupted walks."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.history import ALICE, expected_ids, messages_of, parse_sse

H = {"X-Telegram-Username": ALICE}
EVER = 2**40


def get(http: TestClient, peer: int | str, **params: Any) -> Any:
    return http.get(f"/api/v3/history/{peer}", headers=H, params=params)


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"start_date": "2024-02-30"}, "start_date"),
        ({"end_date": "tomorrow"}, "end_date"),
        ({"start_date": "2024-05-01", "end_date": "2024-04-30"}, "start_date is after end_date"),
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": 1001}, "chunk_size"),
        ({"chunk_size": "many"}, "chunk_size"),
        ({"force_refresh": "perhaps"}, "force_refresh"),
        ({"after_id": 3}, "after_id"),
    ],
)
def test_bad_parameters_are_400_with_a_detail(
    http_embedded: TestClient, sim: SimulatedTelegram, big: int, params: dict[str, Any], named: str
) -> None:
    resp = get(http_embedded, big, **params)
    assert resp.status_code == 400
    assert named in resp.json()["detail"]
    assert sim.requests["GetHistoryRequest"] == 0


def test_a_non_numeric_dialog_id_is_400(http_embedded: TestClient) -> None:
    resp = get(http_embedded, "general")
    assert resp.status_code == 400 and "dialog_id" in resp.json()["detail"]


def test_no_session_is_401(http_embedded: TestClient, big: int) -> None:
    resp = http_embedded.get(f"/api/v3/history/{big}", headers={"X-Telegram-Username": "nobody"})
    assert resp.status_code == 401


@pytest.mark.parametrize("peer", [-1009999999999, 0, 2**62 + 5, -(2**63)])
def test_unknown_dialog_is_404(http_embedded: TestClient, peer: int) -> None:
    resp = get(http_embedded, peer)
    assert resp.status_code == 404 and str(peer) in resp.json()["detail"]


@pytest.mark.parametrize("peer", [-(10**20), 10**20])
def test_an_id_beyond_64_bits_is_a_client_error(http_embedded: TestClient, peer: int) -> None:
    resp = get(http_embedded, peer)
    assert resp.status_code in (400, 404) and resp.json()["detail"]


def test_private_channel_is_403(http: TestClient, sim: SimulatedTelegram, big: int) -> None:
    sim.deny(big)
    resp = get(http, big)
    assert resp.status_code == 403 and "not accessible" in resp.json()["detail"]


def test_telegram_unreachable_is_502(http: TestClient, sim: SimulatedTelegram, big: int) -> None:
    sim.disconnect_after("GetHistoryRequest", 0)
    resp = get(http, big)
    assert resp.status_code == 502 and resp.json()["detail"]


def test_flood_wait_before_the_first_byte_is_429_with_retry_after(
    http: TestClient, sim: SimulatedTelegram, big: int
) -> None:
    sim.flood("GetHistoryRequest", 42)
    resp = get(http, big)
    assert resp.status_code == 429
    assert resp.headers["Retry-After"] == "42"
    assert "42" in resp.json()["detail"]


def test_flood_wait_during_the_stream_ends_with_an_error_frame_and_keeps_progress(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    sim.flood("GetHistoryRequest", 17, after=2)
    resp = get(http, big, chunk_size=50)
    assert resp.status_code == 200
    events = parse_sse(resp.text)
    assert events[-1].event == "error"
    assert events[-1].data["retry_after"] == 17 and events[-1].data["detail"]
    first = [m["message_id"] for m in messages_of(events)]
    want = expected_ids(world, big, 0, EVER)
    assert first == want[:200]  # the two pages fetched before the flood
    sim.reset_requests()
    rest = messages_of(parse_sse(get(http, big).text))
    assert [m["message_id"] for m in rest] == want  # exactly once, in order
    # The two stored pages (minus their last second) were covered: fewer pages walked.
    assert sim.requests["GetHistoryRequest"] <= 4


def test_a_disconnect_in_the_middle_of_a_range_keeps_only_complete_coverage(
    http: TestClient, sim: SimulatedTelegram, world: World, big: int
) -> None:
    rng = {"start_date": "2024-01-01", "end_date": "2024-12-31"}
    sim.disconnect_after("GetHistoryRequest", 3)
    events = parse_sse(get(http, big, **rng).text)
    assert events[-1].event == "error" and events[-1].data["retry_after"] is None
    want = expected_ids(world, big, 0, EVER)
    assert [m["message_id"] for m in messages_of(events)] == want[:300]
    again = messages_of(parse_sse(get(http, big, **rng).text))
    assert [m["message_id"] for m in again] == want
    sim.reset_requests()
    assert messages_of(parse_sse(get(http, big, **rng).text)) == again
    assert sim.requests["GetHistoryRequest"] == 0


def test_a_storage_failure_mid_stream_ends_with_a_503_error_frame(
    http: TestClient, stores: Any, world: World, big: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tgscraper.storage.ports import StorageError

    real = stores.messages.put_many
    calls = {"n": 0}

    def failing(items: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise StorageError("throttled")
        real(items)

    monkeypatch.setattr(stores.messages, "put_many", failing)
    events = parse_sse(get(http, big).text)
    assert events[-1].event == "error"
    assert events[-1].data["status"] == 503 and events[-1].data["retry_after"] == 1
    monkeypatch.setattr(stores.messages, "put_many", real)
    again = messages_of(parse_sse(get(http, big).text))
    assert [m["message_id"] for m in again] == expected_ids(world, big, 0, EVER)


def test_a_dialog_missing_from_the_entity_cache_is_found_by_listing_dialogs(
    any_settings: Any, stores: Any, sim: SimulatedTelegram, world: World, big: int
) -> None:
    from tests.support.history import history_app
    from tgscraper.storage.sessions import SessionRecord

    session = sim.authorized_session()
    assert session.auth_key is not None
    record = SessionRecord(session.dc_id, session.server_address, 443, session.auth_key.key)
    stores.sessions.save("cold_user", record)  # no entity cache at all
    http = TestClient(history_app(any_settings, stores, sim))
    headers = {"X-Telegram-Username": "cold_user"}
    resp = http.get(f"/api/v3/history/{big}", headers=headers)
    assert resp.status_code == 200
    ids = [m["message_id"] for m in messages_of(parse_sse(resp.text))]
    assert ids == expected_ids(world, big, 0, EVER)
    assert any(row.id == big for row in stores.sessions.entities("cold_user"))  # persisted
