"""Dialog search benchmark, one command:

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.dialogs_search [--quick]

A simulated account with 5,000 dialogs (every type, six folders). After one warm-up
search that fills the dialog cache (listing + every message count, the Telegram work a
first `sort=messages` search does), it measures fuzzy and exact queries with filters,
sorts, folders and paging, served from the cache:
(a) in-process: DialogService.search on the embedded store (SQLite), p50/p95;
(b) over HTTP: the dialogs app under uvicorn on 127.0.0.1 (a thread), httpx keep-alive
    client, a bounded number of requests, p50/p95;
(c) a cold process: decoding the cached snapshot from the store (no memo).
It also prints the Telegram requests made while measuring (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench._loopback import free_port

USER = "bench_user"
DIALOGS = 5000

QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("list default", {}),
    ("fuzzy q", {"q": "crypto news"}),
    ("fuzzy q + types", {"q": "python devs", "min_score": 0.6, "type": ["supergroup", "group"]}),
    ("fuzzy cyrillic + archived", {"q": "новости", "is_archived": False}),
    ("exact q + dates", {"q": "o", "match": "exact", "last_message_after": "2025-01-01"}),
    ("exact q + sort title", {"q": "bot", "match": "exact", "sort": "title", "order": "asc"}),
    ("sort messages + min", {"sort": "messages", "min_messages": 10, "limit": 100}),
    ("sort participants", {"sort": "participants", "type": "channel", "min_participants": 100}),
    ("folder + unread sort", {"folder": "2", "sort": "unread"}),
    ("page 20 of 50", {"limit": 50, "offset": 950}),
    ("limit 500", {"limit": 500}),
]


def _world() -> Any:
    from local.simtg import World

    world = World.generate(
        9,
        users=4600,
        bots=150,
        groups=250,
        supergroups=400,
        channels=300,
        folders=6,
        messages=(1, 40),
        years=3,
    )
    while len(world.dialogs) < DIALOGS:
        world.add_dialog("user", 5)
    del world.dialogs[DIALOGS:]  # never needed: generation lands just above 5,000
    return world


def _pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def _report(name: str, samples: list[float]) -> None:
    print(f"  {name:<28} p50 {_pct(samples, 50):7.2f} ms   p95 {_pct(samples, 95):7.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args()
    reps = 5 if args.quick else 30

    from functions.dialogs.app import router
    from local.simtg import SimulatedTelegram
    from tgscraper.api.app_factory import create_app
    from tgscraper.config import Settings
    from tgscraper.container import Container
    from tgscraper.dialogs.cache import DialogCache
    from tgscraper.dialogs.query import SearchParams
    from tgscraper.dialogs.service import DialogService
    from tgscraper.storage.factory import build_embedded_stores
    from tgscraper.storage.sessions import SessionRecord

    t0 = time.perf_counter()
    world = _world()
    sim = SimulatedTelegram(world)
    print(
        f"world: {len(world.dialogs)} dialogs, {len(world.folders)} folders "
        f"({time.perf_counter() - t0:.1f} s to generate)"
    )
    data = Path(tempfile.mkdtemp(prefix="bench-dialogs-"))
    settings = Settings(storage_backend="embedded", data_dir=data)
    stores = build_embedded_stores(settings)
    session = sim.authorized_session()
    assert session.auth_key is not None
    stores.sessions.save(
        USER, SessionRecord(session.dc_id, session.server_address, 443, session.auth_key.key)
    )
    container = Container(
        settings,
        stores=stores,
        client_factory=lambda s: sim.client(s, receive_updates=False),
        mode="demo",
    )
    service = DialogService.from_container(container)

    def params(p: dict[str, Any]) -> SearchParams:
        values = dict(p)
        types = values.pop("type", None)
        types = [types] if isinstance(types, str) else types
        return SearchParams.build(types=types, **values)

    loop = asyncio.new_event_loop()
    t0 = time.perf_counter()
    first = loop.run_until_complete(service.search(USER, params({})))
    print(
        f"first search (cold cache, 50 counts): {time.perf_counter() - t0:.2f} s, "
        f"Telegram requests: {dict(sim.requests)}"
    )
    sim.reset_requests()
    t0 = time.perf_counter()
    loop.run_until_complete(service.search(USER, params({"sort": "messages"})))
    print(
        f"first sort=messages (counts the other {DIALOGS - len(first['results'])} dialogs): "
        f"{time.perf_counter() - t0:.2f} s, GetHistoryRequest: "
        f"{sim.requests['GetHistoryRequest']}"
    )
    sim.reset_requests()

    print(f"\n(a) in-process, DialogService.search on the cache ({reps} runs per query)")
    everything: list[float] = []
    for name, p in QUERIES:
        sp = params(p)
        samples = []
        for _ in range(reps):
            t = time.perf_counter()
            body = loop.run_until_complete(service.search(USER, sp))
            samples.append(time.perf_counter() - t)
        everything += samples
        _report(f"{name} [{body['total']}]", samples)
    _report("ALL QUERIES", everything)

    print("\n(c) cold process: snapshot read + decoded from SQLite (no memo)")
    cold = []
    for _ in range(max(3, reps // 5)):
        fresh = build_embedded_stores(settings)
        t = time.perf_counter()
        DialogCache(fresh.messages).load(USER)
        cold.append(time.perf_counter() - t)
    _report("load 5,000-dialog snapshot", cold)

    print(f"\n(b) over HTTP: uvicorn on 127.0.0.1, {reps} requests per query")
    import uvicorn

    port = free_port()
    app = create_app([router], container=container)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    http_all: list[float] = []
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"X-Telegram-Username": USER}, timeout=30
    ) as client:
        for name, p in QUERIES:
            samples = []
            for _ in range(reps):
                t = time.perf_counter()
                resp = client.get("/api/v3/search/dialogs", params=p)
                samples.append(time.perf_counter() - t)
                assert resp.status_code == 200, resp.text
            http_all += samples
            _report(name, samples)
    _report("ALL QUERIES", http_all)
    server.should_exit = True
    thread.join(timeout=10)
    print(f"\nTelegram requests while measuring: {sum(sim.requests.values())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
