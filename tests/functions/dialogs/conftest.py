"""A simulated account logged in as `alice`, served by the dialogs router."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from telethon import TelegramClient

from functions.dialogs.app import router
from local.simtg import FolderRec, SimulatedTelegram, World
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage.factory import Stores, build_embedded_stores
from tgscraper.storage.sessions import SessionRecord

USER = "alice"


def dialog_world(seed: int = 5) -> World:
    """A small account with every dialog type, six generated folders and two made here.

    The extra folders pin down rules the generated ones may not exercise: include_peers
    beating exclude_archived and the flags, and exclude_peers beating the flags.
    """
    world = World.generate(
        seed,
        users=14,
        bots=3,
        groups=4,
        supergroups=4,
        channels=6,
        folders=6,
        messages=(2, 90),
        years=2,
    )
    archived = [d.peer_id for d in world.dialogs if d.archived]
    bots = [d.peer_id for d in world.dialogs if d.kind == "bot"]
    groups = [d.peer_id for d in world.dialogs if d.kind in ("group", "supergroup")]
    world.folders.append(
        FolderRec(
            20,
            "Archive picks",
            include_peers=archived[:2],
            pinned_peers=archived[2:3],
            bots=True,
            exclude_archived=True,
        )
    )
    world.folders.append(
        FolderRec(
            21, "Groups minus one", groups=True, bots=True, exclude_peers=groups[:1] + bots[:1]
        )
    )
    return world


def login(stores: Stores, sim: SimulatedTelegram, username: str = USER) -> None:
    session = sim.authorized_session()
    assert session.auth_key is not None
    stores.sessions.save(
        username,
        SessionRecord(session.dc_id, session.server_address, session.port, session.auth_key.key),
    )


def make_container(settings: Settings, stores: Stores, sim: SimulatedTelegram) -> Container:
    """The app's wiring, with the sim's clients built as the real factory builds them."""

    def factory(session: Any) -> TelegramClient:
        return sim.client(session, receive_updates=False)

    return Container(settings, stores=stores, client_factory=factory, mode="demo")


@pytest.fixture
def world() -> World:
    return dialog_world()


@pytest.fixture
def sim(world: World) -> SimulatedTelegram:
    return SimulatedTelegram(world)


@pytest.fixture
def embedded_stores(embedded_settings: Settings) -> Stores:
    return build_embedded_stores(embedded_settings)


@pytest.fixture
def http(
    embedded_settings: Settings, embedded_stores: Stores, sim: SimulatedTelegram
) -> Iterator[TestClient]:
    login(embedded_stores, sim)
    app = create_app([router], container=make_container(embedded_settings, embedded_stores, sim))
    with TestClient(app, headers={"X-Telegram-Username": USER}) as client:
        yield client
