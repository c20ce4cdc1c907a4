"""The files Lambda handler under moto: events/files_get.json replayed through
functions.files.app.handler with DynamoDB/S3 stores and the simulated Telegram."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from functions.files import app as files_app
from local.simtg import SimulatedTelegram, World
from tests.support.files import container, expected_bytes, index_media, log_in, small_world
from tgscraper.config import Settings
from tgscraper.media.index import MediaEntry
from tgscraper.storage.factory import Stores, build_aws_stores

EVENT = Path(__file__).resolve().parents[3] / "events" / "files_get.json"
USER = "john_doe"  # the sample event's X-Telegram-Username
SIX_MB = 6 * 1024 * 1024


@pytest.fixture
def world() -> World:
    return small_world()


@pytest.fixture
def sim(world: World) -> SimulatedTelegram:
    return SimulatedTelegram(world)


@pytest.fixture
def aws_stores(
    aws_settings: Settings, sim: SimulatedTelegram, monkeypatch: pytest.MonkeyPatch
) -> Stores:
    """The handler's app wired to moto's DynamoDB/S3 and the sim, running 'on Lambda'."""
    stores = build_aws_stores(aws_settings)
    log_in(stores, sim, USER)
    monkeypatch.setattr(files_app.app.state, "container", container(aws_settings, stores, sim))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tgscraper-files")
    monkeypatch.delenv("FILES_INLINE_MAX_BYTES", raising=False)
    return stores


def _invoke(media_id: str, **headers: str) -> dict[str, Any]:
    event = json.loads(EVENT.read_text())
    old = event["pathParameters"]["uuid"]
    event["rawPath"] = event["rawPath"].replace(old, media_id)
    event["requestContext"]["http"]["path"] = event["rawPath"]
    event["pathParameters"]["uuid"] = media_id
    event["headers"].update({k.lower(): v for k, v in headers.items()})
    response: dict[str, Any] = files_app.handler(event, None)
    return response


def _body(response: dict[str, Any]) -> bytes:
    body = response["body"]
    return base64.b64decode(body) if response["isBase64Encoded"] else body.encode()


def _document(world: World, sim: SimulatedTelegram, stores: Stores, size: int) -> MediaEntry:
    """A new message with a document of `size` bytes, indexed for USER."""
    media = world.new_media("document", size, filename="dataset.bin", mime_type="application/zip")
    peer = world.dialogs[0].peer_id
    return index_media(stores, USER, peer, sim.add_message(peer, "data", media=media))


def _bytes_of(world: World, entry: MediaEntry) -> bytes:
    msg = world.history(entry.dialog_id).get(entry.message_id)
    assert msg is not None
    return expected_bytes(world, msg)


def test_sample_event_downloads_then_serves_the_file(
    aws_stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    entry = _document(world, sim, aws_stores, 300_000)
    data = _bytes_of(world, entry)

    first = _invoke(entry.uuid)

    assert first["statusCode"] == 200
    assert _body(first) == data
    assert first["headers"]["content-type"] == "application/zip"
    assert first["headers"]["content-length"] == str(len(data))
    assert first["headers"]["content-disposition"] == 'attachment; filename="dataset.bin"'
    assert first["headers"]["etag"] == f'"{entry.uuid}-{len(data)}"'
    assert aws_stores.blobs.size(entry.object_key) == len(data)
    sim.reset_requests()
    again = _invoke(entry.uuid, Range="bytes=100-199")
    assert again["statusCode"] == 206
    assert _body(again) == data[100:200]
    assert again["headers"]["content-range"] == f"bytes 100-199/{len(data)}"
    assert sum(sim.requests.values()) == 0


def test_files_above_the_lambda_limit_redirect_and_ranges_below_it_stay_inline(
    aws_stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    # GIVEN a 5 MiB file: 6.7 MB once base64-encoded, more than Lambda can return
    entry = _document(world, sim, aws_stores, 5 * 1024 * 1024)

    whole = _invoke(entry.uuid)

    assert whole["statusCode"] == 307
    location = whole["headers"]["location"]
    assert entry.object_key in location and "Signature" in location
    # AND a 4 MiB range (the limit) comes back inline within Lambda's 6 MB payload cap
    part = _invoke(entry.uuid, Range=f"bytes=0-{4 * 1024 * 1024 - 1}")
    assert part["statusCode"] == 206
    assert len(_body(part)) == 4 * 1024 * 1024
    assert len(json.dumps(part)) < SIX_MB


def test_another_users_uuid_is_404_through_the_handler(
    aws_stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    log_in(aws_stores, sim, "someone_else")
    theirs = _document(world, sim, aws_stores, 1000)
    mine = _invoke(theirs.uuid)
    assert mine["statusCode"] == 200
    event_other = _invoke(theirs.uuid, **{"X-Telegram-Username": "someone_else"})
    assert event_other["statusCode"] == 404
    assert json.loads(event_other["body"]) == {"detail": f"Media file {theirs.uuid} not found"}


@pytest.mark.parametrize(
    ("headers", "status"), [({"Range": "bytes=999999-"}, 416), ({"X-Telegram-Username": ""}, 401)]
)
def test_errors_through_the_handler_are_json_detail(
    aws_stores: Stores, sim: SimulatedTelegram, world: World, headers: dict[str, str], status: int
) -> None:
    entry = _document(world, sim, aws_stores, 1000)
    resp = _invoke(entry.uuid, **headers)
    assert resp["statusCode"] == status
    assert "detail" in json.loads(resp["body"])
    if status == 416:
        assert resp["headers"]["content-range"] == "bytes */1000"
