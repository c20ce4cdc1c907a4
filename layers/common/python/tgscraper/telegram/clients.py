"""How a connected TelegramClient is obtained for a username.

`ClientFactory` builds a client around a session: the real one talks to Telegram with
the configured API credentials; demo mode and tests plug in the simulated Telegram.

`ClientProvider.client(username)` is the one way services get a client:

    async with container.telegram.client(username) as client:
        ...

Concurrent requests for one username in one event loop share a single connected client
(the local runner serves many requests at once; one auth key must not run two
connections). The first user takes the account's lease (see `lease.py`), loads the
session from the store and connects; the last one to leave saves what changed,
disconnects and releases the lease. Clients are per event loop because Telethon binds a
client to the loop it was created in.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from telethon import TelegramClient
from telethon.errors import FloodWaitError
from telethon.sessions import Session

from tgscraper.errors import RateLimited, TelegramUnavailable, Unauthorized
from tgscraper.observability import flood_wait
from tgscraper.storage.ports import ItemTable
from tgscraper.storage.sessions import SessionStore
from tgscraper.telegram.lease import DEFAULT_WAIT, Lease
from tgscraper.telegram.network import Network
from tgscraper.telegram.policy import Policy, network_detail
from tgscraper.telegram.session import StoreSession

ClientFactory = Callable[[Session], TelegramClient]


def real_client_factory(
    api_id: int, api_hash: str, network: Network | None = None, policy: Policy | None = None
) -> ClientFactory:
    """`network`: the configured server/proxy (tgscraper.telegram.network); `policy`:
    deadlines and retries (tgscraper.telegram.policy)."""
    net = network or Network()

    def make(session: Session) -> TelegramClient:
        return net.client(session, api_id, api_hash, policy, receive_updates=False)

    return make


async def _connect(client: TelegramClient) -> None:
    """Connect; a FLOOD_WAIT on the calls Telethon makes while connecting (GetConfig,
    getMe, getState) is a 429 at once, never slept through inside a request."""
    threshold = client.flood_sleep_threshold
    client.flood_sleep_threshold = 0
    try:
        await client.connect()
    except FloodWaitError as exc:
        flood_wait(exc.seconds, "connecting")
        await client.disconnect()
        raise RateLimited(
            f"Telegram rate limit (FLOOD_WAIT) while connecting: retry in {exc.seconds} seconds",
            retry_after=max(int(exc.seconds), 1),
        ) from exc
    except (TimeoutError, OSError, ConnectionError) as exc:
        raise TelegramUnavailable(network_detail("Failed to connect to Telegram", exc)) from exc
    finally:
        client.flood_sleep_threshold = threshold


class _Shared:
    """One connected client of one username in one event loop, and who is using it."""

    def __init__(self) -> None:
        self.users = 0
        self.lock = asyncio.Lock()
        self.client: TelegramClient | None = None
        self.session: StoreSession | None = None
        self.lease: Lease | None = None

    async def discard_client(self) -> None:
        """Disconnect the client but keep the lease and the session (to build anew)."""
        client, self.client = self.client, None
        if client is not None:
            assert self.session is not None
            try:
                self.session.save()
            finally:
                await client.disconnect()

    async def close(self) -> None:
        try:
            await self.discard_client()
        finally:
            if self.lease is not None:
                await self.lease.release()
                self.lease = None


class ClientProvider:
    """Connected clients for stored sessions, one per username at a time."""

    def __init__(
        self,
        sessions: SessionStore,
        factory: ClientFactory,
        *,
        leases: ItemTable | None = None,
        lease_wait: float = DEFAULT_WAIT,
    ) -> None:
        self.sessions = sessions
        self.factory = factory
        self.leases = leases
        self.lease_wait = lease_wait
        self._shared: dict[tuple[int, str], _Shared] = {}
        self._mutex = threading.Lock()  # the map is shared by every loop of the process

    def active_users(self, username: str) -> int:
        """How many requests of this process currently use the username's client."""
        with self._mutex:
            return sum(s.users for (_, name), s in self._shared.items() if name == username)

    @asynccontextmanager
    async def client(self, username: str) -> AsyncIterator[TelegramClient]:
        key = (id(asyncio.get_running_loop()), username)
        with self._mutex:
            shared = self._shared.setdefault(key, _Shared())
            shared.users += 1
        try:
            async with shared.lock:
                if shared.client is not None and getattr(shared.client, "broken", False):
                    # Its connection failed under an earlier user: never reuse it (the
                    # same account must work at once when Telegram is back).
                    await shared.discard_client()
                if shared.client is None:
                    await self._open(shared, username)
            assert shared.client is not None
            yield shared.client
        finally:
            with self._mutex:
                shared.users -= 1
                last = shared.users == 0
                if last:
                    del self._shared[key]
            if last:
                await shared.close()

    async def _open(self, shared: _Shared, username: str) -> None:
        lease = shared.lease
        if lease is None and self.leases is not None:
            lease = Lease(self.leases, username)
            await lease.acquire(self.lease_wait)
        try:
            # Loaded after the lease: the previous holder has saved everything by now.
            session = shared.session or StoreSession(self.sessions, username)
            if session.auth_key is None:
                raise Unauthorized(f"No Telegram session for '{username}': log in first")
            client = self.factory(session)
            await _connect(client)
        except BaseException:
            if lease is not None:
                await lease.release()
                shared.lease = None
            raise
        shared.session, shared.client, shared.lease = session, client, lease
