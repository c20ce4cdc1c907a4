"""`python -m local serve` in demo mode, over real HTTP: a file downloaded from the demo
archive's history through GET /api/v3/files/{uuid} opens as its Content-Type says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from local.simtg import SimulatedTelegram
from tests.support.real_media import check_real_file
from tests.support.server_process import API, demo_login, headers, running_server

USER = "media_user"


def _media_messages(http: httpx.Client, dialog: int) -> list[dict[str, Any]]:
    found = []
    with http.stream("GET", f"{API}/history/{dialog}", headers=headers(USER)) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line.startswith("data:"):
                found += [m for m in json.loads(line[5:]).get("messages", []) if m.get("media")]
    return found


def test_the_demo_archives_files_open_as_their_type(tmp_path: Path) -> None:
    # The server builds the same seeded demo world: it tells each file's declared type.
    world = SimulatedTelegram.demo().world
    archive = next(d for d in world.dialogs if d.username == "sim_archive")
    with running_server(tmp_path / "data") as server, server.http(timeout=60) as http:
        demo_login(http, USER)
        checked: set[str] = set()
        for message in _media_messages(http, archive.peer_id):
            record = world.history(archive.peer_id).get(message["message_id"])
            assert record is not None and record.media is not None
            media = record.media
            if media.mime_type in checked or media.size > 2_000_000:
                continue
            resp = http.get(f"{API}/files/{message['media']['uuid']}", headers=headers(USER))
            assert resp.status_code == 200, resp.text
            assert resp.headers["content-type"].split(";")[0] == media.mime_type
            check_real_file(resp.content, media)
            checked.add(media.mime_type)
    assert {"image/jpeg", "video/mp4", "audio/ogg", "image/webp", "application/pdf"} <= checked
