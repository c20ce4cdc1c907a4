"""Issue 14.7: nothing expired lingers in the embedded store, no token in any log line.

Through `python -m local serve` (demo mode, SWEEP_INTERVAL=1). The flows' clock is moved
by editing their stored deadline, as if five minutes had passed.
"""

from __future__ import annotations

import asyncio
import base64
import sqlite3
import time
from pathlib import Path

import pytest

from local import sweep as sweep_module
from local.sweep import Sweeper
from tests.support.server_process import API, demo_login, running_server
from tgscraper.auth.start_limits import StartLimiter, StartLimits
from tgscraper.config import Settings
from tgscraper.storage import codec
from tgscraper.storage.factory import build_embedded_stores
from tgscraper.storage.sqlite_table import SqliteItemTable

FLOWS = 100


def _qr_items(data: Path) -> list[tuple[str, dict]]:
    conn = sqlite3.connect(data / "store.sqlite3", timeout=30)
    try:
        rows = conn.execute("SELECT pk, data FROM qr WHERE sk='state'").fetchall()
    finally:
        conn.close()
    return [(pk, codec.decode(raw)) for pk, raw in rows]


def _age(data: Path, field: str) -> None:
    """Move every flow's `field` (deadline or expires_at) into the past."""
    conn = sqlite3.connect(data / "store.sqlite3", timeout=30, isolation_level=None)
    try:
        # As the app's own connections do: this rewrite must not itself leave the old row
        # versions (keys included) in freed space, or the test would find its own copies.
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("BEGIN IMMEDIATE")
        past = int(time.time()) - 1
        for pk, raw in conn.execute("SELECT pk, data FROM qr WHERE sk='state'").fetchall():
            item = codec.decode(raw)
            item[field] = past
            conn.execute(
                "UPDATE qr SET data=?, expires_at=? WHERE pk=? AND sk='state'",
                (codec.encode(item), item["expires_at"], pk),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


def _raw(data: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(data.glob("store.sqlite3*")))


def _wait_for(condition, what: str, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting: {what}"
        time.sleep(0.2)


def test_abandoned_flows_lose_their_keys_at_the_deadline_and_vanish_later(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # FLOWS starts from one address: more than the default per-address limit.
    env = {"SWEEP_INTERVAL": "1", "QR_START_LIMIT_PER_ADDRESS": "0"}
    with running_server(data, env=env) as server, server.http() as http:
        tokens = []
        for i in range(FLOWS):
            started = http.post(f"{API}/auth/qr", json={"username": f"nobody{i}"})
            assert started.status_code == 200, started.text
            tokens.append(started.json()["token"])
        # One is approved on the (demo) phone and never polled again.
        assert http.post(f"{API}/demo/qr/{tokens[0]}/approve").status_code == 200
        keys = [item["auth_key"] for _, item in _qr_items(data) if item.get("auth_key")]
        assert len(keys) == FLOWS
        encoded = [base64.b64encode(k)[:40] for k in keys]
        assert all(e in _raw(data) or k in _raw(data) for e, k in zip(encoded, keys, strict=True))

        _age(data, "deadline")  # five minutes later
        _wait_for(
            lambda: not any(item.get("auth_key") for _, item in _qr_items(data)),
            "every overdue flow's key wiped",
        )

        # The sweep wipes, then checkpoints the WAL: the wait above may see the wipe before
        # the checkpoint, so the files are checked within the next sweep or two.
        def _no_copy_left() -> bool:
            raw = _raw(data)
            return not [k for k in keys if k in raw] and not [e for e in encoded if e in raw]

        _wait_for(_no_copy_left, "no copy of a wiped key in the database file or its WAL")
        assert http.get(f"{API}/auth/qr/{tokens[0]}").json()["status"] == "expired"
        assert http.get(f"{API}/auth/qr/{tokens[1]}").json()["status"] == "expired"

        _age(data, "expires_at")  # an hour after that
        _wait_for(lambda: not _qr_items(data), "expired flows deleted")
        assert http.get(f"{API}/auth/qr/{tokens[1]}").status_code == 404


def test_no_token_or_key_in_any_log_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server, server.http() as http:
        token = demo_login(http, "log_user")
        assert http.get(f"{API}/auth/qr/{token}/qr.svg").status_code in (200, 404)
        assert http.delete(f"{API}/auth/qr/{token}").status_code in (200, 409)
        started = http.post(f"{API}/auth/qr", json={"username": "log_user2"})
        other = started.json()["token"]
        assert http.get(f"{API}/auth/qr/{other}/qr.svg").status_code == 200
        assert http.post(f"{API}/auth/qr/{other}/2fa", json={"password": "x"}).status_code == 409
        assert http.delete(f"{API}/auth/qr/{other}").status_code == 200
        session = (data / "sessions" / "log_user.session").read_bytes()
        log = server.log()
    assert "/api/v3/auth/qr/" in log, "the access log is on"
    for secret in (token, other):
        assert secret not in log
    conn = sqlite3.connect(data / "sessions" / "log_user.session")
    key = conn.execute("SELECT auth_key FROM sessions").fetchone()[0]
    conn.close()
    assert key and key in session
    for form in (key.hex(), base64.b64encode(key).decode()[:40], repr(key)[:40]):
        assert form not in log


def test_the_sweep_deletes_idle_qr_start_counters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the start counters of one QR login (per address and per username)
    WHEN the embedded sweep runs once their window has passed
    THEN both items are gone from the qr table (and not before)."""
    settings = Settings(data_dir=tmp_path / "data")
    stores = build_embedded_stores(settings)
    limiter = StartLimiter(stores.qr, StartLimits(per_address=3, per_username=3, window=600))
    asyncio.run(limiter.admit("alice", "198.51.100.7"))
    sweeper = Sweeper(stores, settings.data_dir, settings.sweep_interval)

    qr = stores.qr
    assert isinstance(qr, SqliteItemTable)

    def counters() -> list[str]:
        return [item["pk"] for item in qr.scan(pk_prefix="qrlimit#", sk="window")]

    sweeper.sweep()
    assert sorted(counters()) == ["qrlimit#addr#198.51.100.7", "qrlimit#user#alice"]
    later = int(time.time()) + 601
    monkeypatch.setattr(sweep_module, "now", lambda: later)
    sweeper.sweep()
    conn = sqlite3.connect(settings.data_dir / "store.sqlite3", timeout=30)
    try:
        left = conn.execute("SELECT count(*) FROM qr WHERE pk LIKE 'qrlimit#%'").fetchone()[0]
    finally:
        conn.close()
    assert left == 0
