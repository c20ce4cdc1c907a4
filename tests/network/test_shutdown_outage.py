"""Issue 13: SIGTERM ends the real server process within seconds while a request waits
on a stalled Telegram (the server runs in real mode, TELEGRAM_SERVER pointing at the
simulated Telegram on TCP in this test process)."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx

from local.simtg.net import NetServer
from local.simtg.server import DEFAULT_API_HASH, DEFAULT_API_ID
from tests.support.server_process import start_server
from tgscraper.auth.login_keys import record_of
from tgscraper.config import Settings
from tgscraper.storage.factory import build_embedded_stores

EXIT_BOUND = 20.0
"""A hang guard, not a timing assertion: the grace period is 2 s."""


def _real_mode_env(server: NetServer, tmp_path: Path) -> dict[str, str]:
    pem = tmp_path / "server.pem"
    pem.write_text(server.public_key_pem)
    dc, host, port = server.home
    return {
        "TELEGRAM_API_ID": str(DEFAULT_API_ID),
        "TELEGRAM_API_HASH": DEFAULT_API_HASH,
        "TELEGRAM_SERVER": f"{dc}@{host}:{port}",
        "TELEGRAM_RSA_KEY": str(pem),
        # Far beyond the test: the shutdown, not the call's deadline, must end it.
        "TELEGRAM_TIMEOUT": "120",
        "SHUTDOWN_GRACE_SECONDS": "2",
    }


def test_sigterm_exits_while_a_request_waits_on_a_stalled_telegram(
    net_server: NetServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    stores = build_embedded_stores(Settings(data_dir=data))
    stores.sessions.save("alice", record_of(net_server.authorized_session()))
    running = start_server(data, env=_real_mode_env(net_server, tmp_path))
    proc = running.proc
    try:
        net_server.faults.stall()
        outcome: list[object] = []

        def call() -> None:
            try:
                outcome.append(
                    httpx.get(
                        f"{running.url}/api/v3/folders",
                        params={"refresh": "true"},
                        headers={"X-Telegram-Username": "alice"},
                        timeout=EXIT_BOUND * 2,
                    ).status_code
                )
            except httpx.HTTPError as exc:
                outcome.append(exc)

        waiter = threading.Thread(target=call, daemon=True)
        waiter.start()
        deadline = time.monotonic() + EXIT_BOUND
        while net_server.connects[2] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)  # the request is now stuck on the stalled DC
        assert net_server.connects[2] >= 1
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=EXIT_BOUND)
        except subprocess.TimeoutExpired:
            raise AssertionError("the server did not exit after SIGTERM") from None
        waiter.join(EXIT_BOUND)
        assert outcome and outcome[0] != 500  # told or cut off, never a 500
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
