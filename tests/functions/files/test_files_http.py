"""GET /api/v3/files/{uuid} through HTTP, on both adapter sets, Telegram simulated."""

from __future__ import annotations

import uuid as uuidlib
from urllib.parse import unquote

from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.files import (
    ALICE,
    BOB,
    expected_bytes,
    filename_of,
    index_media,
    media_message,
)
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores

AS_ALICE = {"X-Telegram-Username": ALICE}
AS_BOB = {"X-Telegram-Username": BOB}


def _url(media_id: str) -> str:
    return f"/api/v3/files/{media_id}"


def test_first_request_downloads_then_serves_from_storage(
    http: TestClient, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    # GIVEN a document alice's history indexed but nobody downloaded yet
    peer, msg = media_message(world, "document")
    entry = index_media(stores, ALICE, peer, msg)
    assert stores.blobs.size(entry.object_key) is None

    # WHEN alice asks for it
    resp = http.get(_url(entry.uuid), headers=AS_ALICE)

    # THEN she gets the exact bytes with the file's headers, fetched from Telegram once
    assert resp.status_code == 200
    assert resp.content == expected_bytes(world, msg)
    assert resp.headers["content-type"] == msg.media.mime_type  # type: ignore[union-attr]
    assert resp.headers["content-length"] == str(len(resp.content))
    assert resp.headers["accept-ranges"] == "bytes"
    assert filename_of(msg.media) in resp.headers["content-disposition"]  # type: ignore[arg-type]
    assert resp.headers["content-disposition"].startswith("attachment;")
    assert resp.headers["etag"] == f'"{entry.uuid}-{len(resp.content)}"'
    assert sim.requests["GetFileRequest"] >= 1
    assert stores.blobs.size(entry.object_key) == len(resp.content)

    # AND a second request is served from storage without any Telegram call
    sim.reset_requests()
    again = http.get(_url(entry.uuid), headers=AS_ALICE)
    assert again.status_code == 200
    assert again.content == resp.content
    assert sum(sim.requests.values()) == 0


def test_photos_download_their_full_size(http: TestClient, stores: Stores, world: World) -> None:
    peer, msg = media_message(world, "photo", dialog_kind="channel")
    entry = index_media(stores, ALICE, peer, msg)
    resp = http.get(_url(entry.uuid), headers=AS_ALICE)
    assert resp.status_code == 200
    assert resp.content == expected_bytes(world, msg)
    assert resp.headers["content-type"] == "image/jpeg"


def test_another_users_uuid_is_exactly_as_unknown_as_a_made_up_one(
    http: TestClient, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg = media_message(world, "document")
    entry = index_media(stores, ALICE, peer, msg)
    sim.reset_requests()

    stolen = http.get(_url(entry.uuid), headers=AS_BOB)
    made_up_id = str(uuidlib.uuid4())
    made_up = http.get(_url(made_up_id), headers=AS_BOB)

    assert stolen.status_code == made_up.status_code == 404
    assert stolen.json()["detail"].replace(entry.uuid, "X") == made_up.json()["detail"].replace(
        made_up_id, "X"
    )
    assert set(stolen.headers) == set(made_up.headers)
    assert sum(sim.requests.values()) == 0  # nothing was fetched for bob
    assert stores.blobs.size(entry.object_key) is None


def test_requests_without_a_logged_in_user_are_401(http: TestClient, stores: Stores) -> None:
    some_id = str(uuidlib.uuid4())
    assert http.get(_url(some_id)).status_code == 401
    resp = http.get(_url(some_id), headers={"X-Telegram-Username": "nobody"})
    assert resp.status_code == 401
    assert "detail" in resp.json()


def test_non_ascii_filenames_survive_in_content_disposition(
    http: TestClient, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    name = "Отчёт «2024» 写真.pdf"
    media = world.new_media("document", 70_000, filename=name, mime_type="application/pdf")
    peer = world.dialogs[0].peer_id
    msg = sim.add_message(peer, "the report", media=media)
    entry = index_media(stores, ALICE, peer, msg)

    resp = http.get(_url(entry.uuid), headers=AS_ALICE)

    assert resp.status_code == 200
    disposition = resp.headers["content-disposition"]
    assert disposition.isascii()
    plain, _, encoded = disposition.partition("; filename*=UTF-8''")
    assert unquote(encoded) == name
    assert plain.startswith('attachment; filename="') and plain.endswith('.pdf"')


def test_media_deleted_on_telegram_is_404_with_a_reason(
    http: TestClient, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg = media_message(world, "document")
    entry = index_media(stores, ALICE, peer, msg)
    sim.delete_message(peer, msg.id)

    resp = http.get(_url(entry.uuid), headers=AS_ALICE)

    assert resp.status_code == 404
    assert "no longer available" in resp.json()["detail"]
    assert stores.blobs.size(entry.object_key) is None


def test_flood_wait_is_429_with_retry_after_and_stores_nothing(
    http: TestClient, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg = media_message(world, "document")
    entry = index_media(stores, ALICE, peer, msg)
    sim.flood("GetFileRequest", 42)

    resp = http.get(_url(entry.uuid), headers=AS_ALICE)

    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "42"
    assert "detail" in resp.json()
    assert stores.blobs.size(entry.object_key) is None
    # once Telegram lets us through again, the file arrives whole
    resp = http.get(_url(entry.uuid), headers=AS_ALICE)
    assert resp.status_code == 200
    assert resp.content == expected_bytes(world, msg)


def test_flood_wait_while_connecting_is_429_too(
    http: TestClient, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    peer, msg = media_message(world, "photo")
    entry = index_media(stores, ALICE, peer, msg)
    sim.flood("GetConfigRequest", 30)  # answered during client.connect()

    resp = http.get(_url(entry.uuid), headers=AS_ALICE)

    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "30"
    assert http.get(_url(entry.uuid), headers=AS_ALICE).content == expected_bytes(world, msg)


def _leftovers(settings: Settings, stores: Stores) -> list[str]:
    """Anything a download left in storage: files (even temporary) or S3 uploads."""
    if settings.storage_backend == "embedded":
        root = settings.data_dir / "media"
        return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []
    import boto3

    s3 = boto3.client("s3")
    objects = s3.list_objects_v2(Bucket=settings.media_bucket).get("Contents", [])
    uploads = s3.list_multipart_uploads(Bucket=settings.media_bucket).get("Uploads", [])
    return [o["Key"] for o in objects] + [u["Key"] for u in uploads]


def test_interrupted_download_is_502_and_never_visible(
    http: TestClient,
    any_settings: Settings,
    stores: Stores,
    sim: SimulatedTelegram,
    world: World,
) -> None:
    # GIVEN a file of several parts whose connection drops on the third part
    peer, msg = media_message(world, "document", max_size=4 << 20)
    assert msg.media is not None and msg.media.size > 600_000
    entry = index_media(stores, ALICE, peer, msg)
    sim.disconnect_after("GetFileRequest", 2)

    resp = http.get(_url(entry.uuid), headers=AS_ALICE)

    # THEN the client hears Telegram failed and storage holds nothing under the key
    assert resp.status_code == 502
    assert "detail" in resp.json()
    assert stores.blobs.size(entry.object_key) is None
    assert _leftovers(any_settings, stores) == []
    # AND the next request downloads it whole
    resp = http.get(_url(entry.uuid), headers=AS_ALICE)
    assert resp.status_code == 200
    assert resp.content == expected_bytes(world, msg)
