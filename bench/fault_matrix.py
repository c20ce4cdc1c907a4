"""Worst-case time to answer of each cell of the fault matrix (issue 13):

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.fault_matrix [--rounds N]

Each network fault of the simulated Telegram on TCP (`local.simtg.net`) × each endpoint
that talks to Telegram (`tests/network/matrix.py`, the cells the tests assert on): a fresh
app and data dir per round, the endpoint's setup on a healthy server, the fault, then the
timed request. A cell is the slowest of its rounds; the answer must also be a clear 502
(or an SSE `event: error`), else the cell says what it got instead.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from tests.network.matrix import ENDPOINTS, FAULTS, new_server, open_rig, unclear

DEFAULT_TIMEOUT = 2.0


def target(timeout: float) -> float:
    """A request makes at most two bounded steps before it fails (the connect, with its
    retries inside one deadline, then the first call), plus the answer itself."""
    return 2 * timeout + 1.0


async def _cell(server: object, fault: str, endpoint: str, timeout: float) -> tuple[float, str]:
    setup, call = ENDPOINTS[endpoint]
    with tempfile.TemporaryDirectory() as data:
        async with open_rig(server, Path(data), timeout) as rig:  # type: ignore[arg-type]
            ctx = await setup(rig)
            FAULTS[fault](rig.faults)
            started = time.perf_counter()
            try:
                response = await call(rig, ctx)
            finally:
                elapsed = time.perf_counter() - started
                rig.faults.recover()
    problem = unclear(response)
    return elapsed, "" if problem is None else problem


async def run(rounds: int, timeout: float) -> int:
    worst: dict[tuple[str, str], float] = {}
    problems: list[str] = []
    with new_server() as server:
        for _ in range(rounds):
            for fault in FAULTS:
                for endpoint in ENDPOINTS:
                    elapsed, problem = await _cell(server, fault, endpoint, timeout)
                    key = (fault, endpoint)
                    worst[key] = max(worst.get(key, 0.0), elapsed)
                    if problem:
                        problems.append(f"{fault} × {endpoint}: {problem}")
    bound = target(timeout)
    print(f"TELEGRAM_TIMEOUT={timeout:g} s, {rounds} rounds; load: {_load()}")
    print(f"worst-case seconds to a clear 502 (target: <= {bound:g} s = 2 × timeout + 1)\n")
    endpoints = list(ENDPOINTS)
    print("| fault | " + " | ".join(endpoints) + " |")
    print("|---|" + "---|" * len(endpoints))
    over = 0
    for fault in FAULTS:
        cells = []
        for endpoint in endpoints:
            seconds = worst[(fault, endpoint)]
            over += seconds > bound
            cells.append(f"{seconds:.2f}" + (" (over)" if seconds > bound else ""))
        print(f"| {fault} | " + " | ".join(cells) + " |")
    print(f"\ntarget <= {bound:g} s per cell: {len(worst) - over}/{len(worst)} cells within")
    for problem in problems:
        print("NOT A CLEAR 502:", problem)
    return 1 if problems else 0


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} cores"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT)
    args = parser.parse_args()
    logging.getLogger("telethon").setLevel(logging.CRITICAL)  # one line per failed attempt
    return asyncio.run(run(args.rounds, args.timeout))


if __name__ == "__main__":
    sys.exit(main())
