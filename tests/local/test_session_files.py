"""Session files as a running `python -m local serve` meets them (issue 14.8, 14.9, 15.4).

- a forced re-login swaps the file atomically: concurrent requests never see 401/500;
- a damaged file is a 401 "session unreadable, log in again" for that user only, start-up
  never fails because of one, and a new login replaces it;
- a Telethon file copied in under any valid username works, an invalid name is skipped
  with a warning;
- a login made by `python -m local auth` (another process) works on the next request.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

from tests.support.server_process import (
    API,
    ROOT,
    _env,
    demo_login,
    headers,
    running_server,
)

FOLDERS = f"{API}/folders"


def test_forced_relogins_never_fail_concurrent_requests(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # 21 logins of one username from one address: beyond both default QR start limits.
    no_limit = {"QR_START_LIMIT_PER_ADDRESS": "0", "QR_START_LIMIT_PER_USERNAME": "0"}
    with running_server(data, env=no_limit) as server, server.http() as http:
        demo_login(http, "racer")
        assert http.get(FOLDERS, headers=headers("racer")).status_code == 200
        statuses: Counter[int] = Counter()
        bodies: list[str] = []
        stop = threading.Event()

        def hammer() -> None:
            with server.http() as mine:
                while not stop.is_set():
                    got = mine.get(FOLDERS, headers=headers("racer"))
                    statuses[got.status_code] += 1
                    if got.status_code != 200:
                        bodies.append(got.text)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        try:
            for _ in range(20):
                demo_login(http, "racer", force=True)
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
        assert statuses[200] > 20, statuses
        assert set(statuses) == {200}, (statuses, bodies[:5])


def test_damaged_and_copied_session_files(tmp_path: Path) -> None:
    data = tmp_path / "data"
    sessions = data / "sessions"
    with running_server(data) as server, server.http() as http:
        demo_login(http, "fine")
        demo_login(http, "broken")
    # A 0-byte file, a garbage one, Telethon files copied in under a valid username and
    # under a name that is not one (a space).
    (sessions / "broken.session").write_bytes(b"")
    (sessions / "garbage.session").write_bytes(b"not a database at all" * 100)
    shutil.copy(sessions / "fine.session", sessions / "Copied.Account-1.session")
    shutil.copy(sessions / "fine.session", sessions / "my account.session")
    with running_server(data) as server, server.http() as http:
        assert http.get(FOLDERS, headers=headers("fine")).status_code == 200
        assert http.get(FOLDERS, headers=headers("Copied.Account-1")).status_code == 200
        for name in ("broken", "garbage"):
            got = http.get(FOLDERS, headers=headers(name))
            assert got.status_code == 401, got.text
            assert "session unreadable, log in again" in got.json()["detail"]
        # Damaged while the server runs: that user only.
        (sessions / "fine.session").write_bytes(b"\0" * 4096)
        assert http.get(FOLDERS, headers=headers("fine")).status_code == 401
        assert http.get(FOLDERS, headers=headers("Copied.Account-1")).status_code == 200
        # A new login (no force needed: nothing usable is stored) replaces the damage.
        demo_login(http, "broken")
        assert http.get(FOLDERS, headers=headers("broken")).status_code == 200
        log = server.log()
    assert "my account.session" in log and "skipped" in log, log
    assert "Traceback" not in log, log


def test_a_login_made_by_the_cli_works_on_the_running_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server, server.http() as http:
        before = http.get(FOLDERS, headers=headers("from_cli"))
        assert before.status_code == 401
        cli = subprocess.run(
            [sys.executable, "-m", "local", "auth", "from_cli"],
            cwd=ROOT,
            env=_env(data, None),
            capture_output=True,
            timeout=60,
            check=False,
        )
        assert cli.returncode == 0, cli.stdout + cli.stderr
        got = http.get(FOLDERS, headers=headers("from_cli"))
        assert got.status_code == 200, got.text
        # A Telethon file copied in while the server runs: the next request uses it.
        shutil.copy(data / "sessions" / "from_cli.session", data / "sessions" / "dropped.session")
        got = http.get(FOLDERS, headers=headers("dropped"))
        assert got.status_code == 200, got.text
