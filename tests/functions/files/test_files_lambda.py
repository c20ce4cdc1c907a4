"""On Lambda, bodies above the inline limit become a 307 to a presigned S3 URL (through
HTTP here; through the real handler and its sample event in test_files_handler.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests
from fastapi.testclient import TestClient

from local.simtg import World
from tests.support.files import ALICE, expected_bytes, index_media, media_message
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores

AS_ALICE = {"X-Telegram-Username": ALICE}
LIMIT = 64 * 1024


@pytest.fixture
def on_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tgscraper-files")
    monkeypatch.setenv("FILES_INLINE_MAX_BYTES", str(LIMIT))


@pytest.mark.usefixtures("on_lambda")
def test_large_bodies_redirect_to_a_presigned_url_or_stream_without_one(
    http: TestClient, any_settings: Settings, stores: Stores, world: World
) -> None:
    peer, msg = media_message(world, "document", max_size=2 << 20)
    assert msg.media is not None and msg.media.size > LIMIT
    entry = index_media(stores, ALICE, peer, msg)
    data = expected_bytes(world, msg)

    resp = http.get(f"/api/v3/files/{entry.uuid}", headers=AS_ALICE, follow_redirects=False)

    if any_settings.storage_backend == "embedded":
        # the folder store has no URL to hand out: the bytes are streamed instead
        assert resp.status_code == 200
        assert resp.content == data
        return
    assert resp.status_code == 307
    assert resp.headers["cache-control"] == "no-store"
    location = resp.headers["location"]
    url = urlparse(location)
    assert url.path.endswith(f"/{entry.object_key}") or entry.object_key in url.path
    query = parse_qs(url.query)
    assert query["response-content-type"] == [msg.media.mime_type]
    assert unquote(query["response-content-disposition"][0]).endswith(msg.media.filename or "")
    # AND following the redirect (curl -L) gives the file, Range included (moto serves S3)
    followed = requests.get(location, timeout=10)
    assert followed.status_code == 200
    assert followed.content == data
    assert followed.headers["content-type"] == msg.media.mime_type
    part = requests.get(location, headers={"Range": "bytes=10-19"}, timeout=10)
    assert part.status_code == 206 and part.content == data[10:20]


@pytest.mark.usefixtures("on_lambda")
def test_small_files_and_small_ranges_stay_inline_on_lambda(
    http: TestClient, stores: Stores, world: World
) -> None:
    small_peer, small = media_message(world, "sticker", max_size=LIMIT)
    small_entry = index_media(stores, ALICE, small_peer, small)
    resp = http.get(f"/api/v3/files/{small_entry.uuid}", headers=AS_ALICE, follow_redirects=False)
    assert resp.status_code == 200
    assert resp.content == expected_bytes(world, small)

    peer, big = media_message(world, "document", max_size=2 << 20)
    entry = index_media(stores, ALICE, peer, big)
    resp = http.get(
        f"/api/v3/files/{entry.uuid}",
        headers={**AS_ALICE, "Range": f"bytes=0-{LIMIT - 1}"},
        follow_redirects=False,
    )
    assert resp.status_code == 206
    assert resp.content == expected_bytes(world, big)[:LIMIT]


def test_off_lambda_large_files_are_always_streamed(
    http: TestClient, stores: Stores, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FILES_INLINE_MAX_BYTES", str(LIMIT))  # ignored off Lambda
    peer, msg = media_message(world, "document", max_size=2 << 20)
    entry = index_media(stores, ALICE, peer, msg)
    resp = http.get(f"/api/v3/files/{entry.uuid}", headers=AS_ALICE, follow_redirects=False)
    assert resp.status_code == 200
    assert resp.content == expected_bytes(world, msg)
