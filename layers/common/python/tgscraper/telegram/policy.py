"""How long a Telegram call may take, and how often a connection is retried.

Telethon, left to its defaults, waits for an answer without a deadline (a stalled server
hangs the request forever), reconnects in the background after every lost connection
(a server that accepts and then closes or sends garbage makes that a tight loop of
thousands of connects a second, each spawning a `get_me()`), and lets exceptions that are
no OSError escape (`asyncio.IncompleteReadError` when a connection closes mid-handshake,
`InvalidBufferError`, `SecurityError` on garbage). `BoundedClient` is the one place that
changes this, for every client the project builds (API clients and QR logins alike):

- every request (`client(...)`, and every high-level method, which all end in `_call`),
  every connect (the key exchange included), every borrowed sender of another DC (file
  downloads) and every disconnect has the deadline `TELEGRAM_TIMEOUT`;
- Telethon's own retries are bounded: `TELEGRAM_CONNECT_RETRIES` more attempts to open
  a connection, `TELEGRAM_RETRY_DELAY` seconds apart, all inside the one deadline; no
  background auto-reconnect: a connection lost during a call fails that call;
- every network failure, whatever Telethon raises for it, becomes `TelegramNetworkError`
  (a ConnectionError, which every service maps to a 502), and the client marks itself
  `broken` so its owner disconnects and discards it instead of reusing it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, TypeVar

from telethon import TelegramClient
from telethon.errors import AuthKeyNotFound, InvalidBufferError, SecurityError, TypeNotFoundError
from telethon.network import MTProtoSender
from telethon.tl import functions
from telethon.tl.alltlobjects import LAYER

from tgscraper.config import Settings

log = logging.getLogger("tgscraper.telegram")

_T = TypeVar("_T")

MAX_TIMEOUT = 300.0
"""A larger TELEGRAM_TIMEOUT is refused: no caller (API Gateway: ~30 s) waits that long."""
REQUEST_RETRIES = 2
"""Telethon's retries of one request after a -500 or a *_MIGRATE_X (a DC switch is one)."""

NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionError, TimeoutError, refused, reset
    EOFError,  # asyncio.IncompleteReadError: closed mid-answer or mid-handshake
    BufferError,  # InvalidBufferError: a transport error code, or garbage
    SecurityError,  # an answer that fails MTProto's checks
    TypeNotFoundError,  # garbage that parsed as an unknown constructor
    AssertionError,  # Telethon's handshake asserts on bad answers
    struct.error,  # garbage too short for a header
    AuthKeyNotFound,  # the server does not know the key (-404), maybe for a while
)


class TelegramNetworkError(ConnectionError):
    """Telegram could not be reached, or its answer was unusable; `detail` says how."""


def describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"Telegram did not answer within {timeout:g} s"
    if isinstance(exc, AuthKeyNotFound):
        return "Telegram does not know this session's key; retry, or log in again if it persists"
    if isinstance(exc, InvalidBufferError | SecurityError | TypeNotFoundError | struct.error):
        return "Telegram sent an unreadable answer"
    return f"Lost the connection to Telegram ({type(exc).__name__})"


def network_detail(what: str, exc: BaseException) -> str:
    """`what` failed, and why when a BoundedClient said so (for the {"detail"})."""
    return f"{what}: {exc}" if isinstance(exc, TelegramNetworkError) else what


@dataclass(frozen=True)
class Policy:
    timeout: float = 10.0
    """Seconds: the deadline of every call, connect and disconnect."""
    connect_retries: int = 2
    """Further attempts to open a TCP connection after the first fails (inside `timeout`)."""
    retry_delay: float = 0.5
    """Seconds between those attempts."""

    def __post_init__(self) -> None:
        if not 0 < self.timeout <= MAX_TIMEOUT:
            raise ValueError(f"TELEGRAM_TIMEOUT must be in (0, {MAX_TIMEOUT:g}] seconds")
        if not 0 <= self.connect_retries <= 20:
            raise ValueError("TELEGRAM_CONNECT_RETRIES must be 0-20")
        if not 0 <= self.retry_delay <= self.timeout:
            raise ValueError("TELEGRAM_RETRY_DELAY must be 0-TELEGRAM_TIMEOUT seconds")

    @classmethod
    def from_settings(cls, settings: Settings) -> Policy:
        return cls(
            settings.telegram_timeout,
            settings.telegram_connect_retries,
            settings.telegram_retry_delay,
        )

    def client_kwargs(self) -> dict[str, Any]:
        """Telethon's own knobs, set to match (`timeout` is its per-attempt connect and
        read timeout)."""
        return {
            "timeout": self.timeout,
            "connection_retries": self.connect_retries,
            "retry_delay": self.retry_delay,
            "request_retries": REQUEST_RETRIES,
            "auto_reconnect": False,
        }


