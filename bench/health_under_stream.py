"""`/health` latency while a fast reader streams 1M cached messages (issue 14, item 3):

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.health_under_stream [--quick]

The server runs in its own process with the local runner's uvicorn configuration
(local.server) and the embedded store, so the figures include the real SSE writer. One
client thread streams the whole cached range as fast as it can read; another polls
`/health` on a keep-alive connection every 10 ms until the stream ends. Reported: the
`/health` p50/p99/max with the target beside (p99 <= 50 ms on the 2-core machine), the
stream's rate, and the machine load (`uptime`) before the run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench._loopback import free_port
from bench.history_sse import CACHED_DIALOG, USER, _fill_cache, _range

TARGET_P99_MS = 50.0
POLL_EVERY = 0.01


def serve(data: Path, port: int) -> None:
    from functions.history.app import router as history_router
    from functions.info.app import router as info_router
    from local.server import Server, build_config
    from tgscraper.api.app_factory import create_app
    from tgscraper.config import Settings
    from tgscraper.container import Container
    from tgscraper.storage.factory import build_embedded_stores
    from tgscraper.storage.sessions import SessionRecord

    settings = Settings(storage_backend="embedded", data_dir=data)
    stores = build_embedded_stores(settings)
    stores.sessions.save(USER, SessionRecord(2, "127.0.0.1", 443, b"\x01" * 256))
    container = Container(settings, stores=stores, mode="demo")
    app = create_app([info_router, history_router], container=container)
    config = build_config(
        app, settings, host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    Server(config).run()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _run(url: str, n: int, chunk_size: int) -> dict[str, Any]:
    done = threading.Event()
    result: dict[str, Any] = {}

    def stream() -> None:
        pattern = b'{"message_id":'
        count, tail = 0, b""
        start = time.perf_counter()
        params = {**_range(n), "chunk_size": chunk_size}
        with (
            httpx.Client(timeout=600) as client,
            client.stream(
                "GET",
                f"{url}/api/v3/history/{CACHED_DIALOG}",
                params=params,
                headers={"X-Telegram-Username": USER},
            ) as resp,
        ):
            resp.raise_for_status()
            for chunk in resp.iter_raw(1 << 16):
                buf = tail + chunk
                count += buf.count(pattern)
                tail = buf[-(len(pattern) - 1) :]
        result["messages"] = count
        result["seconds"] = time.perf_counter() - start
        done.set()

    latencies: list[float] = []
    with httpx.Client(base_url=url, timeout=30) as health:
        health.get("/health")  # connection warm before the stream starts
        reader = threading.Thread(target=stream, daemon=True)
        reader.start()
        time.sleep(0.2)  # the stream is under way
        while not done.is_set():
            t = time.perf_counter()
            assert health.get("/health").status_code == 200
            latencies.append((time.perf_counter() - t) * 1000)
            time.sleep(POLL_EVERY)
        reader.join(timeout=600)
    result["latencies"] = latencies
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100k messages instead of 1M")
    args, rest = parser.parse_known_args()
    if rest[:1] == ["serve"]:
        serve(Path(rest[1]), int(rest[2]))
        return 0
    n = 100_000 if args.quick else 1_000_000
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"machine load before the run: {load}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        t = time.perf_counter()
        _fill_cache(data, n)
        print(f"cache filled with {n:,} messages in {time.perf_counter() - t:.1f} s")
        port = free_port()
        cmd = [sys.executable, "-m", "bench.health_under_stream", "serve", str(data), str(port)]
        proc = subprocess.Popen(cmd, env=os.environ.copy())
        try:
            from bench._loopback import wait_listening

            wait_listening(port, proc)
            url = f"http://127.0.0.1:{port}"
            failed = False
            for chunk_size in (100, 1):
                size = n if chunk_size == 100 else min(n, 100_000)
                r = _run(url, size, chunk_size)
                lat = r["latencies"]
                p50, p99 = statistics.median(lat), _percentile(lat, 0.99)
                ok = p99 <= TARGET_P99_MS
                failed |= not ok
                print(
                    f"stream {r['messages']:,} cached messages, chunk_size={chunk_size}: "
                    f"{r['messages'] / r['seconds']:,.0f} msg/s over {r['seconds']:.1f} s; "
                    f"/health during it ({len(lat)} polls): p50 {p50:.1f} ms, "
                    f"p99 {p99:.1f} ms (target <= {TARGET_P99_MS:.0f} ms "
                    f"{'OK' if ok else 'MISSED'}), max {max(lat):.1f} ms"
                )
        finally:
            proc.terminate()
            proc.wait(15)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"machine load after the run: {load}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
