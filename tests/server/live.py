"""A real server for the tests of this folder: the local runner's uvicorn configuration
(local.server) serving an app on 127.0.0.1 in a thread, on a port the OS picks."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from local.server import Server, build_config
from tgscraper.config import Settings
from tgscraper.history.record import MessageRecord
from tgscraper.history.store import MessageCache
from tgscraper.storage.factory import Stores

T0 = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())


@dataclass
class Live:
    port: int
    server: Server

    def connect(self, timeout: float = 10.0, rcvbuf: int | None = None) -> socket.socket:
        sock = socket.socket()
        if rcvbuf is not None:  # before connect, so the window is small from the start
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", self.port))
        return sock


def _bind(sock: socket.socket) -> None:
    """127.0.0.1 on a port the OS picks, or the first free one of TEST_PORTS=LO-HI when
    set (machines shared by several test runs give each its own range)."""
    lo, _, hi = os.environ.get("TEST_PORTS", "").partition("-")
    for port in range(int(lo), int(hi or lo) + 1) if lo else ():
        try:
            sock.bind(("127.0.0.1", port))
            return
        except OSError:
            continue
    if lo:
        raise AssertionError(f"no free port in TEST_PORTS={lo}-{hi}")
    sock.bind(("127.0.0.1", 0))


@contextmanager
def live_server(app: FastAPI, settings: Settings, *, sndbuf: int | None = None) -> Iterator[Live]:
    """Serve `app` with the runner's hardened config; stop (bounded) on exit."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if sndbuf is not None:  # accepted sockets inherit it: a stalled client fills it fast
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    _bind(sock)
    port = sock.getsockname()[1]
    config = build_config(
        app, settings, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield Live(port, server)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response with a Content-Length body from a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"connection closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed inside the body")
        body += chunk
    return status, headers, body


def request(
    sock: socket.socket,
    method: str,
    target: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> tuple[int, dict[str, str], bytes]:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    return read_response(sock)


def json_detail(status: int, headers: dict[str, str], body: bytes) -> str:
    assert headers.get("content-type", "").startswith("application/json"), (status, headers, body)
    parsed: Any = json.loads(body)
    assert isinstance(parsed, dict) and set(parsed) == {"detail"}, parsed
    assert isinstance(parsed["detail"], str) and parsed["detail"]
    return parsed["detail"]


def fill_cache(stores: Stores, username: str, dialog_id: int, n: int) -> str:
    """n cached messages (10 s apart from 2020-01-01), covered through the whole last
    day: served without Telegram. Returns the query that selects them all."""
    cache = MessageCache(stores.messages, username, dialog_id)
    batch: list[MessageRecord] = []
    for i in range(1, n + 1):
        date = T0 + i * 10
        text = json.dumps({"message_id": i, "date": date, "message": f"message {i} " + "x" * 80})
        batch.append(MessageRecord(i, date, text, None))
        if len(batch) == 20_000:
            cache.put_records(batch)
            batch = []
    cache.put_records(batch)
    last_day = (n * 10) // 86400
    cache.add_coverage(T0, T0 + (last_day + 1) * 86400 - 1)
    end = time.strftime("%Y-%m-%d", time.gmtime(T0 + last_day * 86400))
    return f"start_date=2020-01-01&end_date={end}"