class BoundedClient(TelegramClient):
    """A TelegramClient whose calls all end within the policy's deadline (module doc)."""

    def __init__(self, *args: Any, policy: Policy | None = None, **kwargs: Any) -> None:
        self.policy = policy or Policy()
        super().__init__(*args, **{**self.policy.client_kwargs(), **kwargs})
        self.broken = False
        """True after a network failure: disconnect and discard this client."""

    async def _bounded(self, awaitable: Awaitable[_T]) -> _T:
        try:
            return await asyncio.wait_for(awaitable, self.policy.timeout)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # our caller is being cancelled (shutdown, client gone): let it
            # Telethon cancels the pending requests of a connection it dropped.
            self.broken = True
            raise TelegramNetworkError("The connection to Telegram was closed") from None
        except TelegramNetworkError:
            self.broken = True
            raise
        except NETWORK_ERRORS as exc:
            self.broken = True
            raise TelegramNetworkError(describe(exc, self.policy.timeout)) from exc

    async def connect(self) -> None:
        try:
            await self._bounded(super().connect())
        except BaseException:
            await self._quiet_disconnect()
            raise

    async def _call(self, sender: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._bounded(super()._call(sender, request, *args, **kwargs))

    async def _get_dc(self, dc_id: int, cdn: bool = False) -> Any:
        # Telethon caches help.getConfig on `self.__class__`: filled here first, the one
        # cache stays on TelegramClient (where tools clear it) instead of a stale copy
        # on this subclass.
        if not TelegramClient._config:
            TelegramClient._config = await self(functions.help.GetConfigRequest())
        return await super()._get_dc(dc_id, cdn)

    async def _borrow_exported_sender(self, dc_id: int) -> Any:
        return await self._bounded(super()._borrow_exported_sender(dc_id))

    async def _create_exported_sender(self, dc_id: int) -> Any:
        # Telethon builds these senders with its defaults (5 retries, auto-reconnect):
        # the same steps with the policy's bounds instead.
        dc = await self._get_dc(dc_id)
        sender = MTProtoSender(
            None,
            loggers=self._log,
            retries=self.policy.connect_retries,
            delay=self.policy.retry_delay,
            auto_reconnect=False,
            connect_timeout=self.policy.timeout,
        )
        try:
            await sender.connect(
                self._connection(
                    dc.ip_address,
                    dc.port,
                    dc.id,
                    loggers=self._log,
                    proxy=self._proxy,
                    local_addr=self._local_addr,
                )
            )
            auth = await self(functions.auth.ExportAuthorizationRequest(dc_id))
            self._init_request.query = functions.auth.ImportAuthorizationRequest(
                id=auth.id, bytes=auth.bytes
            )
            await sender.send(functions.InvokeWithLayerRequest(LAYER, self._init_request))
        except BaseException:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sender.disconnect(), self.policy.timeout)
            raise
        return sender

    async def _disconnect_coro(self) -> None:
        try:
            await asyncio.wait_for(super()._disconnect_coro(), self.policy.timeout)
        except TimeoutError:
            log.warning("disconnecting from Telegram took over %g s; dropped", self.policy.timeout)
            self._abort_transport()

    async def _quiet_disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await self.disconnect()

    def _abort_transport(self) -> None:
        connection = getattr(self._sender, "_connection", None)
        writer = getattr(connection, "_writer", None)
        if writer is not None:
            writer.transport.abort()
