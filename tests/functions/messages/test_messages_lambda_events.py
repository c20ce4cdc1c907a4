"""The messages Lambda handler replaying its events/ samples, on DynamoDB/S3 under moto."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.messages import app as messages_app
from local.simtg import SimulatedTelegram, World
from local.simtg.search import matching
from tests.support.history import container, log_in
from tgscraper.config import Settings
from tgscraper.media.index import MediaIndex
from tgscraper.storage.factory import Stores, build_aws_stores

EVENTS = Path(__file__).resolve().parents[3] / "events"
LAMBDA_USER = "john_doe"


def invoke(name: str, query: str | None = None) -> tuple[int, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    if query is not None:
        event["rawQueryString"] = query
        event["queryStringParameters"] = dict(p.split("=", 1) for p in query.split("&"))
    # Like the Lambda runtime, the handler runs with a current event loop of its own.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        resp = messages_app.handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return resp["statusCode"], json.loads(resp["body"])


@pytest.fixture
def aws_stores(aws_settings: Settings) -> Stores:
    return build_aws_stores(aws_settings)


@pytest.fixture
def lambda_sim(
    aws_settings: Settings,
    aws_stores: Stores,
    sim: SimulatedTelegram,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SimulatedTelegram]:
    log_in(aws_stores, sim, LAMBDA_USER)
    monkeypatch.setattr(
        messages_app.app.state, "container", container(aws_settings, aws_stores, sim)
    )
    yield sim


def test_search_event_finds_what_the_world_holds(
    lambda_sim: SimulatedTelegram, world: World, aws_stores: Stores
) -> None:
    status, body = invoke("messages_search.json")
    assert status == 200, body
    found = [m for d in world.dialogs for m in matching(world.history(d.peer_id), "release")]
    found.sort(key=lambda m: (int(m.date.timestamp()), m.peer_id, m.id), reverse=True)
    got = [(r["dialog"]["id"], r["message"]["message_id"]) for r in body["results"]]
    assert got == [(m.peer_id, m.id) for m in found][:5]
    assert body["count"] == len(found)
    # Found media are indexed in DynamoDB, so the files function can serve them.
    index = MediaIndex(aws_stores.media)
    uuids = [r["message"]["media"]["uuid"] for r in body["results"] if r["message"]["media"]]
    assert uuids, "the sample event should find a message with media"
    for uuid in uuids:
        assert index.get(LAMBDA_USER, uuid) is not None


def test_cache_search_is_a_clear_400_on_lambda(lambda_sim: SimulatedTelegram) -> None:
    status, body = invoke("messages_search.json", "q=release&source=cache")
    assert status == 400
    assert "embedded" in body["detail"]
