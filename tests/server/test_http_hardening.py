"""Issue 14 items 1, 2, 11, 12 against a real server: the whole local app (demo mode,
embedded store) under the local runner's uvicorn configuration on 127.0.0.1, spoken to
over raw sockets so keep-alive, malformed requests and half-sent heads are real."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.adversarial.rig import Rig, new_rig
from tests.server.live import Live, json_detail, live_server, read_response, request
from tests.support.files import index_media, media_message
from tests.support.history import ALICE
from tgscraper.config import Settings

API = "/api/v3"
USER = {"X-Telegram-Username": ALICE}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Rig:
    data = tmp_path_factory.mktemp("hardening") / "data"
    settings = Settings(
        storage_backend="embedded", data_dir=data, http_header_timeout=1, http_max_connections=20
    )
    return new_rig(settings)


@pytest.fixture(scope="module")
def live(rig: Rig) -> Iterator[Live]:
    with live_server(rig.app(), rig.settings) as server:
        yield server


@pytest.fixture(scope="module")
def media_uuid(rig: Rig) -> str:
    peer, msg = media_message(rig.world, "document")
    return index_media(rig.raw, ALICE, peer, msg).uuid


def _get(live: Live, target: str, headers: dict[str, str | bytes] | None = None) -> httpx.Response:
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=20) as client:
        return client.get(target, headers={**USER, **(headers or {})})


def _detail(resp: httpx.Response, status: int) -> str:
    assert resp.status_code == status, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str), body
    return str(body["detail"])


# -- item 1 / 12: numbers are ASCII digits of bounded length, never a 500 ------------------


@pytest.mark.parametrize("value", ["--1", "---0", "²", "①", "٣", "0" * 5000, "9" * 5000, "+3"])
def test_malformed_folder_ids_are_400(live: Live, value: str) -> None:
    detail = _detail(_get(live, f"{API}/search/dialogs?folder={quote(value)}"), 400)
    assert "folder" in detail


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("limit", "٣"),
        ("limit", "1_0"),
        ("offset", "0" * 5000),
        ("min_messages", "²"),
        ("max_participants", " 5"),
    ],
)
def test_malformed_search_numbers_are_400(live: Live, name: str, value: str) -> None:
    detail = _detail(_get(live, f"{API}/search/dialogs?{name}={quote(value)}"), 400)
    assert name in detail


@pytest.mark.parametrize(
    "query",
    ["start_date=٢٠٢٥-٠٥-٣١", "end_date=2024-0٥-31", "chunk_size=١٠", "after_id=" + "9" * 5000],
)
def test_malformed_history_numbers_are_400(live: Live, rig: Rig, query: str) -> None:
    if query.startswith("after_id"):
        query += "&start_date=2024-01-01"
    resp = _get(live, f"{API}/history/{rig.big}?{quote(query, safe='=&')}")
    _detail(resp, 400)


def test_unicode_digits_in_a_dialog_id_are_400(live: Live) -> None:
    _detail(_get(live, f"{API}/history/{quote('-١٠٠١')}"), 400)


@pytest.mark.parametrize(
    ("range_header", "status", "length"),
    [
        ("bytes=" + "9" * 5000 + "-", 416, None),
        ("bytes=0-" + "9" * 5000, 206, "size"),
        ("bytes=-" + "9" * 5000, 206, "size"),
        ("bytes=٠-٩".encode(), 200, "size"),  # not an ASCII range: ignored, whole file
    ],
)
def test_huge_or_unicode_ranges_never_fail(
    live: Live, media_uuid: str, range_header: str | bytes, status: int, length: str | None
) -> None:
    resp = _get(live, f"{API}/files/{media_uuid}", {"Range": range_header})
    assert resp.status_code == status, (resp.status_code, resp.text[:200])
    if status == 416:
        assert "not satisfiable" in _detail(resp, 416)
    else:
        full = _get(live, f"{API}/files/{media_uuid}")
        assert resp.content == full.content and len(full.content) > 0


# -- item 2: a 500 is a complete response; the keep-alive connection still works ----------


def test_a_500_leaves_the_keep_alive_connection_usable(live: Live, rig: Rig) -> None:
    rig.faults.arm("messages", "get", RuntimeError("injected fault"), times=1)
    try:
        with live.connect() as sock:
            status, headers, body = request(sock, "GET", f"{API}/history/{rig.big}", USER)
            assert status == 500
            assert json_detail(status, headers, body) == "Internal server error"
            if headers.get("connection", "").lower() == "close":
                return  # announced: the client knows to reconnect
            # Same connection, next request: answered, not reset.
            status, headers, body = request(sock, "GET", "/health")
            assert status == 200 and b"healthy" in body
    finally:
        rig.faults.disarm()


# -- item 12: malformed requests h11 refuses get the JSON error shape ----------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
        b"GET /hea\x00lth HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /health?a=\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /api/v3/auth/qr HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    ],
    ids=["nul-header", "nul-path", "nul-query", "negative-length"],
)
def test_requests_the_parser_refuses_are_json_400(live: Live, raw: bytes) -> None:
    with live.connect() as sock:
        sock.sendall(raw)
        status, headers, body = read_response(sock)
    assert status == 400
    assert "Invalid HTTP request" in json_detail(status, headers, body)


# -- item 12: HEAD on every GET route ---------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/", f"{API}/folders", f"{API}/search/dialogs"])
def test_head_is_get_without_a_body(live: Live, path: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=20) as client:
        got = client.get(path, headers=USER)
        head = client.head(path, headers=USER)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert head.headers["content-length"] == str(len(got.content))


def test_head_on_a_file_has_the_get_headers(live: Live, media_uuid: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=20) as client:
        got = client.get(f"{API}/files/{media_uuid}", headers=USER)
        head = client.head(f"{API}/files/{media_uuid}", headers=USER)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    for name in ("content-length", "content-type", "etag", "accept-ranges", "content-disposition"):
        assert head.headers[name] == got.headers[name], name


def test_head_on_history_sends_no_stream(live: Live, rig: Rig) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=20) as client:
        head = client.head(f"{API}/history/{rig.big}", headers=USER)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("text/event-stream")
    deadline = time.monotonic() + 10
    while rig.lease_held(ALICE):
        assert time.monotonic() < deadline, "HEAD left the account lease held"
        time.sleep(0.05)


def test_head_on_a_post_only_route_is_405(live: Live) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=20) as client:
        resp = client.head(f"{API}/auth/qr")
    assert resp.status_code == 405


# -- item 11: body limit, header timeout, connection cap -------------------------------------


def test_a_body_over_the_limit_is_413_before_it_is_read(live: Live) -> None:
    with live.connect() as sock:
        # Declared 200 MB, none of it sent: the answer must not wait for it.
        head = (
            f"POST {API}/auth/qr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {200 * 1024 * 1024}\r\n\r\n"
        )
        sock.sendall(head.encode())
        status, headers, body = read_response(sock)
    assert status == 413
    assert "too large" in json_detail(status, headers, body)


def test_a_chunked_body_over_the_limit_is_413(live: Live) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"username": "'
        for _ in range(200):
            yield b"a" * 4096
        yield b'"}'

    with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=20) as client:
        resp = client.post(
            f"{API}/auth/qr", content=chunks(), headers={"Content-Type": "application/json"}
        )
    assert "too large" in _detail(resp, 413)


def test_a_half_sent_request_is_dropped_after_the_header_timeout(live: Live) -> None:
    with live.connect(timeout=15) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        started = time.monotonic()
        data = b""
        while True:  # bounded by the socket timeout: fails if the server never closes
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        assert time.monotonic() - started < 15
    assert data.startswith(b"HTTP/1.1 408")


def test_a_trickled_head_is_still_dropped(live: Live) -> None:
    """One byte every 0.3 s: each byte is progress, but the head must be whole in time."""
    with live.connect(timeout=15) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        sock.settimeout(0.3)
        deadline = time.monotonic() + 12
        closed = False
        while not closed and time.monotonic() < deadline:
            try:
                sock.sendall(b"X")
                sock.recv(4096)  # the 408, or EOF: either way the server ended it
                closed = True
            except TimeoutError:
                continue
            except OSError:
                closed = True
        assert closed, "the server kept a trickling half request open"


def test_connections_over_the_cap_are_refused_with_json(live: Live, rig: Rig) -> None:
    cap = rig.settings.http_max_connections
    held: list[socket.socket] = []
    try:
        for _ in range(cap):
            held.append(live.connect())
        time.sleep(0.2)  # let the server accept them all
        with live.connect() as extra:
            status, headers, body = read_response(extra)
        assert status == 503
        assert "Too many" in json_detail(status, headers, body)
    finally:
        for sock in held:
            sock.close()
    # Once they are gone the server serves again.
    deadline = time.monotonic() + 10
    while True:
        try:
            if _get(live, "/health").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "no service after the connections closed"
        time.sleep(0.1)


def test_settings_reach_the_server(tmp_path: Path) -> None:
    """The runner's config is built from the settings (what `python -m local` runs)."""
    from local.server import build_config

    settings = Settings(data_dir=tmp_path, http_keep_alive_timeout=7, shutdown_grace_seconds=3)
    config = build_config(object(), settings, host="127.0.0.1", port=0)
    assert config.timeout_keep_alive == 7
    assert config.timeout_graceful_shutdown == 3
