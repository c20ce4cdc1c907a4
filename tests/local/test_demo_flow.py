"""Demo mode end to end over HTTP: QR login approved by the demo phone, dialog search,
history as SSE, and a media download whose bytes match the simulated world exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from local.app import create_local_app
from local.demo import demo_client_factory, restore_logins
from local.simtg import SimulatedTelegram
from tgscraper.config import Settings
from tgscraper.container import Container

USER = {"X-Telegram-Username": "demo_user"}


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram.demo()


def _app(sim: SimulatedTelegram, data_dir: Path) -> TestClient:
    settings = Settings(data_dir=data_dir)
    container = Container(settings, client_factory=demo_client_factory(sim), mode="demo")
    return TestClient(create_local_app(settings, container, simulator=sim))


def _login(client: TestClient, two_factor: str | None = None) -> str:
    token = client.post("/api/v3/auth/qr", json={"username": "demo_user"}).json()["token"]
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "pending"
    body = {"two_factor_password": two_factor} if two_factor else None
    approved = client.post(f"/api/v3/demo/qr/{token}/approve", json=body)
    assert approved.status_code == 200 and approved.json()["approved"] is True
    return token


def _sse_messages(text: str) -> list[dict]:  # type: ignore[type-arg]
    messages: list[dict] = []  # type: ignore[type-arg]
    for frame in text.split("\n\n"):
        for line in frame.splitlines():
            if line.startswith("data: ") and '"messages"' in line:
                messages.extend(json.loads(line[6:])["messages"])
    return messages


def test_walkthrough_login_search_history_download(sim: SimulatedTelegram, tmp_path: Path) -> None:
    client = _app(sim, tmp_path)
    assert client.get("/health").json()["mode"] == "demo"
    token = _login(client)
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"

    found = client.get(
        "/api/v3/search/dialogs", params={"q": "Simulated Archive", "match": "exact"}, headers=USER
    ).json()
    assert found["total"] == 1
    archive = found["results"][0]
    expected = next(d for d in sim.world.dialogs if d.username == "sim_archive")
    assert archive["id"] == expected.peer_id
    assert archive["message_count"] == expected.message_count

    resp = client.get(f"/api/v3/history/{archive['id']}", headers=USER)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/event-stream")
    messages = _sse_messages(resp.text)
    world_messages = sim.world.messages(archive["id"])
    assert [m["message_id"] for m in messages] == [m.id for m in world_messages]

    with_media = [m for m in messages if m["media"] and m["media"]["size"] < 2_000_000]
    assert with_media, "the demo archive has small media"
    media = with_media[0]["media"]
    record = next(m for m in world_messages if m.id == with_media[0]["message_id"])
    assert record.media is not None
    download = client.get(f"/api/v3/files/{media['uuid']}", headers=USER)
    assert download.status_code == 200
    assert download.content == sim.world.media_bytes(record.media)


def test_demo_login_with_two_factor_password(sim: SimulatedTelegram, tmp_path: Path) -> None:
    client = _app(sim, tmp_path)
    token = _login(client, two_factor="hunter2")
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "password_required"
    done = client.post(f"/api/v3/auth/qr/{token}/2fa", json={"password": "hunter2"})
    assert done.json()["status"] == "success"
    assert client.get("/api/v3/folders", headers=USER).json()[0]["title"] == "All Chats"


def test_approving_an_unknown_token_is_404(sim: SimulatedTelegram, tmp_path: Path) -> None:
    resp = _app(sim, tmp_path).post("/api/v3/demo/qr/nosuchtoken/approve")
    assert resp.status_code == 404
    assert "No pending QR login" in resp.json()["detail"]


def test_demo_routes_are_absent_in_real_mode(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, telegram_api_id=1, telegram_api_hash="h")
    client = TestClient(create_local_app(settings))
    assert client.get("/health").json()["mode"] == "telegram"
    assert client.post("/api/v3/demo/qr/abc/approve").status_code == 404


def test_logins_survive_a_demo_restart(sim: SimulatedTelegram, tmp_path: Path) -> None:
    client = _app(sim, tmp_path)
    token = _login(client)
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"
    fresh_sim = SimulatedTelegram.demo()  # a new process: the simulator forgot every key
    stores = Container(Settings(data_dir=tmp_path)).stores
    assert restore_logins(fresh_sim, stores.sessions) == 1
    again = _app(fresh_sim, tmp_path)
    assert again.get("/api/v3/folders", headers=USER).status_code == 200


def test_logins_survive_a_demo_restart_in_aws_mode(aws_settings: Settings) -> None:
    """DynamoDB holds the login; the restarted simulator forgot the key. The same
    username works without logging in again (the key is restored on first use)."""
    sim = SimulatedTelegram.demo()
    container = Container(aws_settings, client_factory=demo_client_factory(sim), mode="demo")
    client = TestClient(create_local_app(aws_settings, container, simulator=sim))
    token = _login(client)
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"
    before = client.get("/api/v3/folders", headers=USER)
    assert before.status_code == 200

    fresh_sim = SimulatedTelegram.demo()  # a new process: the simulator forgot every key
    restarted = Container(aws_settings, client_factory=demo_client_factory(fresh_sim), mode="demo")
    again = TestClient(create_local_app(aws_settings, restarted, simulator=fresh_sim))
    after = again.get("/api/v3/folders", headers=USER)
    assert after.status_code == 200, after.text
    assert after.json() == before.json()
    found = again.get("/api/v3/search/dialogs", params={"q": "a"}, headers=USER)
    assert found.status_code == 200 and found.json()["total"] > 0


def test_a_restart_restores_only_stored_logins_not_any_key(aws_settings: Settings) -> None:
    """A user that never logged in stays 401 after a restart; a fresh QR login still
    needs the phone's approval (restoring never authorizes a key nobody stored)."""
    fresh_sim = SimulatedTelegram.demo()
    container = Container(aws_settings, client_factory=demo_client_factory(fresh_sim), mode="demo")
    client = TestClient(create_local_app(aws_settings, container, simulator=fresh_sim))
    assert client.get("/api/v3/folders", headers=USER).status_code == 401
    token = client.post("/api/v3/auth/qr", json={"username": "demo_user"}).json()["token"]
    for _ in range(2):
        assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "pending"
