"""Test helpers for the files endpoint: a sim-backed app, logged-in users and media
index entries made from the sim's world read model (the history endpoint's job, done
directly through MediaIndex.put_many so these tests do not depend on it)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from local.simtg import MediaRec, MessageRec, SimulatedTelegram, World
from tests.support.sessions import store_session
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.media.index import MediaEntry, MediaIndex, new_entry
from tgscraper.storage.factory import Stores

ALICE, BOB = "alice", "bob_2"


def small_world(seed: int = 7) -> World:
    return World.generate(
        seed,
        users=12,
        bots=2,
        groups=3,
        supergroups=3,
        channels=5,
        folders=4,
        messages=(5, 150),
        years=2,
    )


def log_in(stores: Stores, sim: SimulatedTelegram, username: str) -> None:
    """Store an authorized session of the sim's account under `username`."""
    store_session(stores, sim, username)


def container(settings: Settings, stores: Stores, sim: SimulatedTelegram) -> Container:
    return Container(settings, stores=stores, client_factory=sim.client, mode="demo")


def files_app(settings: Settings, stores: Stores, sim: SimulatedTelegram) -> FastAPI:
    from functions.files.app import router

    return create_app([router], container=container(settings, stores, sim))


def find_message(world: World, accept: Callable[[str, MessageRec], bool]) -> tuple[int, MessageRec]:
    """The first (dialog peer id, message) with media that `accept(dialog kind, msg)` likes."""
    for dialog in world.dialogs:
        for msg in world.messages(dialog.peer_id):
            if msg.media is not None and accept(dialog.kind, msg):
                return dialog.peer_id, msg
    raise LookupError("no such media message in the world")


def media_message(
    world: World, kind: str = "document", *, dialog_kind: str | None = None, max_size: int = 1 << 20
) -> tuple[int, MessageRec]:
    return find_message(
        world,
        lambda dk, m: (
            m.media is not None
            and m.media.kind == kind
            and m.media.size <= max_size
            and (dialog_kind is None or dk == dialog_kind)
        ),
    )


def filename_of(media: MediaRec) -> str:
    return media.filename or f"{media.kind}_{media.id}.bin"


def index_media(stores: Stores, owner: str, peer_id: int, msg: MessageRec) -> MediaEntry:
    """Write the index entry the history endpoint would write for this message."""
    media = msg.media
    assert media is not None
    entry = new_entry(
        owner,
        peer_id,
        msg.id,
        type="MessageMediaPhoto" if media.kind == "photo" else "MessageMediaDocument",
        filename=filename_of(media),
        size=media.size,
        mime=media.mime_type,
    )
    MediaIndex(stores.media).put_many([entry])
    return entry


def expected_bytes(world: World, msg: MessageRec) -> bytes:
    assert msg.media is not None
    return world.media_bytes(msg.media)
