"""Issue 14.13: a lease left by a dead process of this host is taken over at once; a live
holder's (or another host's) never is."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tgscraper.storage.ports import now
from tgscraper.storage.sqlite_table import SqliteDatabase, SqliteItemTable
from tgscraper.telegram import lease as lease_module
from tgscraper.telegram.lease import LEASE_SK, Lease


@pytest.fixture
def table(tmp_path: Path) -> SqliteItemTable:
    return SqliteItemTable(SqliteDatabase(tmp_path / "store.sqlite3"), "leases")


def _left_by(table: SqliteItemTable, **owner: Any) -> None:
    item = {"pk": "alice", "sk": LEASE_SK, "holder": "old", "expires_at": now() + 30}
    table.put({**item, **owner})


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=30)
    return proc.pid


def test_a_dead_local_holder_is_taken_over(table: SqliteItemTable) -> None:
    pid = _dead_pid()
    _left_by(table, host=lease_module._HOST, pid=pid, started=lease_module._start_time(1))
    assert Lease(table, "alice").try_acquire()


def test_a_recycled_pid_is_taken_over(table: SqliteItemTable) -> None:
    # Our own pid, but recorded by an earlier process (another start time).
    _left_by(table, host=lease_module._HOST, pid=lease_module._PID, started="1")
    assert Lease(table, "alice").try_acquire()


def test_a_live_holder_is_never_taken_over(table: SqliteItemTable) -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = lease_module._start_time(proc.pid)
        _left_by(table, host=lease_module._HOST, pid=proc.pid, started=started)
        assert not Lease(table, "alice").try_acquire()
        # Another request of this very process holds it: live too.
        _left_by(table, **lease_module._owner())
        assert not Lease(table, "alice").try_acquire()
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_another_hosts_lease_or_an_old_item_is_waited_for(table: SqliteItemTable) -> None:
    _left_by(table, host="elsewhere|x|1", pid=_dead_pid(), started="1")
    assert not Lease(table, "alice").try_acquire()
    _left_by(table)  # written before leases recorded their owner
    assert not Lease(table, "alice").try_acquire()
