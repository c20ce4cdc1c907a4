"""Time to the first SSE frame of an uncached history, per chunk_size:

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.history_first_chunk [--quick]

Frames hold exactly chunk_size messages (docs/history-stream.md), buffered across
Telegram's 100-message pages, so a frame of more than 100 messages waits for the pages it
needs. The target: the first frame leaves as soon as its messages are in, never later than
one page after the pages it needs are in: measured against the time those pages take in
the same run, as frames of chunk_size=100 (one per page) show it. Every request uses
force_refresh=true, so it walks the simulated Telegram again in the same warm server
process (bench.history_sse's server).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.history_sse import _CLIENT, LATENCY, USER, _bench_peer, _Server, _sim_world

PAGE = 100


def _time_to(url: str, params: dict[str, Any], messages: int) -> float:
    """Seconds from the request until complete frames have carried `messages` messages."""
    start = time.perf_counter()
    buf, seen = b"", 0
    with _CLIENT.stream("GET", url, params=params, headers={"X-Telegram-Username": USER}) as resp:
        resp.raise_for_status()
        for chunk in resp.iter_raw():  # as received: a size would wait to fill it
            buf += chunk
            *frames, buf = buf.split(b"\n\n")
            seen += sum(f.count(b'{"message_id":') for f in frames)
            if seen >= messages:
                return time.perf_counter() - start
    raise RuntimeError(f"the stream held {seen} < {messages} messages")


def _median(rounds: int, url: str, params: dict[str, Any], messages: int) -> float:
    runs = []
    for _ in range(rounds):
        runs.append(_time_to(url, {**params, "force_refresh": "true"}, messages))
        time.sleep(0.3)  # the abandoned stream's walk stops and frees the account
    return sorted(runs)[rounds // 2]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.history_first_chunk")
    parser.add_argument("--quick", action="store_true", help="fewer rounds (smoke run)")
    args = parser.parse_args()
    rounds = 3 if args.quick else 7
    sizes = (1, 37, 100, 150, 1000)
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    print(
        f"time to the first frame, uncached (force_refresh=true), {LATENCY * 1000:.0f} ms per "
        f"Telegram request, median of {rounds}"
    )
    messages = 3_000
    peer = _bench_peer(_sim_world(messages))
    with tempfile.TemporaryDirectory() as tmp:
        server = _Server(Path(tmp), messages, LATENCY)
        try:
            url = f"{server.url}/api/v3/history/{peer}"
            _time_to(url, {"chunk_size": PAGE}, 1)  # warm-up: the first connect
            # Reference: when the same messages arrive in page-sized frames (chunk_size=100,
            # one frame per Telegram page), i.e. when the pages a frame needs are in.
            ref = {n: _median(rounds, url, {"chunk_size": PAGE}, n) for n in (100, 200, 1000)}
            page = (ref[1000] - ref[100]) / 9  # one page's time at this load
            for size in sizes:
                first = _median(rounds, url, {"chunk_size": size}, 1)
                pages = math.ceil(size / PAGE)
                needs = ref.get(pages * PAGE, ref[100] + (pages - 1) * page)
                target = needs + page  # its pages in, plus at most one page
                verdict = "ok" if first <= target else "OVER"
                print(
                    f"  chunk_size={size:<5} first frame {first * 1000:6.0f} ms; its {pages} "
                    f"page(s) in at {needs * 1000:.0f} ms (target <= {target * 1000:.0f} ms: "
                    f"{verdict})"
                )
        finally:
            server.close()
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
