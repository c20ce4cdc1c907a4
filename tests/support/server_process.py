"""`python -m local serve` as a real process on 127.0.0.1 (demo mode), for tests of what
lives in the server: files it creates, its logs, what survives a kill -9.

Bounded everywhere: start-up, every request (httpx timeouts) and the stop.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
API = "/api/v3"
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def http(self, timeout: float = 20.0) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """kill -9: nothing runs in the server after this (no cleanup, no lease release)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def _env(data_dir: Path, extra: dict[str, str] | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "AWS_", "HISTORY_", "FILES_"))
        and k not in ("API_KEY", "STORAGE_BACKEND")
    }
    env.update(
        DATA_DIR=str(data_dir),
        PYTHONPATH=f"{ROOT / 'layers/common/python'}{os.pathsep}{ROOT}",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra or {})
    return env


def start_server(
    data_dir: Path,
    *,
    umask: int | None = None,
    env: dict[str, str] | None = None,
    latency: float | None = None,
    port: int | None = None,
) -> Server:
    """latency: the simulated Telegram answers each request after this many seconds;
    port: listen there (e.g. a helper's own range) instead of a free ephemeral port."""
    port = port or _free_port()
    module = "local"
    if latency is not None:
        module = "tests.support.latency_server"
        env = {**(env or {}), "SIM_LATENCY": str(latency)}
    log_path = data_dir.parent / f"server-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, "serve", "--port", str(port)],
            cwd=ROOT,
            env=_env(data_dir, env),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
        )
    server = Server(proc, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(f"server did not start:\n{server.log()}")


@contextmanager
def running_server(
    data_dir: Path,
    *,
    umask: int | None = None,
    env: dict[str, str] | None = None,
    latency: float | None = None,
    port: int | None = None,
) -> Iterator[Server]:
    server = start_server(data_dir, umask=umask, env=env, latency=latency, port=port)
    try:
        yield server
    finally:
        server.stop()


def demo_dialog_id(username: str) -> str:
    """The id the demo server gives a dialog of its (seeded, fixed) world, e.g. "sim_archive"."""
    from local.simtg import demo_world

    return str(next(d.peer_id for d in demo_world().dialogs if d.username == username))


def headers(username: str) -> dict[str, str]:
    return {"X-Telegram-Username": username}


def media_of(http: httpx.Client, username: str, dialog: str, **params: str) -> list[dict]:
    """Every media field in a history range (read to its end)."""
    found = []
    query = {"chunk_size": "100", **params}
    with http.stream(
        "GET", f"{API}/history/{dialog}", params=query, headers=headers(username)
    ) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("data:"):
                for message in json.loads(line[5:]).get("messages", []):
                    if message.get("media") and message["media"].get("uuid"):
                        found.append(message["media"])
    return found


def demo_login(http: httpx.Client, username: str, *, force: bool = False) -> str:
    """A full QR login against the demo server (start, poll, the demo phone, poll);
    returns the flow's token."""
    started = http.post(f"{API}/auth/qr", json={"username": username, "force": force})
    assert started.status_code == 200, started.text
    token: str = started.json()["token"]
    assert http.get(f"{API}/auth/qr/{token}").json()["status"] == "pending"
    approved = http.post(f"{API}/demo/qr/{token}/approve")
    assert approved.status_code == 200, approved.text
    for _ in range(50):
        status = http.get(f"{API}/auth/qr/{token}").json()
        if status["status"] == "success":
            return token
        assert status["status"] == "pending", status
        time.sleep(0.1)
    raise AssertionError("the demo login did not succeed")
