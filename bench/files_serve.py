"""Serve a 200 MB media file from the embedded store over loopback.

uvicorn runs the files app in its own process on 127.0.0.1; a real HTTP client (httpx)
streams the file to /dev/null. Reported: throughput of whole-file and ranged downloads,
and the server process's peak RSS growth over its warmed-up baseline (sampled from
/proc every 5 ms, and VmHWM), which shows whether memory stays constant with size.

    PYTHONPATH=layers/common/python:. .venv/bin/python -m bench.files_serve [--mb 200]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench._loopback import free_port, wait_listening

USER = "bench_user"
CHUNK = 1024 * 1024


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _prepare(data_dir: Path, size: int) -> str:
    """A logged-in user, an index entry and its committed blob; returns the uuid."""
    from tgscraper.config import Settings
    from tgscraper.media.index import MediaIndex, new_entry
    from tgscraper.storage.factory import build_embedded_stores
    from tgscraper.storage.sessions import SessionRecord

    stores = build_embedded_stores(Settings(storage_backend="embedded", data_dir=data_dir))
    stores.sessions.save(USER, SessionRecord(2, "127.0.0.1", 443, os.urandom(256)))
    entry = new_entry(
        USER,
        -1001,
        1,
        type="MessageMediaDocument",
        filename="bench.mp4",
        size=size,
        mime="video/mp4",
    )
    MediaIndex(stores.media).put_many([entry])
    block = os.urandom(CHUNK)
    writer = stores.blobs.open_writer(entry.object_key)
    for offset in range(0, size, CHUNK):
        writer.write(block[: min(CHUNK, size - offset)])
    writer.commit()
    return entry.uuid


def _serve(data_dir: Path, port: int) -> None:
    import uvicorn

    from functions.files.app import router
    from tgscraper.api.app_factory import create_app
    from tgscraper.config import Settings
    from tgscraper.container import Container

    settings = Settings(storage_backend="embedded", data_dir=data_dir)
    app = create_app([router], container=Container(settings, mode="bench"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class _RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, _status_kib(self.pid, "VmRSS"))
            time.sleep(0.005)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def _download(url: str, headers: dict[str, str]) -> tuple[int, float]:
    import httpx

    received = 0
    with open(os.devnull, "wb") as sink, httpx.Client(timeout=120) as client:
        start = time.perf_counter()
        with client.stream("GET", url, headers=headers) as resp:
            resp.raise_for_status()
            for chunk in resp.iter_raw(CHUNK):
                sink.write(chunk)
                received += len(chunk)
        elapsed = time.perf_counter() - start
    return received, elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200, help="file size in MB (10^6 bytes)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--serve", nargs=2, metavar=("DATA_DIR", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        _serve(Path(args.serve[0]), int(args.serve[1]))
        return

    size = args.mb * 1_000_000
    with tempfile.TemporaryDirectory(prefix="bench-files-") as tmp:
        data_dir = Path(tmp)
        media_id = _prepare(data_dir, size)
        port = free_port()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(["layers/common/python", "."])}
        env.pop("AWS_LAMBDA_FUNCTION_NAME", None)
        cmd = [sys.executable, "-m", "bench.files_serve", "--serve", str(data_dir), str(port)]
        server = subprocess.Popen(cmd, env=env)
        try:
            wait_listening(port, server)
            url = f"http://127.0.0.1:{port}/api/v3/files/{media_id}"
            auth = {"X-Telegram-Username": USER}
            _download(url, {**auth, "Range": "bytes=0-1048575"})  # warm up imports, threads
            baseline = _status_kib(server.pid, "VmRSS")
            sampler = _RssSampler(server.pid)
            sampler.start()
            results = []
            for _ in range(args.runs):
                got, secs = _download(url, auth)
                assert got == size, (got, size)
                results.append(size / secs / 1e6)
            half = size // 2
            ranged = {**auth, "Range": f"bytes={size // 4}-{size // 4 + half - 1}"}
            got, secs = _download(url, ranged)
            assert got == half, (got, half)
            peak = sampler.stop()
            hwm = _status_kib(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(10)

    print(f"file: {args.mb} MB from the embedded (folder) store, uvicorn on 127.0.0.1")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(
        "whole file: "
        + ", ".join(f"{r:.0f}" for r in results)
        + f" MB/s (best {max(results):.0f}, median {sorted(results)[len(results) // 2]:.0f})"
    )
    print(f"ranged {half // 1_000_000} MB from the middle (206): {half / secs / 1e6:.0f} MB/s")
    print(
        f"server RSS: baseline {baseline / 1024:.1f} MiB, peak while serving "
        f"{peak / 1024:.1f} MiB (growth {(peak - baseline) / 1024:.1f} MiB), "
        f"VmHWM {hwm / 1024:.1f} MiB"
    )


if __name__ == "__main__":
    main()
