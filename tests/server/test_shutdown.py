"""Issue 14 item 4: SIGTERM ends the local runner within its grace period whatever the
clients do; open streams are told (`event: error`, 503) instead of being cut."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from tests.adversarial.rig import new_rig
from tests.server.live import fill_cache, live_server
from tests.support.history import ALICE
from tgscraper.config import Settings
from tgscraper.storage.factory import build_embedded_stores

API = "/api/v3"
ROOT = Path(__file__).resolve().parents[2]
CACHED = -1009999999999


def _start_runner(data: Path, grace: int) -> tuple[subprocess.Popen[str], int, list[str]]:
    env = {
        **os.environ,
        "DATA_DIR": str(data),
        "SHUTDOWN_GRACE_SECONDS": str(grace),
        "SSE_STALL_SECONDS": "600",  # the shutdown, not the stall bound, must end it
        "LOG_LEVEL": "info",
        "PYTHONPATH": f"{ROOT / 'layers/common/python'}{os.pathsep}{ROOT}",
    }
    for name in ("TELEGRAM_API_ID", "TELEGRAM_API_HASH", "API_KEY"):
        env.pop(name, None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "local", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    port: list[int] = []

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            found = re.search(r"running on http://127\.0\.0\.1:(\d+)", line)
            if found:
                port.append(int(found.group(1)))

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 60
    while not port:
        assert proc.poll() is None, "".join(lines)
        assert time.monotonic() < deadline, "the runner did not start"
        time.sleep(0.05)
    return proc, port[0], lines


def _log_in(client: httpx.Client) -> None:
    token = client.post(f"{API}/auth/qr", json={"username": "demo_user"}).json()["token"]
    assert client.post(f"{API}/demo/qr/{token}/approve").status_code == 200
    assert client.get(f"{API}/auth/qr/{token}").json()["status"] == "success"


def test_sigterm_exits_within_the_grace_period_with_a_stalled_client(tmp_path: Path) -> None:
    grace = 2
    data = tmp_path / "data"
    # 10 MB of cached history: far more than any socket buffer holds.
    stores = build_embedded_stores(Settings(storage_backend="embedded", data_dir=data))
    query = fill_cache(stores, "demo_user", CACHED, 100_000)
    proc, port, lines = _start_runner(data, grace)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _log_in(client)
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stalled.settimeout(30)
        stalled.connect(("127.0.0.1", port))
        stalled.sendall(
            f"GET {API}/history/{CACHED}?chunk_size=1&{query} HTTP/1.1\r\nHost: x\r\n"
            "X-Telegram-Username: demo_user\r\n\r\n".encode()
        )
        assert stalled.recv(12) == b"HTTP/1.1 200"
        time.sleep(1)  # it reads nothing more: the server's buffers fill up
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=grace + 20)
        except subprocess.TimeoutExpired:
            raise AssertionError("the runner did not exit after SIGTERM") from None
        stalled.close()
        # uvicorn re-raises the signal it caught once it has shut down cleanly.
        assert proc.returncode in (0, -signal.SIGTERM), "".join(lines[-20:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_a_reading_stream_is_told_the_server_shuts_down(tmp_path: Path) -> None:
    rig = new_rig(Settings(storage_backend="embedded", data_dir=tmp_path / "data"))
    query = fill_cache(rig.raw, ALICE, CACHED, 100_000)
    with live_server(rig.app(), rig.settings) as live:
        url = f"http://127.0.0.1:{live.port}{API}/history/{CACHED}?chunk_size=1&{query}"
        tail = ""
        with (
            httpx.Client(timeout=30) as client,
            client.stream("GET", url, headers={"X-Telegram-Username": ALICE}) as resp,
        ):
            assert resp.status_code == 200
            stream = resp.iter_text()
            tail = next(stream)
            live.server.should_exit = True  # what SIGTERM does
            for text in stream:  # bounded: the stream must end, not run 100k frames
                tail = (tail + text)[-2000:]
        last = tail.rstrip("\n").rsplit("\n\n", 1)[-1]
        assert last.startswith("event: error\n"), last
        payload = json.loads(last.split("data: ", 1)[1])
        assert payload["status"] == 503 and "shutting down" in payload["detail"]
