"""A file downloaded through GET /api/v3/files/{uuid} in demo mode opens as the type its
Content-Type says: judged by libmagic and a real reader per format, on both adapter sets."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.files import ALICE, index_media
from tests.support.real_media import TYPES, check_real_file
from tgscraper.storage.factory import Stores

AS_ALICE = {"X-Telegram-Username": ALICE}


@pytest.mark.parametrize(("kind", "mime", "filename"), TYPES, ids=[t[1] for t in TYPES])
def test_every_media_type_downloads_as_a_real_file_of_its_content_type(
    http: TestClient,
    stores: Stores,
    sim: SimulatedTelegram,
    world: World,
    kind: Any,
    mime: str,
    filename: str | None,
) -> None:
    # GIVEN a message with a media file of this type, as alice's history indexed it
    # (an odd size over several 64 KiB download chunks)
    media = world.new_media(kind, 200_003, filename=filename, mime_type=mime)
    peer = world.dialogs[0].peer_id
    msg = sim.add_message(peer, "a file", media=media)
    entry = index_media(stores, ALICE, peer, msg)

    # WHEN she downloads it
    resp = http.get(f"/api/v3/files/{entry.uuid}", headers=AS_ALICE)

    # THEN it is a file of exactly the announced type and size that a real reader opens
    assert resp.status_code == 200
    assert resp.headers["content-type"].split(";")[0] == mime
    assert len(resp.content) == media.size
    check_real_file(resp.content, media)


def test_the_media_the_world_generates_download_as_real_files(
    http: TestClient, stores: Stores, world: World
) -> None:
    """One message of every media type the generated world holds, as the history has it."""
    seen: dict[str, tuple[int, Any]] = {}
    for dialog in world.dialogs:
        for msg in world.messages(dialog.peer_id):
            if msg.media is not None and msg.media.size <= 1 << 20:
                seen.setdefault(msg.media.mime_type, (dialog.peer_id, msg))
    assert {"image/jpeg", "video/mp4", "audio/ogg", "image/webp", "application/pdf"} <= set(seen)
    for peer, msg in seen.values():
        entry = index_media(stores, ALICE, peer, msg)
        resp = http.get(f"/api/v3/files/{entry.uuid}", headers=AS_ALICE)
        assert resp.status_code == 200, msg.media.mime_type
        check_real_file(resp.content, msg.media)
