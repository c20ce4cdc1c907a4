"""History benchmarks, one command:

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.history_sse [--quick]

(a) cached history streamed as SSE over loopback, messages/s, for 10k/100k messages
    (linearity: no OFFSET paging, so the rate must not drop with size);
(b) uncached history through the simulated Telegram with a fixed per-request latency,
    against a plain Telethon `iter_messages(..., wait_time=0)` loop over the same world
    and latency, in the same run;
(c) time to first chunk, cached and uncached;
(d) server memory growth while streaming 1M cached messages.

The server runs in its own process (uvicorn, the real app and embedded stores), the client
in this one, so the two do not share a GIL; `serve` is that child's entry point.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

USER = "bench_user"
CACHED_DIALOG = -1001000000001
T0 = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
SIM_SEED = 5
LATENCY = 0.02


# -- the server process --------------------------------------------------------------------
def _sim_world(messages: int) -> Any:
    from local.simtg import World

    world = World.generate(SIM_SEED, users=20, bots=1, groups=2, supergroups=2, channels=2)
    world.add_dialog(
        "channel",
        messages,
        title="Bench channel",
        created=datetime(2021, 1, 1, tzinfo=UTC),
        last_date=datetime(2024, 12, 31, tzinfo=UTC),
    )
    return world


def _bench_peer(world: Any) -> int:
    return int(next(d.peer_id for d in world.dialogs if d.title == "Bench channel"))


def serve(data: Path, port: int, sim_messages: int, latency: float) -> None:
    import uvicorn

    from functions.history.app import router
    from tgscraper.api.app_factory import create_app
    from tgscraper.config import Settings
    from tgscraper.container import Container
    from tgscraper.storage.factory import build_embedded_stores
    from tgscraper.storage.sessions import EntityRow, SessionRecord

    settings = Settings(storage_backend="embedded", data_dir=data)
    stores = build_embedded_stores(settings)
    factory = None
    if sim_messages:
        from local.simtg import SimulatedTelegram

        sim = SimulatedTelegram(_sim_world(sim_messages))
        sim.latency = latency
        session = sim.authorized_session()
        assert session.auth_key is not None
        stores.sessions.save(
            USER, SessionRecord(session.dc_id, session.server_address, 443, session.auth_key.key)
        )
        stores.sessions.put_entities(
            USER, [EntityRow(id=c.peer_id, hash=c.access_hash) for c in sim.world.chats.values()]
        )

        def factory(session: Any) -> Any:
            return sim.client(session, receive_updates=False)  # as the real factory does

    else:
        stores.sessions.save(USER, SessionRecord(2, "127.0.0.1", 443, b"\x01" * 256))
    container = Container(settings, stores=stores, client_factory=factory, mode="demo")
    app = create_app([router], container=container)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


# -- helpers ----------------------------------------------------------------------------------
def _fill_cache(data: Path, n: int) -> None:
    """Fill the cache through the history store itself (as history would have)."""
    from tgscraper.config import Settings
    from tgscraper.history.record import MessageRecord
    from tgscraper.history.store import MessageCache
    from tgscraper.storage.factory import build_embedded_stores

    stores = build_embedded_stores(Settings(storage_backend="embedded", data_dir=data))
    cache = MessageCache(stores.messages, USER, CACHED_DIALOG)
    batch: list[MessageRecord] = []
    for i in range(1, n + 1):
        date = T0 + i * 10
        obj = {
            "message_id": i,
            "date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(date)),
            "sender_id": 100000 + i % 50,
            "first_name": "Alice",
            "last_name": "Smith",
            "username": "alice",
            "message": f"Message {i}: Bitcoin hits new ATH 🚀 — details inside, see the report",
            "media": None
            if i % 7
            else {
                "type": "MessageMediaPhoto",
                "uuid": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
                "filename": f"photo_{i}.jpg",
                "size": 245760,
            },
            "reply_to": i - 1 if i % 5 == 0 else None,
            "post_author": None,
            "is_forwarded": 0,
            "forwarded_from_channel_id": None,
        }
        batch.append(MessageRecord(i, date, json.dumps(obj, ensure_ascii=False), None))
        if len(batch) == 20_000:
            cache.put_records(batch)
            batch = []
    cache.put_records(batch)
    cache.add_coverage(T0, T0 + (n + 1) * 10)


class _Server:
    def __init__(self, data: Path, sim_messages: int = 0, latency: float = 0.0) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        cmd = [sys.executable, "-m", "bench.history_sse", "serve", str(data), str(self.port)]
        cmd += [str(sim_messages), str(latency)]
        self.proc = subprocess.Popen(cmd, env=os.environ.copy())
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                _CLIENT.get(self.url + "/docs", timeout=1)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("bench server did not start") from None
                time.sleep(0.1)

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_kb(self, field: str = "VmRSS") -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


_CLIENT = httpx.Client(timeout=600)
"""One warm client for every measurement: building one (its TLS context) costs ~25 ms."""


def _stream(url: str, params: dict[str, Any]) -> tuple[int, float, float]:
    """(messages received, seconds to the first body bytes, total seconds)."""
    pattern = b'{"message_id":'
    count, first, tail = 0, -1.0, b""
    start = time.perf_counter()
    with _CLIENT.stream("GET", url, params=params, headers={"X-Telegram-Username": USER}) as resp:
        resp.raise_for_status()
        for chunk in resp.iter_raw(1 << 16):
            if first < 0:
                first = time.perf_counter() - start
            buf = tail + chunk
            count += buf.count(pattern)
            tail = buf[-(len(pattern) - 1) :]
    return count, first, time.perf_counter() - start


def _range(n: int) -> dict[str, Any]:
    end = T0 + n * 10
    return {
        "start_date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(T0)),
        "end_date": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(end)),
    }


# -- the benchmarks -------------------------------------------------------------------------
def bench_cached(sizes: list[int], million: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        t = time.perf_counter()
        _fill_cache(data, million)
        print(f"  cache filled with {million:,} messages in {time.perf_counter() - t:.1f} s")
        bench_memory(data, million)
        server = _Server(data)
        try:
            url = f"{server.url}/api/v3/history/{CACHED_DIALOG}"
            _stream(url, {**_range(1000), "chunk_size": 100})  # warm-up
            print("(a) cached history over loopback SSE (server and client in two processes)")
            for chunk in (100, 1000):
                for n in sizes:
                    cpu = server.cpu_seconds()
                    got, first, total = _stream(url, {**_range(n), "chunk_size": chunk})
                    cpu = server.cpu_seconds() - cpu
                    assert got == n, (got, n)
                    print(
                        f"  {n:>9,} msgs chunk_size={chunk:<5} {n / total:>10,.0f} msg/s"
                        f"  ({total:.2f} s, first chunk {first * 1000:.1f} ms; server CPU "
                        f"{cpu:.2f} s = {n / max(cpu, 1e-9):,.0f} msg per CPU-second)"
                    )
            firsts = sorted(_stream(url, {**_range(n), "chunk_size": 100})[1] for _ in range(9))
            print(f"(c) time to first chunk, cached range: median {firsts[4] * 1000:.1f} ms")
        finally:
            server.close()


def bench_memory(data: Path, million: int) -> None:
    """(d) in a fresh server process, after one small warm-up request."""
    print(f"(d) memory while streaming {million:,} cached messages (chunk_size=100)")
    server = _Server(data)
    try:
        url = f"{server.url}/api/v3/history/{CACHED_DIALOG}"
        _stream(url, {**_range(1000), "chunk_size": 100})
        base = server.rss_kb()
        peak = [base]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], server.rss_kb())
                time.sleep(0.02)

        sampler = threading.Thread(target=sample)
        sampler.start()
        got, _, total = _stream(url, {**_range(million), "chunk_size": 100})
        done.set()
        sampler.join()
        assert got == million, (got, million)
        print(
            f"  {got:,} msgs in {total:.1f} s ({got / total:,.0f} msg/s); server RSS "
            f"{base / 1024:.1f} MB after warm-up, peak {peak[0] / 1024:.1f} MB while "
            f"streaming: growth {(peak[0] - base) / 1024:.1f} MB"
        )
    finally:
        server.close()


async def _plain_loop(messages: int, latency: float) -> tuple[int, float, float]:
    from telethon.tl import types

    from local.simtg import SimulatedTelegram

    sim = SimulatedTelegram(_sim_world(messages))
    sim.latency = latency
    chat = sim.world.entity(_bench_peer(sim.world))
    client = sim.client(sim.authorized_session())
    await client.connect()
    peer = types.InputPeerChannel(chat.id, chat.access_hash)
    count, first = 0, -1.0
    start = time.perf_counter()
    async for _ in client.iter_messages(peer, reverse=True, wait_time=0):
        if first < 0:
            first = time.perf_counter() - start
        count += 1
    total = time.perf_counter() - start
    await client.disconnect()
    return count, first, total


def bench_uncached(messages: int, latency: float, rounds: int = 2) -> None:
    """Plain loop and our endpoint alternately, `rounds` times each (the machine is shared:
    alternating keeps both under the same load). Our first round is the first request of a
    fresh server process; later rounds use force_refresh=true, which walks Telegram again."""
    print(
        f"(b) uncached history of {messages:,} messages through the sim, "
        f"{latency * 1000:.0f} ms per request; plain loop vs GET /history, alternating"
    )
    peer = _bench_peer(_sim_world(messages))
    firsts: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        server = _Server(Path(tmp), messages, latency)
        try:
            url = f"{server.url}/api/v3/history/{peer}"
            for i in range(rounds):
                n_plain, _, t_plain = asyncio.run(_plain_loop(messages, latency))
                params = {"chunk_size": 100, **({"force_refresh": "true"} if i else {})}
                got, first, total = _stream(url, params)
                assert got == n_plain, (got, n_plain)
                firsts.append(first)
                print(
                    f"  round {i + 1}: plain iter_messages(wait_time=0) {n_plain / t_plain:,.0f}"
                    f" msg/s ({t_plain:.2f} s); GET /history {got / total:,.0f} msg/s "
                    f"({total:.2f} s incl. connect) = {t_plain / total:.2f} x plain"
                )
        finally:
            server.close()
    print(
        "(c) time to first chunk, uncached (connect + resolve + first page, "
        f"{latency * 1000:.0f} ms per request)"
    )
    print(f"  first request of a fresh server process: {firsts[0] * 1000:.0f} ms")
    if len(firsts) > 1:
        warm = sorted(firsts[1:])[len(firsts[1:]) // 2]
        print(f"  warm process (force_refresh=true): {warm * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history_sse")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    args, rest = parser.parse_known_args()
    if rest and rest[0] == "serve":
        serve(Path(rest[1]), int(rest[2]), int(rest[3]), float(rest[4]))
        return
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    if args.quick:
        bench_cached([10_000, 50_000], 100_000)
        bench_uncached(3_000, LATENCY)
    else:
        bench_cached([10_000, 100_000, 300_000], 1_000_000)
        bench_uncached(20_000, LATENCY, rounds=3)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
