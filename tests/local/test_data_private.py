"""Issue 14.6: the data folder holds auth keys; nobody but its owner may read any of it.

Through `python -m local serve` run with a permissive umask (022, the usual default):
everything the server creates is 0700 (folders) / 0600 (files), and a data folder made
world-readable by an earlier version is tightened at start with one warning.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import httpx

from tests.support.server_process import API, demo_dialog_id, demo_login, running_server

ARCHIVE = demo_dialog_id("sim_archive")
USER = "perm_user"


def _modes(root: Path) -> dict[str, int]:
    found = {str(root): stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.lstat().st_mode)
    return found


def _loose(root: Path) -> dict[str, str]:
    return {
        name: oct(mode)
        for name, mode in _modes(root).items()
        if mode & 0o077 or (mode & 0o700) not in (0o700, 0o600)
    }


def _download_first_media(http: httpx.Client) -> None:
    headers = {"X-Telegram-Username": USER}
    uuid = None
    with http.stream(
        "GET", f"{API}/history/{ARCHIVE}?start_date=2025-01-01&chunk_size=50", headers=headers
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("data:"):
                for message in json.loads(line[5:]).get("messages", []):
                    if message.get("media") and message["media"].get("uuid"):
                        uuid = message["media"]["uuid"]
                        break
            if uuid:
                break
    assert uuid, "the demo archive channel has media"
    got = http.get(f"{API}/files/{uuid}", headers=headers)
    assert got.status_code == 200 and got.content


def test_everything_the_server_writes_is_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data, umask=0o022) as server, server.http() as http:
        demo_login(http, USER)
        _download_first_media(http)
        # While it runs: the WAL/SHM files of both databases exist and are private too.
        names = set(_modes(data))
        assert {"store.sqlite3", "store.sqlite3-wal", "cache.sqlite3"} <= names, names
        assert f"sessions/{USER}.session" in names
        assert any(n.startswith("media/") and not n.endswith("media") for n in names), names
        assert _loose(data) == {}


def test_a_world_readable_data_folder_is_tightened_at_start(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_server(data) as server, server.http() as http:
        demo_login(http, USER)
    # As an earlier version left it: everything readable by every local user.
    for path in [data, *data.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert _loose(data)
    with running_server(data, umask=0o022) as server:
        assert _loose(data) == {}
        log = server.log()
    warnings = [line for line in log.splitlines() if "permissions" in line.lower()]
    assert len(warnings) == 1, log
    assert f"{USER}.session" in warnings[0] and "store.sqlite3" in warnings[0]


def test_private_regardless_of_umask_zero(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = os.umask(0)
    os.umask(old)
    with running_server(data, umask=0) as server, server.http() as http:
        demo_login(http, USER)
        assert _loose(data) == {}
