"""The HTTP API over real MTProto on TCP: the demo flow, 2FA, DC migration and files,
with clients built by the production factory from TELEGRAM_SERVER-style settings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.app import build_container, create_local_app
from local.demo import _demo_servers, repoint_sessions, restore_logins, tcp_client_factory
from local.simtg import SimulatedTelegram
from local.simtg.net import NetServer, serve
from tgscraper.config import Settings
from tgscraper.container import Container

USER = {"X-Telegram-Username": "demo_user"}


@pytest.fixture
def demo_server() -> Iterator[NetServer]:
    with serve(SimulatedTelegram.demo()) as server:
        yield server


def _app(server: NetServer, data_dir: Path) -> TestClient:
    settings = Settings(data_dir=data_dir, demo_transport="tcp")
    container = Container(settings, client_factory=tcp_client_factory(server), mode="demo")
    return TestClient(create_local_app(settings, container, simulator=server.sim))


def _login(client: TestClient, two_factor: str | None = None) -> str:
    token = client.post("/api/v3/auth/qr", json={"username": "demo_user"}).json()["token"]
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "pending"
    body = {"two_factor_password": two_factor} if two_factor else None
    assert client.post(f"/api/v3/demo/qr/{token}/approve", json=body).status_code == 200
    return str(token)


def _sse_messages(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for line in text.splitlines():
        if line.startswith("data: ") and '"messages"' in line:
            out.extend(json.loads(line[6:])["messages"])
    return out


def test_demo_walkthrough_over_tcp(demo_server: NetServer, tmp_path: Path) -> None:
    sim = demo_server.sim
    client = _app(demo_server, tmp_path)
    token = _login(client)
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"
    found = client.get(
        "/api/v3/search/dialogs", params={"q": "Simulated Archive", "match": "exact"}, headers=USER
    ).json()
    archive = found["results"][0]
    resp = client.get(f"/api/v3/history/{archive['id']}", headers=USER)
    assert resp.status_code == 200
    messages = _sse_messages(resp.text)
    world_messages = sim.world.messages(archive["id"])
    assert [m["message_id"] for m in messages] == [m.id for m in world_messages]
    small = next(m for m in messages if m["media"] and m["media"]["size"] < 2_000_000)
    record = next(m for m in world_messages if m.id == small["message_id"])
    assert record.media is not None
    download = client.get(f"/api/v3/files/{small['media']['uuid']}", headers=USER)
    assert download.status_code == 200
    assert download.content == sim.world.media_bytes(record.media)
    assert demo_server.stats["auth_key_created"] >= 1  # real DH exchanges happened


def test_2fa_login_over_tcp(demo_server: NetServer, tmp_path: Path) -> None:
    client = _app(demo_server, tmp_path)
    token = _login(client, two_factor="hunter2")
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "password_required"
    wrong = client.post(f"/api/v3/auth/qr/{token}/2fa", json={"password": "nope"})
    assert wrong.json()["status"] == "password_required"  # a wrong password logs nobody in
    done = client.post(f"/api/v3/auth/qr/{token}/2fa", json={"password": "hunter2"})
    assert done.json()["status"] == "success"
    assert client.get("/api/v3/folders", headers=USER).json()[0]["title"] == "All Chats"


def test_account_on_another_dc_migrates_and_files_cross_dcs(tmp_path: Path) -> None:
    sim = SimulatedTelegram.demo()
    sim.world.me.dc_id = 4  # the account lives on DC 4; logins start on DC 2
    with serve(sim) as server:
        client = _app(server, tmp_path)
        token = _login(client)
        assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"
        assert server.connects[4] >= 1
        stored = Container(Settings(data_dir=tmp_path)).stores.sessions.load("demo_user")
        assert stored is not None and stored.dc_id == 4 and stored.port == server.dcs[4].port
        archive = next(d for d in sim.world.dialogs if d.username == "sim_archive")
        messages = _sse_messages(
            client.get(f"/api/v3/history/{archive.peer_id}", headers=USER).text
        )
        on_dc2 = next(
            m
            for m in sim.world.messages(archive.peer_id)
            if m.media and m.media.dc_id == 2 and m.media.size < 2_000_000
        )
        item = next(m for m in messages if m["message_id"] == on_dc2.id)
        sim.reset_requests()
        download = client.get(f"/api/v3/files/{item['media']['uuid']}", headers=USER)
        assert download.status_code == 200
        assert on_dc2.media is not None
        assert download.content == sim.world.media_bytes(on_dc2.media)
        assert sim.requests["ImportAuthorizationRequest"] >= 1  # exported to DC 2 for real


def test_runner_with_demo_transport_tcp(tmp_path: Path) -> None:
    try:
        container = build_container(Settings(data_dir=tmp_path, demo_transport="tcp"))
        client = TestClient(create_local_app(Settings(data_dir=tmp_path), container))
        token = _login(client)
        assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"
        assert client.get("/api/v3/folders", headers=USER).status_code == 200
    finally:
        _demo_servers.close()


def test_unknown_demo_transport_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="DEMO_TRANSPORT"):
        build_container(Settings(data_dir=tmp_path, demo_transport="carrier-pigeon"))


def test_logins_survive_a_tcp_demo_restart(tmp_path: Path) -> None:
    with serve(SimulatedTelegram.demo()) as first:
        client = _app(first, tmp_path)
        token = _login(client)
        assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"
    # A new process: new ports, a simulator that forgot every key.
    with serve(SimulatedTelegram.demo()) as second:
        sessions = Container(Settings(data_dir=tmp_path)).stores.sessions
        repoint_sessions(sessions, second)
        assert restore_logins(second.sim, sessions) == 1
        stored = sessions.load("demo_user")
        assert stored is not None and stored.port == second.dcs[stored.dc_id].port
        again = _app(second, tmp_path)
        assert again.get("/api/v3/folders", headers=USER).status_code == 200
