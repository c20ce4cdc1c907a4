"""Fixtures: the simulated Telegram on real TCP ports, and real TelegramClients on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from telethon import TelegramClient

from local.simtg import SimulatedTelegram, World
from local.simtg.net import NetServer, serve


def small_world(seed: int = 7, **overrides: Any) -> World:
    params: dict[str, Any] = {"users": 12, "bots": 2, "groups": 3, "supergroups": 3}
    params.update({"channels": 5, "folders": 4, "messages": (5, 150), "years": 2})
    params.update(overrides)
    return World.generate(seed, **params)


@pytest.fixture
def world() -> World:
    return small_world()


@pytest.fixture
def sim(world: World) -> SimulatedTelegram:
    return SimulatedTelegram(world)


@pytest.fixture
def server(sim: SimulatedTelegram) -> Iterator[NetServer]:
    with serve(sim) as srv:
        yield srv


@pytest.fixture
async def client(server: NetServer) -> AsyncIterator[TelegramClient]:
    """Logged in (a key the server already knows), entity cache filled by get_dialogs."""
    c = server.client(server.authorized_session())
    await c.connect()
    await c.get_dialogs()
    try:
        yield c
    finally:
        await c.disconnect()
