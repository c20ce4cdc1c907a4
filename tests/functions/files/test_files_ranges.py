"""Range, If-Range and If-None-Match on GET /api/v3/files/{uuid}, and malformed uuids."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.files import ALICE, expected_bytes, files_app, index_media, log_in, media_message
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores, build_embedded_stores

AS_ALICE = {"X-Telegram-Username": ALICE}


@pytest.fixture
def any_settings(embedded_settings: Settings) -> Settings:
    """HTTP range logic is the same on both adapter sets (S3 ranged reads are covered by
    the BlobStore contract and the handler tests), so these run on the embedded set."""
    return embedded_settings


@pytest.fixture
def stored(http: TestClient, stores: Stores, world: World) -> tuple[str, bytes]:
    """A document already downloaded once: (url, its bytes)."""
    peer, msg = media_message(world, "document", max_size=600_000)
    entry = index_media(stores, ALICE, peer, msg)
    url = f"/api/v3/files/{entry.uuid}"
    assert http.get(url, headers=AS_ALICE).status_code == 200
    return url, expected_bytes(world, msg)


def _get(http: TestClient, url: str, **headers: str) -> Any:
    return http.get(url, headers={**AS_ALICE, **headers})


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=1000-", 1000, None), ("bytes=-500", -500, None)],
)
def test_a_single_range_is_206_with_content_range(
    http: TestClient, stored: tuple[str, bytes], header: str, first: int, last: int | None
) -> None:
    url, data = stored
    size = len(data)
    resp = _get(http, url, Range=header)
    start = first if first >= 0 else size + first
    end = size - 1 if last is None else last
    assert resp.status_code == 206
    assert resp.content == data[start : end + 1]
    assert resp.headers["content-range"] == f"bytes {start}-{end}/{size}"
    assert resp.headers["content-length"] == str(end + 1 - start)
    assert resp.headers["accept-ranges"] == "bytes"


def test_a_range_past_the_end_is_clipped(http: TestClient, stored: tuple[str, bytes]) -> None:
    url, data = stored
    resp = _get(http, url, Range=f"bytes={len(data) - 10}-{len(data) * 2}")
    assert resp.status_code == 206
    assert resp.content == data[-10:]


@pytest.mark.parametrize("header", ["bytes={size}-", "bytes={size}-{size}", "bytes=-0"])
def test_unsatisfiable_ranges_are_416_with_the_size(
    http: TestClient, stored: tuple[str, bytes], header: str
) -> None:
    url, data = stored
    resp = _get(http, url, Range=header.format(size=len(data)))
    assert resp.status_code == 416
    assert resp.headers["content-range"] == f"bytes */{len(data)}"
    assert "not satisfiable" in resp.json()["detail"]


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=9-3", "lines=1-2", "garbage"])
def test_multiple_or_invalid_ranges_get_the_whole_file(
    http: TestClient, stored: tuple[str, bytes], header: str
) -> None:
    url, data = stored
    resp = _get(http, url, Range=header)
    assert resp.status_code == 200
    assert resp.content == data
    assert "content-range" not in resp.headers


def test_if_range_with_a_stale_etag_gets_the_whole_file(
    http: TestClient, stored: tuple[str, bytes]
) -> None:
    url, data = stored
    etag = _get(http, url).headers["etag"]
    fresh = _get(http, url, Range="bytes=0-9", **{"If-Range": etag})
    assert fresh.status_code == 206 and fresh.content == data[:10]
    stale = _get(http, url, Range="bytes=0-9", **{"If-Range": '"something-else"'})
    assert stale.status_code == 200 and stale.content == data


def test_if_none_match_with_the_etag_is_304_without_body(
    http: TestClient, stored: tuple[str, bytes]
) -> None:
    url, _ = stored
    etag = _get(http, url).headers["etag"]
    resp = _get(http, url, **{"If-None-Match": etag})
    assert resp.status_code == 304
    assert resp.content == b""
    assert resp.headers["etag"] == etag


class _Untouchable:
    """A store that fails the test if anything reaches it."""

    def __init__(self) -> None:
        self.touched: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.touched.append(name)
        raise AssertionError(f"storage accessed: {name}")


@pytest.mark.parametrize(
    "bad",
    ["not-a-uuid", "..%2F..%2Fetc%2Fpasswd", "x" * 36, "6f1c2a4e1d0b5e8e9a570c3f1b2d7e64", "%00"],
)
def test_malformed_uuids_are_404_without_touching_storage(
    embedded_settings: Settings, sim: SimulatedTelegram, bad: str
) -> None:
    real = build_embedded_stores(embedded_settings)
    log_in(real, sim, ALICE)
    spy_media, spy_blobs = _Untouchable(), _Untouchable()
    real.media, real.blobs = spy_media, spy_blobs  # type: ignore[assignment]
    http = TestClient(files_app(embedded_settings, real, sim))
    sim.reset_requests()

    resp = http.get(f"/api/v3/files/{bad}", headers=AS_ALICE)

    assert resp.status_code == 404
    assert "not found" in resp.json()["detail"].lower()
    assert spy_media.touched == spy_blobs.touched == []
    assert sum(sim.requests.values()) == 0
