"""Loopback load: many concurrent clients on cached history and dialog search.

The whole local app (demo mode, embedded store, simulated Telegram) runs under uvicorn
in its own process on 127.0.0.1. After one warm-up request each (which fills the
history cache for a 2024 range of a 400-message channel and the dialog cache), N client
coroutines (httpx, one connection each) loop for S seconds, alternating
`GET /api/v3/history/{id}?start_date=2024-01-01&end_date=2024-12-31` (an SSE stream
from the cache, no Telegram call) and `GET /api/v3/search/dialogs?q=...` (fuzzy search
on the cached dialogs). Any non-200 status, transport error or incomplete stream is
counted as an error. Printed: requests, errors, throughput, p50/p99 latency.

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.load
    ... -m bench.load --clients 200 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench._loopback import free_port, wait_listening

USER = "load_user"
CHANNEL = "Load channel"
CHANNEL_MESSAGES = 400
QUERIES = ("news", "crypto", "family", "work chat", "music", "dev")


def _serve(data_dir: Path, port: int) -> None:
    import uvicorn

    from local.app import create_local_app
    from local.simtg import SimulatedTelegram, World
    from tgscraper.config import Settings
    from tgscraper.container import Container
    from tgscraper.storage.factory import build_embedded_stores
    from tgscraper.storage.sessions import EntityRow, SessionRecord

    world = World.generate(3)
    world.add_dialog(
        "channel",
        CHANNEL_MESSAGES,
        title=CHANNEL,
        created=datetime(2024, 1, 1, tzinfo=UTC),
        last_date=datetime(2024, 12, 31, tzinfo=UTC),
    )
    sim = SimulatedTelegram(world)
    settings = Settings(storage_backend="embedded", data_dir=data_dir)
    stores = build_embedded_stores(settings)
    session = sim.authorized_session()
    assert session.auth_key is not None
    stores.sessions.save(
        USER,
        SessionRecord(session.dc_id, session.server_address, session.port, session.auth_key.key),
    )
    stores.sessions.put_entities(
        USER, [EntityRow(c.peer_id, c.access_hash, c.username) for c in world.chats.values()]
    )
    container = Container(
        settings,
        stores=stores,
        client_factory=lambda s: sim.client(s, receive_updates=False),
        mode="demo",
    )
    app = create_local_app(settings, container, simulator=sim)
    uvicorn.run(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
    )


class _Stats:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = {"history": [], "search": []}
        self.errors: dict[str, int] = {}

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


async def _warm_up(base: str) -> tuple[int, int]:
    """Fill the caches; returns (channel id, messages per history answer)."""
    import httpx

    headers = {"X-Telegram-Username": USER}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as http:
        found = await http.get(
            "/api/v3/search/dialogs", params={"q": CHANNEL, "match": "exact", "limit": 1}
        )
        found.raise_for_status()
        channel = int(found.json()["results"][0]["id"])
        for q in QUERIES:
            (
                await http.get("/api/v3/search/dialogs", params={"q": q, "limit": 20})
            ).raise_for_status()
        history = await http.get(f"/api/v3/history/{channel}", params=_range())
        history.raise_for_status()
        messages = history.text.count('"message_id"')
    return channel, messages


def _range() -> dict[str, str]:
    return {"start_date": "2024-01-01", "end_date": "2024-12-31", "chunk_size": "100"}


async def _client(
    base: str, channel: int, messages: int, deadline: float, stats: _Stats, n: int
) -> None:
    import httpx

    headers = {"X-Telegram-Username": USER}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30, limits=limits) as http:
        i = n
        while time.monotonic() < deadline:
            i += 1
            kind = "history" if i % 2 else "search"
            start = time.perf_counter()
            try:
                if kind == "history":
                    resp = await http.get(f"/api/v3/history/{channel}", params=_range())
                    ok = resp.status_code == 200 and resp.text.count('"message_id"') == messages
                else:
                    q = QUERIES[i % len(QUERIES)]
                    resp = await http.get("/api/v3/search/dialogs", params={"q": q, "limit": 20})
                    ok = resp.status_code == 200 and "results" in resp.json()
            except httpx.HTTPError as exc:
                stats.error(f"{kind}: {type(exc).__name__}")
                continue
            if ok:
                stats.latency[kind].append(time.perf_counter() - start)
            else:
                stats.error(f"{kind}: HTTP {resp.status_code}")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _load(base: str, clients: int, seconds: float) -> tuple[_Stats, float, int]:
    channel, messages = await _warm_up(base)
    stats = _Stats()
    start = time.monotonic()
    deadline = start + seconds
    tasks = [_client(base, channel, messages, deadline, stats, n) for n in range(clients)]
    # Bounded: every client stops at the deadline; a stuck one is cut after a grace period.
    await asyncio.wait_for(asyncio.gather(*tasks), seconds + 60)
    return stats, time.monotonic() - start, messages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of the load")
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(Path(args.serve[0]), int(args.serve[1]))
        return

    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(["layers/common/python", "."])}
        env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
        cmd = [sys.executable, "-m", "bench.load", "--serve", tmp, str(port)]
        server = subprocess.Popen(cmd, env=env)
        try:
            wait_listening(port, server)
            stats, elapsed, messages = asyncio.run(
                _load(f"http://127.0.0.1:{port}", args.clients, args.seconds)
            )
        finally:
            server.terminate()
            server.wait(10)

    done = sum(len(v) for v in stats.latency.values())
    errors = sum(stats.errors.values())
    print(
        f"load: {args.clients} clients for {args.seconds:.0f} s on 127.0.0.1, one uvicorn "
        "process (demo mode, embedded store), the clients in another process"
    )
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"requests: {done} ok, {errors} errors {stats.errors or ''}")
    print(f"throughput: {done / elapsed:.0f} req/s")
    for kind, values in stats.latency.items():
        what = f"cached history ({messages} msgs, SSE)" if kind == "history" else "dialog search"
        print(
            f"{what}: {len(values)} req, {len(values) / elapsed:.0f} req/s, "
            f"p50 {_pct(values, 0.5):.0f} ms, p99 {_pct(values, 0.99):.0f} ms, "
            f"mean {statistics.fmean(values) * 1000 if values else float('nan'):.0f} ms"
        )
    if errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
