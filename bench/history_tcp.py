"""Uncached history over real MTProto on TCP vs the in-process simulated Telegram:

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.history_tcp [--quick]

The same world and per-request latency behind GET /history (uvicorn in a child process,
the real app): once with clients that talk to the sim in-process (the demo default), once
with the production client factory pointed at the TCP server (``DEMO_TRANSPORT=tcp``:
DH key exchange, AES-IGE, framing, gzip), alternating rounds. A plain Telethon
``iter_messages(wait_time=0)`` loop over TCP is the baseline of the TCP figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.history_sse import LATENCY, USER, _bench_peer, _sim_world, _stream

TARGET = "informational: DEMO_TRANSPORT stays 'inprocess' by default if it is faster"


def serve(data: Path, port: int, messages: int, latency: float, transport: str) -> None:
    import uvicorn

    from functions.history.app import router
    from local.demo import tcp_client_factory
    from local.simtg import SimulatedTelegram
    from tgscraper.api.app_factory import create_app
    from tgscraper.config import Settings
    from tgscraper.container import Container
    from tgscraper.storage.factory import build_embedded_stores
    from tgscraper.storage.sessions import EntityRow, SessionRecord

    settings = Settings(storage_backend="embedded", data_dir=data)
    stores = build_embedded_stores(settings)
    sim = SimulatedTelegram(_sim_world(messages))
    sim.latency = latency
    with contextlib.ExitStack() as stack:
        if transport == "tcp":
            from local.simtg.net import serve as net_serve

            server = stack.enter_context(net_serve(sim))
            session = server.authorized_session()
            factory = tcp_client_factory(server)
        else:
            session = sim.authorized_session()

            def factory(s: Any) -> Any:
                return sim.client(s, receive_updates=False)

        key = session.auth_key.key
        stores.sessions.save(
            USER, SessionRecord(session.dc_id, session.server_address, session.port, key)
        )
        entities = [EntityRow(id=c.peer_id, hash=c.access_hash) for c in sim.world.chats.values()]
        stores.sessions.put_entities(USER, entities)
        container = Container(settings, stores=stores, client_factory=factory, mode="demo")
        app = create_app([router], container=container)
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


class _Server:
    def __init__(self, data: Path, messages: int, latency: float, transport: str) -> None:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        cmd = [sys.executable, "-m", "bench.history_tcp", "serve", str(data), str(self.port)]
        cmd += [str(messages), str(latency), transport]
        self.proc = subprocess.Popen(cmd, env=os.environ.copy())
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(self.url + "/docs", timeout=1)
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("bench server did not start") from None
                time.sleep(0.1)

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


async def _plain_tcp_loop(messages: int, latency: float) -> tuple[int, float]:
    from telethon.tl import types

    from local.simtg import SimulatedTelegram
    from local.simtg.net import serve as net_serve

    sim = SimulatedTelegram(_sim_world(messages))
    sim.latency = latency
    chat = sim.world.entity(_bench_peer(sim.world))
    with net_serve(sim) as server:
        client = server.client(server.authorized_session())
        await client.connect()
        peer = types.InputPeerChannel(chat.id, chat.access_hash)
        start = time.perf_counter()
        count = 0
        async for _ in client.iter_messages(peer, reverse=True, wait_time=0):
            count += 1
        total = time.perf_counter() - start
        await client.disconnect()
    return count, total


def bench(messages: int, latency: float, rounds: int) -> None:
    print(
        f"uncached history of {messages:,} messages, {latency * 1000:.0f} ms per Telegram "
        f"request, GET /history chunk_size=100 (first round: a fresh server process)"
    )
    peer = _bench_peer(_sim_world(messages))
    results: dict[str, list[float]] = {"inprocess": [], "tcp": []}
    with tempfile.TemporaryDirectory() as tmp:
        servers = {t: _Server(Path(tmp) / t, messages, latency, t) for t in results}
        try:
            for i in range(rounds):
                for transport, server in servers.items():
                    params = {"chunk_size": 100, **({"force_refresh": "true"} if i else {})}
                    url = f"{server.url}/api/v3/history/{peer}"
                    got, first, total = _stream(url, params)
                    assert got == messages, (transport, got)
                    results[transport].append(got / total)
                    print(
                        f"  round {i + 1} {transport:<9} {got / total:>8,.0f} msg/s "
                        f"({total:.2f} s, first chunk {first * 1000:.0f} ms)"
                    )
        finally:
            for server in servers.values():
                server.close()
    n_plain, t_plain = asyncio.run(_plain_tcp_loop(messages, latency))
    print(f"  plain Telethon iter_messages over TCP: {n_plain / t_plain:,.0f} msg/s")
    best = {t: max(v) for t, v in results.items()}
    print(
        f"  best: in-process {best['inprocess']:,.0f} msg/s, TCP {best['tcp']:,.0f} msg/s "
        f"= {best['tcp'] / best['inprocess']:.2f} x in-process; GET /history over TCP = "
        f"{best['tcp'] / (n_plain / t_plain):.2f} x plain loop over TCP  (target: {TARGET})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history_tcp")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    args, rest = parser.parse_known_args()
    if rest and rest[0] == "serve":
        serve(Path(rest[1]), int(rest[2]), int(rest[3]), float(rest[4]), rest[5])
        return
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    if args.quick:
        bench(3_000, LATENCY, rounds=2)
    else:
        bench(20_000, LATENCY, rounds=3)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
