"""Issue 14 items 3 and 5: the SSE writer under the local runner's uvicorn on 127.0.0.1.

An aborted stream stops producing; a client that reads nothing stops holding the
account lease within the stall bound (`SSE_STALL_SECONDS`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from tests.adversarial.rig import new_rig
from tests.server.live import fill_cache, live_server
from tests.support.history import ALICE
from tgscraper.config import Settings
from tgscraper.storage.ports import Item, ItemTable
from tgscraper.telegram.lease import Lease

API = "/api/v3"
USER = {"X-Telegram-Username": ALICE}
CACHED = -1009999999999
"""A dialog that exists only in the cache (fully covered: served without Telegram)."""


class _CountingTable:
    """Counts the cached messages the history service reads from the store."""

    def __init__(self, inner: ItemTable) -> None:
        self._inner = inner
        self.rows = 0
        self._lock = threading.Lock()

    def query(self, pk: str, **kwargs: Any) -> Iterator[Item]:
        for item in self._inner.query(pk, **kwargs):
            with self._lock:
                self.rows += 1
            yield item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _settled(read: Any, quiet: float = 0.5, bound: float = 30.0) -> int:
    """The counter's value once it stopped moving for `quiet` s (bounded wait)."""
    deadline = time.monotonic() + bound
    last = read()
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = read()
        if now == last:
            return int(now)
        last = now
    raise AssertionError("the server never stopped reading")


def test_an_aborted_cached_stream_stops_producing(tmp_path: Path) -> None:
    total = 100_000
    rig = new_rig(Settings(storage_backend="embedded", data_dir=tmp_path / "data"))
    query = fill_cache(rig.raw, ALICE, CACHED, total)
    counting = _CountingTable(rig.stores.messages)
    rig.stores = replace(rig.stores, messages=counting)  # type: ignore[arg-type]
    with live_server(rig.app(), rig.settings) as live:
        with live.connect() as sock:  # `curl -sN ...?chunk_size=1 | head -c 100`
            sock.sendall(
                f"GET {API}/history/{CACHED}?chunk_size=1&{query} HTTP/1.1\r\nHost: x\r\n"
                f"X-Telegram-Username: {ALICE}\r\n\r\n".encode()
            )
            got = b""
            while len(got) < 100:
                chunk = sock.recv(100)
                assert chunk, "the stream ended early"
                got += chunk
        assert got.startswith(b"HTTP/1.1 200")
        read = _settled(lambda: counting.rows)
        # Stopped within a few store batches (512 rows each), not at the end.
        assert read < 5_000, f"{read} of {total} messages read after the client left"
        with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=10) as client:
            assert client.get("/health").status_code == 200


def _lease_free(table: ItemTable) -> bool:
    lease = Lease(table, ALICE)
    if lease.try_acquire():
        table.delete(ALICE, "lease", expect={"holder": lease.holder})
        return True
    return False


def test_a_client_that_reads_nothing_releases_the_lease(tmp_path: Path) -> None:
    stall = 2
    settings = Settings(
        storage_backend="embedded", data_dir=tmp_path / "data", sse_stall_seconds=stall
    )
    rig = new_rig(settings)
    # Small socket buffers on both sides: a client that stops reading blocks sends soon.
    with live_server(rig.app(), settings, sndbuf=4096) as live:
        with live.connect(rcvbuf=4096) as sock:
            sock.sendall(
                f"GET {API}/history/{rig.big}?chunk_size=1 HTTP/1.1\r\nHost: x\r\n"
                f"X-Telegram-Username: {ALICE}\r\n\r\n".encode()
            )
            assert sock.recv(12) == b"HTTP/1.1 200"
            # The stream holds the account (it is fetching from Telegram) ...
            assert rig.lease_held(ALICE)
            # ... and the client now reads nothing: another holder must get the
            # lease within the stall bound (plus slack), not never.
            deadline = time.monotonic() + stall + 15
            while not _lease_free(rig.raw.leases):
                assert time.monotonic() < deadline, "the stalled client kept the lease"
                time.sleep(0.2)
        # And the server is still fine for everyone else.
        with httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=10) as client:
            resp = client.get(f"{API}/history/{rig.big}", headers=USER)
            assert resp.status_code == 200 and resp.text.count("data: ") > 0
