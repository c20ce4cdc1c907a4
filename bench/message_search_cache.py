"""GET /search/messages?source=cache, at the storage port, on both adapter sets:

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.message_search_cache [--quick]

Embedded: the SQLite FTS5 index over every cached chat (first search builds the index
from what is cached). AWS: the scan of one dialog's cache (storage/text_scan.py) under
moto, which measures the matching and the page reads, not DynamoDB's network latency;
a rare word is the worst case (the whole cached span is read for a short page).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from pathlib import Path

from tgscraper.history.record import MessageRecord
from tgscraper.history.store import MessageCache, sk_ceiling, sk_floor
from tgscraper.storage.factory import Stores, build_aws_stores, build_embedded_stores
from tgscraper.storage.text_search import TextQuery, text_search_for

USER = "bench"
T0 = 1_600_000_000
WORDS = [
    "release",
    "notes",
    "launch",
    "video",
    "photo",
    "meeting",
    "coffee",
    "budget",
    "report",
    "planning",
]


def _fill(stores: Stores, dialogs: int, per_dialog: int) -> None:
    rnd = random.Random(7)
    for d in range(dialogs):
        cache = MessageCache(stores.messages, USER, -1000 - d)
        records = []
        for mid in range(1, per_dialog + 1):
            text = " ".join(rnd.choice(WORDS) for _ in range(8))
            if mid % 997 == 0:
                text += " zanzibar"  # the rare word
            body = {"message_id": mid, "message": text, "sender_id": 7, "media": None}
            records.append(MessageRecord(mid, T0 + mid * 30, json.dumps(body), None, "{}"))
        cache.put_records(records)


def _timed(stores: Stores, pk_glob: str, q: str, rounds: int) -> tuple[float, float, int]:
    finder = text_search_for(stores)
    query = TextQuery(pk_glob, q, sk_floor(0), sk_ceiling(T0 + 10**8), limit=50)
    runs, hits = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        hits = len(finder.search(query))
        runs.append(time.perf_counter() - start)
    runs.sort()
    return runs[len(runs) // 2] * 1000, runs[int(len(runs) * 0.95)] * 1000, hits


def _report(label: str, figures: tuple[float, float, int], target: str) -> None:
    p50, p95, hits = figures
    print(f"{label:58s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({hits} hits)  target {target}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    dialogs, per = (5, 2_000) if args.quick else (10, 10_000)
    aws_per = 1_000 if args.quick else 5_000
    rounds = 5 if args.quick else 20
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        from tgscraper.config import Settings

        stores = build_embedded_stores(Settings(storage_backend="embedded", data_dir=Path(tmp)))
        _fill(stores, dialogs, per)
        n = dialogs * per
        start = time.perf_counter()
        _timed(stores, f"msg#{USER}#*", "x", 1)
        print(
            f"embedded: first search indexes {n} cached messages in "
            f"{time.perf_counter() - start:.2f} s  target ≤ 5 s"
        )
        _report(
            f"embedded, all {dialogs} chats ({n} msgs), q=launch video",
            _timed(stores, f"msg#{USER}#*", "launch video", rounds),
            "p50 ≤ 20 ms",
        )
        _report(
            "embedded, all chats, rare word",
            _timed(stores, f"msg#{USER}#*", "zanzibar", rounds),
            "p50 ≤ 20 ms",
        )

    from moto import mock_aws

    # moto only: fake credentials in this process, never real ones.
    for key, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        os.environ[key] = value
    with mock_aws():
        from tests.support.aws import aws_test_settings, create_aws_resources

        settings = aws_test_settings()
        create_aws_resources(settings)
        stores = build_aws_stores(settings)
        _fill(stores, 1, aws_per)
        pk = f"msg#{USER}#-1000"
        _report(
            f"aws/moto, one dialog ({aws_per} msgs), q=launch video",
            _timed(stores, pk, "launch video", rounds),
            "p50 ≤ 200 ms",
        )
        _report(
            f"aws/moto, one dialog ({aws_per} msgs), rare word (full read)",
            _timed(stores, pk, "zanzibar", max(3, rounds // 4)),
            "p50 ≤ 2 s",
        )


if __name__ == "__main__":
    main()
