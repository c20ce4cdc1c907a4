"""After a kill -9 in the middle of a first download (issue 14.10, 14.13), with a real
`python -m local serve` process (demo mode, the simulated Telegram slowed down so the
download is still running when the signal lands) and a restart on the same data folder:

- the dead writer's `media/<user>/.<uuid>.<hex>.part` is removed at start, while a live
  download's .part is never touched by the sweep;
- the dead process's lease does not block the account: the restarted process recognises
  it (same host, that pid is gone) and serves the username at once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx

from tests.support.server_process import (
    API,
    Server,
    demo_dialog_id,
    demo_login,
    headers,
    media_of,
    running_server,
    start_server,
)
from tgscraper.storage import codec

ARCHIVE = demo_dialog_id("sim_archive")
USER = "killed"
LATENCY = 0.3


def _parts(data: Path) -> list[Path]:
    return sorted((data / "media").rglob(".*.part"))


def _lease(data: Path, username: str) -> dict | None:
    conn = sqlite3.connect(data / "store.sqlite3", timeout=30)
    try:
        row = conn.execute(
            "SELECT data, expires_at FROM leases WHERE pk=? AND sk='lease'", (username,)
        ).fetchone()
    finally:
        conn.close()
    if row is None or row[1] <= time.time():
        return None
    return codec.decode(row[0])


def _a_few_seconds_of_download(server: Server) -> list[dict]:
    """Media files whose first download takes seconds at LATENCY per 128 KiB part."""
    with server.http() as http:
        demo_login(http, USER)
        media = media_of(http, USER, ARCHIVE, start_date="2025-01-01")
    sized = [m for m in media if 1_000_000 <= (m.get("size") or 0) <= 4_000_000]
    assert len(sized) >= 2, [m.get("size") for m in media]
    return sized


def _download_in_background(server: Server, uuid: str) -> dict:
    """GET the file in a thread (a first download answers once it is complete)."""
    result: dict = {}

    def run() -> None:
        try:
            with server.http(timeout=120) as http:
                got = http.get(f"{API}/files/{uuid}", headers=headers(USER))
                result["status"], result["body"] = got.status_code, got.content
        except httpx.HTTPError as exc:
            result["error"] = exc

    result["thread"] = threading.Thread(target=run, daemon=True)
    result["thread"].start()
    return result


def _wait_for(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.05)


def test_a_killed_download_leaves_no_part_and_no_blocking_lease(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = start_server(data, latency=LATENCY)
    try:
        media, other = _a_few_seconds_of_download(server)[:2]
        first = _download_in_background(server, media["uuid"])
        _wait_for(lambda: _parts(data), "the first download's .part")
        assert _lease(data, USER) is not None, "the download holds the account's lease"
    finally:
        server.kill()
    first["thread"].join(timeout=30)
    assert _parts(data), "kill -9 left the .part behind"
    assert _lease(data, USER) is not None, "and a live-looking lease"

    sweep_often = {"SWEEP_INTERVAL": "1"}
    with running_server(data, latency=LATENCY, env=sweep_often) as again:
        assert _parts(data) == [], "stray .part files are removed at start"
        with again.http(timeout=60) as http:
            # The dead process's lease must not make this wait and end in 409.
            got = http.get(f"{API}/folders", headers=headers(USER))
            assert got.status_code == 200, got.text
        # A live download of this process keeps its .part through the sweeps. (Another
        # file: the killed one's download lease of the files service still runs out.)
        second = _download_in_background(again, other["uuid"])
        _wait_for(lambda: _parts(data), "the second first-download's .part")
        second["thread"].join(timeout=120)
        assert second.get("status") == 200, second
        assert len(second["body"]) == other["size"]
        assert _parts(data) == []
        log = again.log()
    assert "removed 1 unfinished download" in log
