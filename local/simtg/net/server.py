"""The simulated Telegram as a real MTProto server: one TCP listener per DC.

``NetServer(sim)`` serves ``sim`` (a ``SimulatedTelegram``) on 127.0.0.1, DCs 1-5 each
on its own port, so ``*_MIGRATE_X``, ``auth.loginTokenMigrateTo`` and exported file
senders switch TCP connections for real. ``help.getConfig`` lists these addresses.
Optionally one more port acts as an MTProxy (obfuscated2 with a secret, routed to the
DC named in the header). Use ``serve()`` (a thread of its own) or ``await start()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import struct
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from telethon.crypto import AuthKey

from ..server import SimulatedTelegram
from .connection import Connection
from .faults import Faults
from .keys import ServerKey

DCS = (1, 2, 3, 4, 5)
ENTRY_DC = 2


class DcListener:
    def __init__(self, server: NetServer, dc_id: int, *, is_proxy: bool = False) -> None:
        self.server = server
        self.dc_id = dc_id
        self.is_proxy = is_proxy
        self.port = 0
        self.connections: set[Connection] = set()
        self._server: asyncio.Server | None = None

    async def listen(self) -> None:
        if self._server is not None:
            return
        # The same port again after refuse()/kill(): clients keep their DC address.
        self._server = await asyncio.start_server(self._accept, self.server.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None

    async def kill(self) -> None:
        await self.stop_listening()
        for conn in list(self.connections):
            conn.close(abort=True)

    def stalled(self) -> bool:
        return self.server.faults.of(self.dc_id).stall

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server.connects["proxy" if self.is_proxy else self.dc_id] += 1
        conn = Connection(self, reader, writer)
        self.connections.add(conn)
        try:
            if self.server.faults.of(self.dc_id).close_after == 0:
                conn.close(abort=True)
            await conn.run()
        finally:
            self.connections.discard(conn)
            with contextlib.suppress(Exception):
                writer.close()

    async def faults_writer(self, conn: Connection) -> None:
        """The one task that writes a connection's bytes, applying this DC's faults."""
        writer = conn.writer
        while True:
            data = await conn.next_out()
            if data is None:
                with contextlib.suppress(Exception):
                    await writer.drain()
                    writer.close()
                return
            faults = self.server.faults.of(self.dc_id)
            if faults.garbage is not None:
                writer.write(os.urandom(faults.garbage))
                await writer.drain()
                if faults.garbage_then_close:
                    conn.close(abort=False)
                continue
            limit = faults.close_after
            if limit is not None and conn.sent_bytes + len(data) >= limit:
                writer.write(data[: max(0, limit - conn.sent_bytes)])
                conn.sent_bytes = limit
                with contextlib.suppress(Exception):
                    await writer.drain()
                conn.close(abort=True)
                continue
            await self._write(writer, data, faults.bytes_per_second)
            conn.sent_bytes += len(data)

    async def _write(self, writer: asyncio.StreamWriter, data: bytes, rate: float | None) -> None:
        if not rate:
            writer.write(data)
            await writer.drain()
            return
        chunk = max(1, int(rate / 10))
        for i in range(0, len(data), chunk):
            writer.write(data[i : i + chunk])
            await writer.drain()
            await asyncio.sleep(chunk / rate)


class NetServer:
    """Serves one ``SimulatedTelegram`` over MTProto on TCP (see module docstring)."""

    def __init__(
        self,
        sim: SimulatedTelegram,
        *,
        host: str = "127.0.0.1",
        key: ServerKey | None = None,
        proxy_secret: bytes | None = None,
    ) -> None:
        self.sim = sim
        self.host = host
        self.key = key or ServerKey.shared()
        self.proxy_secret = proxy_secret
        self.dcs = {dc: DcListener(self, dc) for dc in DCS}
        self.proxy = DcListener(self, sim.home_dc, is_proxy=True) if proxy_secret else None
        self.faults = Faults(self)
        self.connects: Counter[int | str] = Counter()  # accepted per DC (and "proxy")
        #: What went over the wire: gzip_packed, bad_server_salt, pong, auth_key_created, ...
        self.stats: Counter[str] = Counter()
        self._keys: dict[int, AuthKey] = {}
        self._salts: dict[int, int] = {}
        self._indexed: set[bytes] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def addresses(self) -> dict[int, tuple[str, int]]:
        return {dc: (self.host, listener.port) for dc, listener in self.dcs.items()}

    @property
    def home(self) -> tuple[int, str, int]:
        """(DC id, host, port) where new logins start (DC 2, as Telethon's default): what
        ``TELEGRAM_SERVER`` names. An account living elsewhere migrates from there."""
        return ENTRY_DC, self.host, self.dcs[ENTRY_DC].port

    @property
    def public_key_pem(self) -> str:
        return self.key.public_pem

    async def start(self) -> NetServer:
        self._loop = asyncio.get_running_loop()
        for listener in self.dcs.values():
            await listener.listen()
        if self.proxy is not None:
            await self.proxy.listen()
        return self

    def client(self, session: Any = None, **kwargs: Any) -> Any:
        """An unmodified ``TelegramClient`` on this server (not yet connected).

        A new session points at the home DC; short timeouts and two connection retries
        keep tests bounded (pass your own to override).
        """
        from telethon import TelegramClient
        from telethon.sessions import MemorySession

        from ..server import DEFAULT_API_HASH, DEFAULT_API_ID

        if session is None:
            session = MemorySession()
            session.set_dc(*self.home)
        kwargs.setdefault("timeout", 5)
        kwargs.setdefault("connection_retries", 2)
        kwargs.setdefault("retry_delay", 0)
        return TelegramClient(session, DEFAULT_API_ID, DEFAULT_API_HASH, **kwargs)

    def authorized_session(self, user_id: int | None = None, dc_id: int | None = None) -> Any:
        """``sim.authorized_session`` pointed at this server's DC address."""
        session = self.sim.authorized_session(user_id, dc_id)
        session.set_dc(session.dc_id, self.host, self.dcs[session.dc_id].port)
        return session

    async def stop(self) -> None:
        for listener in [*self.dcs.values(), *([self.proxy] if self.proxy else [])]:
            await listener.kill()
        await asyncio.sleep(0)

    def call(self, fn: Callable[[], Any]) -> None:
        """Run ``fn`` (sync or a coroutine function) in the server's loop and wait."""
        loop = self._loop
        if loop is None:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None

        async def run() -> None:
            result = fn()
            if asyncio.iscoroutine(result):
                await result

        if running is loop:
            loop.create_task(run())
        else:
            asyncio.run_coroutine_threadsafe(run(), loop).result(10)

    def enforce_limits(self) -> None:
        for listener in self.dcs.values():
            limit = self.faults.of(listener.dc_id).close_after
            for conn in list(listener.connections):
                if limit is not None and conn.sent_bytes >= limit:
                    conn.close(abort=True)

    # -- auth keys -----------------------------------------------------------------------
    def register_key(self, key: AuthKey, dc_id: int) -> None:
        self.sim.auth.key_state(key.key, dc_id)
        self._keys[key.key_id] = key
        self._indexed.add(key.key)

    def find_key(self, key_id: int, dc_id: int) -> AuthKey | None:
        """The key with this id, if the server knows it on this DC."""
        key = self._keys.get(key_id)
        if key is None:  # keys the sim made without a handshake (stored sessions, tests)
            for raw in list(self.sim.auth.keys):
                if raw not in self._indexed:
                    found = AuthKey(raw)
                    self._keys[found.key_id] = found
                    self._indexed.add(raw)
            key = self._keys.get(key_id)
        state = self.sim.auth.keys.get(key.key) if key is not None else None
        if state is None or state.dc_id != dc_id:
            return None
        return key

    def salt_for(self, key: AuthKey) -> int:
        salt = self._salts.get(key.key_id)
        if salt is None:
            salt = self._salts[key.key_id] = struct.unpack("<q", os.urandom(8))[0]
        return salt


@contextlib.contextmanager
def serve(sim: SimulatedTelegram | None = None, **kwargs: Any) -> Any:
    """Run a ``NetServer`` in a thread with its own loop; yields the started server."""
    from telethon import TelegramClient

    sim = sim if sim is not None else SimulatedTelegram()
    server = NetServer(sim, **kwargs)
    server.key.trust()
    started = threading.Event()
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, name="simtg-net", daemon=True)
    # Telethon caches help.getConfig per process (class attribute): a cache from another
    # server would send DC switches to that server's ports.
    TelegramClient._config = None
    thread.start()
    if not started.wait(30):
        raise RuntimeError("the MTProto server did not start")
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        TelegramClient._config = None
