"""The demo world fits the API reference's examples (docs/api-v3.md), through HTTP: a
"Programming" channel and supergroup found by the workflow's search, an archive channel
with messages from January 2024 (and in the mid-June 2024 window), a 200,000-message
channel generated only when read, and `/` + `/health` naming these dialogs (demo only)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from local.app import create_local_app
from local.demo import demo_client_factory
from local.simtg import SimulatedTelegram
from local.simtg.demo import LONG_MESSAGES
from tgscraper.config import Settings
from tgscraper.container import Container

USER = {"X-Telegram-Username": "world_user"}
API = "/api/v3"


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram.demo()


@pytest.fixture
def client(sim: SimulatedTelegram, tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path)
    container = Container(settings, client_factory=demo_client_factory(sim), mode="demo")
    http = TestClient(create_local_app(settings, container, simulator=sim))
    token = http.post(f"{API}/auth/qr", json={"username": "world_user"}).json()["token"]
    http.get(f"{API}/auth/qr/{token}")
    assert http.post(f"{API}/demo/qr/{token}/approve").status_code == 200
    assert http.get(f"{API}/auth/qr/{token}").json()["status"] == "success"
    return http


def _notable(http: TestClient) -> dict[str, dict]:  # type: ignore[type-arg]
    return {d["username"]: d for d in http.get("/health").json()["demo"]["notable_dialogs"]}


def _messages(http: TestClient, dialog: int, **params: str) -> list[dict]:  # type: ignore[type-arg]
    resp = http.get(f"{API}/history/{dialog}", params=params, headers=USER)
    assert resp.status_code == 200, resp.text
    found: list[dict] = []  # type: ignore[type-arg]
    for line in resp.text.splitlines():
        if line.startswith("data:"):
            found.extend(json.loads(line[5:]).get("messages", []))
    return found


def test_workflow_search_finds_a_programming_channel_and_supergroup(client: TestClient) -> None:
    found = client.get(
        f"{API}/search/dialogs?q=programming&type=channel&type=supergroup", headers=USER
    ).json()
    kinds = {(r["type"], r["title"]) for r in found["results"]}
    assert ("channel", "Programming") in kinds
    assert ("supergroup", "Programming Chat") in kinds
    channel = next(r for r in found["results"] if r["title"] == "Programming")
    assert _messages(client, channel["id"], start_date="2025-01-01", chunk_size="200")


def test_archive_has_the_reference_date_ranges(client: TestClient) -> None:
    archive = _notable(client)["sim_archive"]["id"]
    january = _messages(client, archive, start_date="2024-01-01", end_date="2024-01-31")
    assert january
    assert all(m["date"].startswith("2024-01") for m in january)
    afternoon = _messages(
        client, archive, start_date="2024-06-15 12:00:00", end_date="2024-06-15 18:00:00"
    )
    assert afternoon
    assert all("2024-06-15 12:00:00" <= m["date"] <= "2024-06-15 18:00:00" for m in afternoon)


def test_long_channel_has_200k_messages_generated_only_when_read(
    client: TestClient, sim: SimulatedTelegram
) -> None:
    long_id = _notable(client)["sim_long_history"]["id"]
    assert not sim.world.is_generated(long_id)  # /health named it without building it
    found = client.get(
        f"{API}/search/dialogs", params={"q": "Long History", "match": "exact"}, headers=USER
    ).json()
    assert [r["id"] for r in found["results"]] == [long_id]
    assert found["results"][0]["message_count"] >= LONG_MESSAGES
    one_day = _messages(client, long_id, start_date="2024-03-01", end_date="2024-03-01 23:59:59")
    assert 0 < len(one_day) < 1_000  # a date range reads a slice, not the whole history


def test_index_and_health_name_the_notable_dialogs_in_demo_mode(
    client: TestClient, sim: SimulatedTelegram
) -> None:
    index = client.get("/").json()
    health = client.get("/health").json()
    assert index["demo"] == health["demo"]
    notable = _notable(client)
    assert set(notable) == {
        "sim_archive",
        "sim_programming",
        "sim_programming_chat",
        "sim_long_history",
    }
    for username, entry in notable.items():
        found = client.get(
            f"{API}/search/dialogs", params={"q": entry["title"], "match": "exact"}, headers=USER
        ).json()
        assert entry["id"] in [r["id"] for r in found["results"]], username
        assert entry["about"]
    assert "/api/v3/demo/qr/{token}/approve" in health["demo"]["message"]


def test_real_mode_answers_the_documented_shapes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, telegram_api_id=1, telegram_api_hash="h")
    http = TestClient(create_local_app(settings))
    assert "demo" not in http.get("/health").json()
    assert "demo" not in http.get("/").json()


def test_readme_demo_table_shows_the_served_ids(client: TestClient) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### The demo world", 1)[1].split("\n## ", 1)[0]
    shown = dict(re.findall(r"`@(\w+)`[^|]*\| `(-?\d+)`", section))
    served = {name: str(entry["id"]) for name, entry in _notable(client).items()}
    assert shown == served


def test_showcase_row_search_finds_the_showcase(client: TestClient) -> None:
    found = client.get(f"{API}/search/dialogs", params={"q": "showcase"}, headers=USER).json()
    assert "Showcase News" in [r["title"] for r in found["results"]]
