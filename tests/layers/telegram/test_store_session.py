"""StoreSession: the entity cache persists with the login, unchanged sessions cost no
writes, and a session replaced elsewhere is never written back."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from telethon.tl import types

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import small_world
from tests.support.sessions import store_session
from tgscraper.storage.factory import Stores
from tgscraper.storage.sessions import EntityRow, SessionRecord, SessionStore
from tgscraper.telegram.clients import ClientProvider
from tgscraper.telegram.session import StoreSession


class _Counting(SessionStore):
    """Passes everything through and records every write."""

    def __init__(self, inner: SessionStore) -> None:
        self.inner = inner
        self.writes: list[tuple[str, int]] = []

    def load(self, username: str) -> SessionRecord | None:
        return self.inner.load(username)

    def save(self, username: str, record: SessionRecord) -> None:
        self.writes.append(("login", 1))
        self.inner.save(username, record)

    def delete(self, username: str) -> None:
        self.writes.append(("delete", 1))
        self.inner.delete(username)

    def entities(self, username: str) -> list[EntityRow]:
        return self.inner.entities(username)

    def put_entities(self, username: str, rows: Iterable[EntityRow]) -> None:
        batch = list(rows)
        self.writes.append(("entities", len(batch)))
        self.inner.put_entities(username, batch)


def _user(uid: int, access_hash: int, username: str | None = None) -> types.User:
    return types.User(id=uid, access_hash=access_hash, first_name=f"U{uid}", username=username)


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


def test_unchanged_session_saves_without_writing(stores: Stores, sim: SimulatedTelegram) -> None:
    store_session(stores, sim, "alice")
    stores.sessions.put_entities("alice", [EntityRow(5, 50, "five", None, "U5")])
    counting = _Counting(stores.sessions)
    session = StoreSession(counting, "alice")
    session.save()
    session.process_entities(types.contacts.ResolvedPeer(None, [], [_user(5, 50, "five")]))
    session.save()
    session.close()
    assert counting.writes == []


def test_only_new_and_changed_entities_are_written_in_one_batch(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    store_session(stores, sim, "alice")
    stores.sessions.put_entities(
        "alice", [EntityRow(5, 50, "five", None, "U5"), EntityRow(6, 60, None, None, "U6")]
    )
    counting = _Counting(stores.sessions)
    session = StoreSession(counting, "alice")
    users = [_user(5, 51, "five"), _user(6, 60), _user(7, 70, "seven")]
    session.process_entities(types.contacts.ResolvedPeer(None, [], users))
    session.save()
    assert counting.writes == [("entities", 2)]  # 5 changed, 7 new, 6 untouched
    stored = {row.id: row.hash for row in stores.sessions.entities("alice")}
    assert stored == {5: 51, 6: 60, 7: 70}
    # one row per id: the lookup sees the new access_hash, never the stale one
    peer = session.get_input_entity(5)
    assert isinstance(peer, types.InputPeerUser) and peer.access_hash == 51


def test_session_replaced_elsewhere_is_not_written_back(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    store_session(stores, sim, "alice")
    session = StoreSession(stores.sessions, "alice")
    newer = store_session(stores, sim, "other")
    stores.sessions.replace("alice", newer)  # a forced re-login finished meanwhile
    session.process_entities(types.contacts.ResolvedPeer(None, [], [_user(9, 90)]))
    session.save()
    assert stores.sessions.load("alice") == newer
    assert stores.sessions.entities("alice") == []


async def test_cold_process_resolves_channel_ids_without_listing_dialogs(
    stores: Stores, sim: SimulatedTelegram, any_settings: object
) -> None:
    store_session(stores, sim, "alice")
    first = ClientProvider(stores.sessions, sim.client, leases=stores.leases)
    async with first.client("alice") as client:
        dialogs = [d async for d in client.iter_dialogs()]
    channel = next(d for d in dialogs if d.is_channel)
    assert str(channel.id).startswith("-100")

    from tests.support.auth_flow import fresh_stores

    cold = fresh_stores(any_settings)  # type: ignore[arg-type]
    second = ClientProvider(cold.sessions, sim.client, leases=cold.leases)
    sim.reset_requests()
    async with second.client("alice") as client:
        peer = await client.get_input_entity(channel.id)
        messages = await client.get_messages(channel.id, limit=1)
    assert isinstance(peer, types.InputPeerChannel)
    assert messages and messages[0].id == sim.world.history(channel.id).top_id
    assert not {"GetDialogsRequest", "ResolveUsernameRequest", "GetChannelsRequest"} & set(
        sim.requests
    )
