"""README's "Exports" section, run literally: its ```bash blocks (curl and the `tgscraper
export` CLI) are executed by bash against a real `python -m local serve` in demo mode,
and every file they write is parsed back and compared with the demo's seeded world.
Only the host:port changes (and `.venv/bin/tgscraper` is this checkout's `python -m local`)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from local.simtg import demo_world
from tests.support.exports import parse_csv, parse_ndjson, parse_tdesktop
from tests.support.readme_shapes import bash_blocks
from tests.support.server_process import API, ROOT, running_server

USER = "john_doe"
README_BASE = "http://localhost:8000"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")


def _log_in(base: str) -> None:
    with httpx.Client(base_url=base, timeout=30) as http:
        token = http.post(f"{API}/auth/qr", json={"username": USER}).json()["token"]
        assert http.post(f"{API}/demo/qr/{token}/approve").status_code == 200
        for _ in range(100):
            if http.get(f"{API}/auth/qr/{token}").json()["status"] == "success":
                return
            time.sleep(0.05)
    raise AssertionError("the demo login never succeeded")


def _ids_between(peer: int, lo: str, hi: str) -> list[int]:
    return [
        m.id
        for m in demo_world().messages(peer)
        if lo <= m.date.strftime("%Y-%m-%d %H:%M:%S") <= hi
    ]


def test_readme_export_examples_write_what_the_world_holds(tmp_path: Path) -> None:
    blocks = bash_blocks((ROOT / "README.md").read_text(), "Exports")
    assert len(blocks) == 2, "README lost its export examples (curl, CLI)"
    work = tmp_path / "work"
    work.mkdir()
    with running_server(tmp_path / "data") as server:
        _log_in(server.url)
        script = "set -euo pipefail\n" + "\n".join(blocks)
        script = script.replace(README_BASE, server.url)
        script = script.replace(".venv/bin/tgscraper ", '"$PY" -m local ')
        run = subprocess.run(
            ["bash", "-c", script],
            cwd=work,
            env={
                **os.environ,
                "PY": sys.executable,
                "TGSCRAPER_SERVER": server.url,
                # This checkout's sources, whatever the shared venv has installed.
                "PYTHONPATH": f"{ROOT / 'layers' / 'common' / 'python'}{os.pathsep}{ROOT}",
            },
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, f"{run.stderr[-2000:]}\n{server.log()[-2000:]}"
    archive, showcase = -1002452146875, -1002132191708
    january = _ids_between(archive, "2024-01-01", "2024-01-31 23:59:59")
    assert january
    messages, end = parse_ndjson((work / "archive.jsonl").read_text())
    assert [m["message_id"] for m in messages] == january and end["event"] == "end"
    rows, (name, _) = parse_csv((work / "archive.csv").read_bytes().decode("utf-8"))
    assert [int(r["message_id"]) for r in rows] == january and name == "end"
    doc = parse_tdesktop((work / "result.json").read_text())
    assert [m["id"] for m in doc["messages"]] == [m.id for m in demo_world().messages(showcase)]
    # /history as NDJSON went to stdout, after the curl downloads (which print nothing).
    streamed, control = parse_ndjson(run.stdout)
    assert control["event"] == "end"
    assert [m["message_id"] for m in streamed] == _ids_between(archive, "2025-05-01", "9999-12-31")
    # The CLI: the whole archive as CSV (no control row), the showcase with its files.
    with (work / "archive_all.csv").open(newline="", encoding="utf-8") as handle:
        _header, *cli_rows = list(csv.reader(handle, strict=True))
    assert [int(r[0]) for r in cli_rows] == [m.id for m in demo_world().messages(archive)]
    result = work / "showcase" / "result.json"
    doc = parse_tdesktop(result.read_text())
    files = [m.get("photo") or m.get("file") for m in doc["messages"]]
    files = [f for f in files if f]
    assert files and all((result.parent / f).is_file() for f in files)
    assert json.loads(result.read_text())["name"] == "Showcase News"
