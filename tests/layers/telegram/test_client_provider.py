"""ClientProvider: one connected client per username for concurrent requests, and a lease
so that two processes never drive one account at once."""

from __future__ import annotations

import asyncio

import pytest
from telethon import TelegramClient
from telethon.sessions import Session

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import fresh_stores, small_world
from tests.support.sessions import store_session
from tgscraper.config import Settings
from tgscraper.errors import Unauthorized
from tgscraper.storage.factory import Stores
from tgscraper.storage.ports import now
from tgscraper.telegram.clients import ClientProvider
from tgscraper.telegram.lease import LEASE_SK, AccountBusy, Lease


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


class _CountingFactory:
    def __init__(self, sim: SimulatedTelegram) -> None:
        self.sim = sim
        self.made: list[TelegramClient] = []

    def __call__(self, session: Session) -> TelegramClient:
        client = self.sim.client(session)
        self.made.append(client)
        return client


def _lease(stores: Stores, username: str = "alice") -> object:
    return stores.leases.get(username, LEASE_SK)


async def test_concurrent_requests_share_one_connected_client(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    store_session(stores, sim, "alice")
    factory = _CountingFactory(sim)
    provider = ClientProvider(stores.sessions, factory, leases=stores.leases)
    inside, everyone_in = 0, asyncio.Event()
    used: list[TelegramClient] = []

    async def request() -> int:
        nonlocal inside
        async with provider.client("alice") as client:
            used.append(client)
            inside += 1
            if inside == 4:
                everyone_in.set()
            await everyone_in.wait()  # all four overlap for sure
            assert _lease(stores) is not None
            me = await client.get_me()
            return int(me.id)

    ids = await asyncio.gather(*(request() for _ in range(4)))
    assert ids == [sim.world.me.id] * 4
    assert len({id(c) for c in used}) == 1 and len(factory.made) == 1
    assert _lease(stores) is None  # released by the last one out
    assert not factory.made[0].is_connected()


async def test_another_process_waits_for_the_lease_then_gets_409(
    stores: Stores, sim: SimulatedTelegram, any_settings: Settings
) -> None:
    store_session(stores, sim, "alice")
    here = ClientProvider(stores.sessions, sim.client, leases=stores.leases)
    other_stores = fresh_stores(any_settings)
    there = ClientProvider(
        other_stores.sessions, sim.client, leases=other_stores.leases, lease_wait=0.2
    )
    async with here.client("alice"):
        with pytest.raises(AccountBusy) as caught:
            async with there.client("alice"):
                pass
        assert caught.value.status_code == 409 and "in use" in caught.value.detail
    async with there.client("alice") as client:  # free again
        assert (await client.get_me()).id == sim.world.me.id


async def test_a_crashed_holders_lease_expires(stores: Stores, sim: SimulatedTelegram) -> None:
    store_session(stores, sim, "alice")
    stores.leases.put({"pk": "alice", "sk": LEASE_SK, "holder": "dead", "expires_at": now() - 1})
    provider = ClientProvider(stores.sessions, sim.client, leases=stores.leases, lease_wait=0)
    async with provider.client("alice") as client:
        assert await client.get_me()


async def test_no_session_is_401_and_frees_the_lease(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    provider = ClientProvider(stores.sessions, sim.client, leases=stores.leases)
    with pytest.raises(Unauthorized):
        async with provider.client("nobody"):
            pass
    assert _lease(stores, "nobody") is None


async def test_replacing_a_session_keeps_the_holders_lease(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    store_session(stores, sim, "alice")
    provider = ClientProvider(stores.sessions, sim.client, leases=stores.leases)
    async with provider.client("alice"):
        stores.sessions.replace("alice", store_session(stores, sim, "bob"))
        assert _lease(stores) is not None


async def test_what_a_client_learned_is_saved_when_it_is_released(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    store_session(stores, sim, "alice")
    provider = ClientProvider(stores.sessions, sim.client, leases=stores.leases)
    async with provider.client("alice") as client:
        dialogs = [d async for d in client.iter_dialogs()]
    cached = {row.id for row in stores.sessions.entities("alice")}
    assert {d.id for d in dialogs if d.is_channel} <= cached


async def test_lease_renewal_stops_once_someone_else_holds_it(stores: Stores) -> None:
    mine = Lease(stores.leases, "alice")
    assert mine.try_acquire() and mine.renew()
    assert not Lease(stores.leases, "alice").try_acquire()
    stores.leases.put({"pk": "alice", "sk": LEASE_SK, "holder": "thief", "expires_at": now() + 30})
    assert not mine.renew()
    await mine.release()  # must not delete the thief's lease
    assert stores.leases.get("alice", LEASE_SK)["holder"] == "thief"  # type: ignore[index]
