"""Cold start: what each Lambda handler module costs to import, against importing everything.

Each measurement runs in a fresh interpreter (a cold Lambda sandbox imports the handler
module once), `RUNS` times; the table shows the median import time of the module alone
(and the minimum, the least noisy figure on a busy machine; interpreter start-up excluded),
which heavy packages the import pulled in, and how many modules were loaded. The baseline
imports every handler plus Telethon and boto3, i.e. what one monolithic function would pay.

Then two first requests replayed through the real handlers (events/), fresh process each:
GET /health on info, and a stored file on files (S3 + DynamoDB under moto), reporting
whether serving from the store loaded Telethon at any point.

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.cold_start
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("COLD_START_RUNS", "7"))
HEAVY = ("telethon", "boto3", "botocore", "rapidfuzz", "qrcode", "pydantic", "fastapi")

TARGETS: dict[str, list[str]] = {
    "functions.info.app": ["functions.info.app"],
    "functions.auth.app": ["functions.auth.app"],
    "functions.dialogs.app": ["functions.dialogs.app"],
    "functions.history.app": ["functions.history.app"],
    "functions.files.app": ["functions.files.app"],
    "functions.authorizer.authorizer_app": ["functions.authorizer.authorizer_app"],
    "everything (5 handlers + telethon + boto3)": [
        "functions.info.app",
        "functions.auth.app",
        "functions.dialogs.app",
        "functions.history.app",
        "functions.files.app",
        "telethon",
        "boto3",
    ],
}

_IMPORT_PROBE = """
import importlib, json, sys, time
names = json.loads(sys.argv[1])
heavy = json.loads(sys.argv[2])
before = len(sys.modules)
t = time.perf_counter()
for name in names:
    importlib.import_module(name)
ms = (time.perf_counter() - t) * 1000
print(json.dumps({"ms": ms, "modules": len(sys.modules) - before,
                  "heavy": [h for h in heavy if h in sys.modules]}))
"""

# A first request served from the store, in a fresh process. Telethon is checked after
# the request too: a lazy import inside the route would show up here.
_REQUEST_PROBE = """
import json, os, sys, time
group, event_path = sys.argv[1], sys.argv[2]
os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                  AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1")
from moto import mock_aws
with mock_aws():
    from tests.support.aws import aws_test_settings, create_aws_resources
    settings = aws_test_settings()
    create_aws_resources(settings)
    os.environ.update(STORAGE_BACKEND="aws", SESSIONS_TABLE=settings.sessions_table,
                      QR_TABLE=settings.qr_table, MESSAGES_TABLE=settings.messages_table,
                      MEDIA_TABLE=settings.media_table, MEDIA_BUCKET=settings.media_bucket)
    event = json.load(open(event_path))
    if group == "files":
        from tgscraper.media.index import MediaIndex, new_entry
        from tgscraper.storage.factory import build_aws_stores
        from tgscraper.storage.sessions import SessionRecord
        stores = build_aws_stores(settings)
        user = event["headers"]["x-telegram-username"]
        stores.sessions.save(user, SessionRecord(2, "149.154.167.51", 443, b"k" * 256))
        entry = new_entry(user, -1001234567890, 7, type="MessageMediaPhoto",
                          filename="photo.jpg", size=1000, mime="image/jpeg")
        MediaIndex(stores.media).put_many([entry])
        writer = stores.blobs.open_writer(entry.object_key)
        writer.write(b"x" * 1000)
        writer.commit()
        path = "/api/v3/files/" + entry.uuid
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event.setdefault("pathParameters", {})["uuid"] = entry.uuid
    telethon_before = "telethon" in sys.modules
    t = time.perf_counter()
    module = __import__("functions." + group + ".app", fromlist=["handler"])
    imported = time.perf_counter()
    response = module.handler(event, None)
    done = time.perf_counter()
print(json.dumps({"status": response["statusCode"],
                  "import_ms": (imported - t) * 1000, "request_ms": (done - imported) * 1000,
                  "telethon": "telethon" in sys.modules and not telethon_before}))
"""


# Demo-free, key-free, real-endpoint-free, and allowed to cache bytecode like a warm disk.
_UNSET = (
    "PYTHONDONTWRITEBYTECODE",
    "TELEGRAM_API_ID",
    "TELEGRAM_API_HASH",
    "API_KEY",
    "AWS_ENDPOINT_URL",
)


def _env() -> dict[str, str]:
    env = os.environ.copy()
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers/common/python"), str(ROOT)])
    for name in _UNSET:
        env.pop(name, None)
    return env


def _probe(code: str, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


Row = tuple[float, float, int, list[str]]


def measure_imports(targets: dict[str, list[str]]) -> dict[str, Row]:
    """label -> (median ms, min ms, modules loaded, heavy packages loaded).

    Runs are interleaved across targets (round-robin), so a burst of load on the machine
    hits every row alike instead of skewing one; one unmeasured round first warms the
    .pyc files and the OS page cache, as a deployed package's would be.
    """
    args = {label: (json.dumps(names), json.dumps(HEAVY)) for label, names in targets.items()}
    for label in targets:
        _probe(_IMPORT_PROBE, *args[label])
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in targets}
    for _ in range(RUNS):
        for label in targets:
            runs[label].append(_probe(_IMPORT_PROBE, *args[label]))
    out = {}
    for label, results in runs.items():
        times = [float(r["ms"]) for r in results]
        last = results[-1]
        out[label] = (
            statistics.median(times),
            min(times),
            int(last["modules"]),
            list(last["heavy"]),
        )
    return out


def main() -> None:
    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cores; median of {RUNS} fresh interpreters per row\n"
    )
    rows = measure_imports(TARGETS)
    everything = list(rows.values())[-1][1]  # ratios of the minimums: the least noisy
    width = max(len(label) for label in rows)
    print(
        f"{'module':<{width}}  {'median ms':>9}  {'min ms':>6}  {'min/all':>7}  {'modules':>7}  "
        "heavy packages"
    )
    for label, (ms, best, modules, heavy) in rows.items():
        share = f"{best / everything:.0%}"
        print(
            f"{label:<{width}}  {ms:>9.0f}  {best:>6.0f}  {share:>7}  {modules:>7}  "
            f"{', '.join(heavy) or '-'}"
        )

    print("\nfirst request from the store (fresh process, moto):")
    print(f"{'request':<32}  {'status':>6}  {'import ms':>9}  {'request ms':>10}  telethon loaded")
    probes = {
        "info GET /health": ("info", "events/info_health.json"),
        "files GET /api/v3/files/{uuid}": ("files", "events/files_get.json"),
    }
    for label, (group, event) in probes.items():
        r = _probe(_REQUEST_PROBE, group, str(ROOT / event))
        print(
            f"{label:<32}  {r['status']:>6}  {r['import_ms']:>9.0f}  "
            f"{r['request_ms']:>10.0f}  {'yes' if r['telethon'] else 'no'}"
        )


if __name__ == "__main__":
    main()
