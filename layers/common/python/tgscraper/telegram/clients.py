"""How a connected TelegramClient is obtained for a username.

`ClientFactory` builds a client around a session: the real one talks to Telegram with
the configured API credentials; demo mode and tests plug in the simulated Telegram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from telethon import TelegramClient
from telethon.sessions import Session

from tgscraper.errors import TelegramUnavailable, Unauthorized
from tgscraper.storage.sessions import SessionStore
from tgscraper.telegram.session import StoreSession

ClientFactory = Callable[[Session], TelegramClient]


def real_client_factory(api_id: int, api_hash: str) -> ClientFactory:
    def make(session: Session) -> TelegramClient:
        return TelegramClient(session, api_id, api_hash, receive_updates=False)

    return make


class ClientProvider:
    """Connected clients for stored sessions."""

    def __init__(self, sessions: SessionStore, factory: ClientFactory) -> None:
        self.sessions = sessions
        self.factory = factory

    @asynccontextmanager
    async def client(self, username: str) -> AsyncIterator[TelegramClient]:
        session = StoreSession(self.sessions, username)
        if session.auth_key is None:
            raise Unauthorized(f"No Telegram session for '{username}': log in first")
        client = self.factory(session)
        try:
            await client.connect()
        except (OSError, ConnectionError) as exc:
            raise TelegramUnavailable("Failed to connect to Telegram") from exc
        try:
            yield client
        finally:
            session.save()
            await client.disconnect()
