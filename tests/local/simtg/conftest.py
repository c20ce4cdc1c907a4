"""Fixtures: a small deterministic world, its sim, and a logged-in client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telethon import TelegramClient

from local.simtg import SimulatedTelegram, World


def small_world(seed: int = 7, **overrides: object) -> World:
    params: dict[str, object] = {
        "users": 12,
        "bots": 2,
        "groups": 3,
        "supergroups": 3,
        "channels": 5,
        "folders": 4,
        "messages": (5, 150),
        "years": 2,
    }
    params.update(overrides)
    return World.generate(seed, **params)  # type: ignore[arg-type]


@pytest.fixture
def world() -> World:
    return small_world()


@pytest.fixture
def sim(world: World) -> SimulatedTelegram:
    return SimulatedTelegram(world)


@pytest.fixture
async def client(sim: SimulatedTelegram) -> AsyncIterator[TelegramClient]:
    """Logged-in client whose entity cache was filled by one get_dialogs (as a service does)."""
    c = sim.client(sim.authorized_session())
    await c.connect()
    await c.get_dialogs()
    try:
        yield c
    finally:
        await c.disconnect()
