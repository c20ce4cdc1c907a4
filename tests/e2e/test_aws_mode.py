"""STORAGE_BACKEND=aws end to end over real HTTP (issue 12, items 5 and 7).

GIVEN moto's standalone server on 127.0.0.1 (a real HTTP endpoint, not the in-process
mock), the tables and bucket created by `python -m local aws-init`, and the local runner
(`python -m local serve`, demo mode) as a subprocess with AWS_ENDPOINT_URL pointing at it,
WHEN a user logs in by QR (approved by the demo phone), searches dialogs, lists folders,
reads a channel's history as SSE and downloads a file whole and by Range,
THEN every answer is right, the data sits in the tables and the bucket (read back with
boto3 from the moto server), nothing is written under DATA_DIR or the working directory,
and after a restart of the runner the same username works without logging in again.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from local.simtg import SimulatedTelegram
from tests.e2e import processes
from tests.e2e.processes import Proc

USER = "e2e_user"
HEADERS = {"X-Telegram-Username": USER}
REGION = "eu-west-1"
NAMES = {
    "SESSIONS_TABLE": "e2e-sessions",
    "LEASES_TABLE": "e2e-leases",
    "QR_TABLE": "e2e-qr",
    "MESSAGES_TABLE": "e2e-messages",
    "MEDIA_TABLE": "e2e-media",
    "ACCOUNTS_TABLE": "e2e-accounts",
    "MEDIA_BUCKET": "e2e-media-bucket",
}
TIMEOUT = httpx.Timeout(20.0)


class World:
    """Paths and processes of one run; every process is stopped in teardown."""

    def __init__(self, tmp: Path) -> None:
        self.data_dir = tmp / "data"
        self.cwd = tmp / "cwd"
        self.logs = tmp / "logs"
        for path in (self.cwd, self.logs):
            path.mkdir()
        self.procs: list[Proc] = []
        self.moto: Proc | None = None
        self.env: dict[str, str] = {}

    def start_moto(self) -> None:
        self.moto = processes.moto_server(processes.base_env(), self.cwd, self.logs)
        self.procs.append(self.moto)
        self.env = processes.base_env(
            STORAGE_BACKEND="aws",
            AWS_ENDPOINT_URL=self.moto.url,
            # Only AWS_REGION (what Lambda sets): the app must not need AWS_DEFAULT_REGION.
            AWS_REGION=REGION,
            AWS_ACCESS_KEY_ID="e2e-dummy",
            AWS_SECRET_ACCESS_KEY="e2e-dummy",
            AWS_CONFIG_FILE=str(self.cwd / "no-aws-config"),
            AWS_SHARED_CREDENTIALS_FILE=str(self.cwd / "no-aws-credentials"),
            DATA_DIR=str(self.data_dir),
            LOG_LEVEL="INFO",
            **NAMES,
        )

    def start_runner(self) -> Proc:
        runner = processes.local_runner(self.env, self.cwd, self.logs)
        self.procs.append(runner)
        return runner

    def client(self, service: str) -> Any:
        assert self.moto is not None
        return boto3.client(
            service,
            endpoint_url=self.moto.url,
            region_name=REGION,
            aws_access_key_id="e2e-dummy",
            aws_secret_access_key="e2e-dummy",
        )

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    run = World(tmp_path)
    try:
        run.start_moto()
        yield run
    finally:
        run.stop_all()
        for proc in run.procs:  # shown by pytest only when the test failed
            print(f"---- {proc.name} ({proc.url}) ----\n{proc.output()[-4000:]}")


def _aws_init(world: World) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "local", "aws-init"],
        env=world.env,
        cwd=world.cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _login(http: httpx.Client) -> None:
    started = http.post("/api/v3/auth/qr", json={"username": USER})
    assert started.status_code == 200, started.text
    token = started.json()["token"]
    assert http.get(f"/api/v3/auth/qr/{token}").json()["status"] == "pending"
    approved = http.post(f"/api/v3/demo/qr/{token}/approve")
    assert approved.status_code == 200, approved.text
    for _ in range(20):  # bounded: the poll finishes the login in one or two calls
        status = http.get(f"/api/v3/auth/qr/{token}").json()["status"]
        if status == "success":
            return
        assert status == "pending", status
        time.sleep(0.1)
    pytest.fail("the approved QR login never succeeded")


def _sse_history(http: httpx.Client, dialog_id: int) -> list[dict[str, Any]]:
    """Reads the stream frame by frame as it arrives, with a real HTTP client."""
    messages: list[dict[str, Any]] = []
    events: list[str] = []
    with http.stream("GET", f"/api/v3/history/{dialog_id}", headers=HEADERS) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        event = "message"
        for line in resp.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                events.append(event)
                payload = json.loads(line[6:])
                assert event != "error", payload
                messages.extend(payload.get("messages", []))
            elif line == "":
                event = "message"
    assert messages, events
    return messages


def _scan(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    # Every page: one Scan answers at most 1 MB.
    pages = dynamodb.get_paginator("scan").paginate(TableName=table)
    return [item for page in pages for item in page["Items"]]


def test_aws_mode_end_to_end_over_http_and_a_restart(world: World) -> None:
    created = _aws_init(world)
    assert created.count("created table ") == 6 and "created bucket " in created
    assert _aws_init(world).count("exists: ") == 7  # idempotent

    runner = world.start_runner()
    sim = SimulatedTelegram.demo()  # the same seeded demo world the runner serves
    with httpx.Client(base_url=runner.url, timeout=TIMEOUT) as http:
        health = http.get("/health").json()
        assert (health["mode"], health["storage"]) == ("demo", "aws")
        deep = http.get("/health", params={"deep": "true"})
        assert deep.status_code == 200 and deep.json()["status"] == "ready", deep.text

        _login(http)
        found = http.get(
            "/api/v3/search/dialogs",
            params={"q": "Simulated Archive", "match": "exact"},
            headers=HEADERS,
        ).json()
        assert found["total"] == 1
        archive = found["results"][0]
        expected = next(d for d in sim.world.dialogs if d.username == "sim_archive")
        assert archive["id"] == expected.peer_id

        folders = http.get("/api/v3/folders", headers=HEADERS)
        assert folders.status_code == 200 and folders.json()[0]["title"] == "All Chats"

        messages = _sse_history(http, archive["id"])
        world_messages = sim.world.messages(archive["id"])
        assert [m["message_id"] for m in messages] == [m.id for m in world_messages]

        small = next(m for m in messages if m["media"] and 300 < m["media"]["size"] < 2_000_000)
        record = next(m for m in world_messages if m.id == small["message_id"])
        assert record.media is not None
        want = sim.world.media_bytes(record.media)
        uuid = small["media"]["uuid"]
        whole = http.get(f"/api/v3/files/{uuid}", headers=HEADERS)
        assert whole.status_code == 200 and whole.content == want
        part = http.get(f"/api/v3/files/{uuid}", headers={**HEADERS, "Range": "bytes=100-299"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-299/{len(want)}"
        assert part.content == want[100:300]

    # The data sits in the tables and the bucket of the moto server.
    dynamodb, s3 = world.client("dynamodb"), world.client("s3")
    login = dynamodb.get_item(
        TableName=NAMES["SESSIONS_TABLE"], Key={"pk": {"S": USER}, "sk": {"S": "session"}}
    )["Item"]
    assert login["auth_key"]["B"]
    assert _scan(dynamodb, NAMES["QR_TABLE"]), "the QR login flow was stored"
    binding = dynamodb.get_item(
        TableName=NAMES["ACCOUNTS_TABLE"], Key={"pk": {"S": f"user#{USER}"}, "sk": {"S": "binding"}}
    )["Item"]
    assert int(binding["tg_user_id"]["N"]) > 0, "the username is bound to its Telegram account"
    cached = _scan(dynamodb, NAMES["MESSAGES_TABLE"])
    assert len(cached) >= len(world_messages)
    assert any(uuid in json.dumps(item) for item in _scan(dynamodb, NAMES["MEDIA_TABLE"]))
    objects = s3.list_objects_v2(Bucket=NAMES["MEDIA_BUCKET"]).get("Contents", [])
    assert len(want) in [o["Size"] for o in objects]
    # ... and nowhere on disk.
    assert not world.data_dir.exists() or not any(world.data_dir.rglob("*"))
    leftover = [p for p in world.cwd.rglob("*") if not p.name.startswith("no-aws-")]
    assert leftover == []
    assert "ready: storage.sessions ok" in runner.output()  # readiness logged at start

    # Item 7: a restarted runner (a fresh simulator) still knows the login.
    runner.stop()
    again = world.start_runner()
    with httpx.Client(base_url=again.url, timeout=TIMEOUT) as http:
        found_again = http.get(
            "/api/v3/search/dialogs",
            params={"q": "Simulated Archive", "match": "exact"},
            headers=HEADERS,
        )
        assert found_again.status_code == 200, found_again.text
        assert found_again.json()["results"][0]["id"] == archive["id"]
        repeat = http.get(f"/api/v3/files/{uuid}", headers=HEADERS)
        assert repeat.status_code == 200 and repeat.content == want
    assert not world.data_dir.exists() or not any(world.data_dir.rglob("*"))


def test_a_missing_table_is_a_clear_500_over_http(world: World) -> None:
    """Configuration errors over the wire: the runner starts, logs the problem once at
    start, and answers a 500 naming the table (no Retry-After)."""
    _aws_init(world)
    world.client("dynamodb").delete_table(TableName=NAMES["SESSIONS_TABLE"])
    runner = world.start_runner()
    with httpx.Client(base_url=runner.url, timeout=TIMEOUT) as http:
        resp = http.get("/api/v3/folders", headers=HEADERS)
        assert resp.status_code == 500
        assert "retry-after" not in resp.headers
        assert resp.json()["detail"] == (
            "DynamoDB table 'e2e-sessions' does not exist (check SESSIONS_TABLE)"
        )
        deep = http.get("/health", params={"deep": "true"})
        assert deep.status_code == 200 and deep.json()["status"] == "not_ready"
        checks = {c["name"]: c["status"] for c in deep.json()["checks"]}
        assert checks["storage.sessions"] == "error" and checks["storage.qr"] == "ok"
    assert "not ready: storage.sessions: DynamoDB table 'e2e-sessions'" in runner.output()
