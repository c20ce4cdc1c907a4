"""Telegram-side pieces of a QR login: a connected client, the flow's key in and out of a
Telethon session, the tg://login URL, and storing a finished login."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from telethon import TelegramClient
from telethon import errors as tg_errors
from telethon.crypto import AuthKey
from telethon.sessions import MemorySession
from telethon.tl import types

from tgscraper.auth.store import QrState
from tgscraper.errors import RateLimited, TelegramUnavailable
from tgscraper.observability import flood_wait
from tgscraper.storage.sessions import EntityRow, SessionRecord, SessionStore
from tgscraper.telegram.policy import network_detail

NETWORK_ERRORS = (OSError, ConnectionError, TimeoutError)


def epoch(when: object) -> int | None:
    return int(when.timestamp()) if isinstance(when, datetime) else None


def login_url(token: bytes) -> str:
    """The tg://login URL a Telegram app opens when it scans the QR (Telethon's format)."""
    return "tg://login?token=" + base64.urlsafe_b64encode(token).decode("ascii").rstrip("=")


def flood_error(exc: tg_errors.FloodWaitError) -> RateLimited:
    flood_wait(exc.seconds, "login")
    return RateLimited("Telegram asks to wait before the next login step", exc.seconds)


@asynccontextmanager
async def connected(client: TelegramClient) -> AsyncIterator[TelegramClient]:
    """A connected client, always disconnected again; network trouble is a 502."""
    try:
        await client.connect()
    except tg_errors.FloodWaitError as exc:
        # Telethon's own calls while connecting (GetConfig, getMe) can be told to wait.
        await client.disconnect()
        raise flood_error(exc) from exc
    except NETWORK_ERRORS as exc:
        raise TelegramUnavailable(network_detail("Failed to connect to Telegram", exc)) from exc
    try:
        yield client
    except NETWORK_ERRORS as exc:
        detail = network_detail("Lost the connection to Telegram; retry", exc)
        raise TelegramUnavailable(detail) from exc
    finally:
        await client.disconnect()


def key_fields(session: Any) -> dict[str, Any]:
    key = session.auth_key.key if session.auth_key is not None else None
    return {
        "dc_id": session.dc_id,
        "server_address": session.server_address,
        "port": session.port,
        "auth_key": key,
    }


def session_of(state: QrState) -> MemorySession:
    session = MemorySession()
    session.set_dc(state.dc_id, state.server_address, state.port)
    session.auth_key = AuthKey(state.auth_key)
    return session


def record_of(session: Any) -> SessionRecord:
    """The login a Telethon session holds (its DC and auth key)."""
    return SessionRecord(**key_fields(session))


def save_login(sessions: SessionStore, username: str, record: SessionRecord, user: object) -> None:
    """Store a fresh login, replacing any previous one with its entity cache."""
    sessions.replace(username, record)
    if isinstance(user, types.User) and user.access_hash is not None:
        # Telethon finds "self" as entity 0 (hash = own id); a cold client needs no getMe.
        name = " ".join(p for p in (user.first_name, user.last_name) if p) or None
        username_lc = (user.username or "").lower() or None
        sessions.put_entities(
            username,
            [
                EntityRow(0, user.id),
                EntityRow(user.id, user.access_hash, username_lc, user.phone, name),
            ],
        )
