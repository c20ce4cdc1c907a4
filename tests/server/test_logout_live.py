"""Logout over a real uvicorn on 127.0.0.1 (the local runner's config), demo mode."""

from __future__ import annotations

from pathlib import Path

import httpx

from local.app import create_local_app
from local.demo import demo_client_factory
from local.simtg import SimulatedTelegram
from tests.server.live import live_server
from tgscraper.config import Settings
from tgscraper.container import Container

USER = {"X-Telegram-Username": "alice"}


def test_login_history_logout_then_history_is_401(tmp_path: Path) -> None:
    """GIVEN a user who logged in by QR and read a channel's history over HTTP
    WHEN they send DELETE /api/v3/auth/session
    THEN 200 "logged_out" (Telegram told, data deleted), the same history request is a
    401 with a detail saying to log in, and a second logout is 200 again."""
    sim = SimulatedTelegram.demo()
    settings = Settings(data_dir=tmp_path)
    container = Container(settings, client_factory=demo_client_factory(sim), mode="demo")
    app = create_local_app(settings, container, simulator=sim)
    with (
        live_server(app, settings) as live,
        httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=30) as http,
    ):
        token = http.post("/api/v3/auth/qr", json={"username": "alice"}).json()["token"]
        assert http.post(f"/api/v3/demo/qr/{token}/approve").status_code == 200
        assert http.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"
        dialog = next(d for d in sim.world.dialogs if d.username == "sim_archive").peer_id
        history = http.get(f"/api/v3/history/{dialog}", headers=USER)
        assert history.status_code == 200 and '"messages"' in history.text

        out = http.delete("/api/v3/auth/session", headers=USER)

        assert out.status_code == 200, out.text
        assert out.json()["status"] == "logged_out"
        assert out.json()["telegram_logged_out"] is True
        assert out.json()["data_deleted"] is True
        after = http.get(f"/api/v3/history/{dialog}", headers=USER)
        assert after.status_code == 401
        assert "log in" in after.json()["detail"]
        again = http.delete("/api/v3/auth/session", headers=USER)
        assert again.status_code == 200 and set(again.json()) == set(out.json())
