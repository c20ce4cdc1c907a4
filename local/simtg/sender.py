"""``SimSender``: a drop-in for Telethon's ``MTProtoSender`` that talks to the sim.

``TelegramClient`` only uses a small surface of its sender (``connect``,
``disconnect``, ``is_connected``, ``send`` returning futures, ``auth_key``,
``disconnected``, and two keep-alive hooks), so replacing ``client._sender``
swaps the network for the simulator while every high-level method (and the
DC switching / exported-sender logic) stays Telethon's own code.
"""

from __future__ import annotations

import asyncio
import logging
import struct
from typing import TYPE_CHECKING, Any

from telethon.crypto import AuthKey
from telethon.errors import rpc_message_to_error
from telethon.extensions import BinaryReader
from telethon.tl.tlobject import TLObject, TLRequest
from telethon.tl.types import RpcError

from .cost import Pipe
from .errors import RpcFault

if TYPE_CHECKING:
    from .server import SimulatedTelegram

_log = logging.getLogger(__name__)
_VECTOR = 0x1CB5C415


def serialize_result(value: Any) -> bytes:
    """Serialize a handler's answer the way Telegram puts it on the wire."""
    if isinstance(value, bool):
        return struct.pack("<I", 0x997275B5 if value else 0xBC799737)
    if isinstance(value, list):
        return struct.pack("<Ii", _VECTOR, len(value)) + b"".join(
            serialize_result(v) for v in value
        )
    if isinstance(value, TLObject):
        return bytes(value)
    raise TypeError(f"cannot serialize {value!r}")


def round_trip(request: TLRequest, value: Any) -> Any:
    """Bytes out, bytes in: a malformed object fails here as it would with Telegram."""
    return request.read_result(BinaryReader(serialize_result(value)))


class SimSender:
    """One simulated MTProto connection to one DC, bound to one auth key."""

    def __init__(
        self,
        sim: SimulatedTelegram,
        auth_key: AuthKey | None,
        *,
        updates_queue: asyncio.Queue[Any] | None = None,
        auth_key_callback: Any = None,
    ) -> None:
        self.sim = sim
        self.auth_key = auth_key or AuthKey(None)
        self.dc_id = 0  # set on connect (and by Telethon for exported senders)
        self.updates_queue = updates_queue
        self._auth_key_callback = auth_key_callback
        self._connected = False
        self._disconnected: asyncio.Future[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        #: This connection's downstream (the cost model's per-connection bandwidth).
        self.pipe = Pipe()

    # -- the MTProtoSender surface used by TelegramClient -----------------------

    async def connect(self, connection: Any) -> bool:
        if self._connected:
            return False
        self.dc_id = int(getattr(connection, "_dc_id", 0) or self.sim.home_dc)
        if not self.auth_key.key:
            # Stand-in for the DH handshake: a fresh random key the server now knows.
            self.auth_key.key = self.sim.auth.new_key(self.dc_id).key
            if self._auth_key_callback is not None:
                await self._auth_key_callback(self.auth_key)
        self._connected = True
        self._loop = asyncio.get_running_loop()
        self._disconnected = self._loop.create_future()
        self.sim._senders.add(self)
        return True

    def is_connected(self) -> bool:
        return self._connected

    async def disconnect(self) -> None:
        self._drop(None)
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def send(self, request: Any, ordered: bool = False) -> Any:
        if not self._connected:
            raise ConnectionError("Cannot send requests while disconnected")
        if isinstance(request, list):
            return [self._schedule(r) for r in request]
        return self._schedule(request)

    @property
    def disconnected(self) -> asyncio.Future[None]:
        if self._disconnected is None:
            self._disconnected = asyncio.get_running_loop().create_future()
            self._disconnected.set_result(None)
        return asyncio.shield(self._disconnected)

    def _transport_connected(self) -> bool:
        return self._connected

    def _keepalive_ping(self, ping_id: int) -> None:
        """Pings need no answer from a simulator."""

    # -- internals ------------------------------------------------------------

    def _schedule(self, request: TLRequest) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        task = loop.create_task(self._answer(request, future))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return future

    async def _answer(self, request: TLRequest, future: asyncio.Future[Any]) -> None:
        try:
            cost = self.sim.controls.cost
            arrived = cost.clock()
            if cost.latency > 0:
                await asyncio.sleep(cost.latency)
            # The server sees what went over the wire, not the client's object.
            wire = BinaryReader(bytes(request)).tgread_object()
            data = serialize_result(self.sim.dispatch(self, wire, arrived=arrived))
            result = request.read_result(BinaryReader(data))
            transfer = self.pipe.reserve(self.sim.controls.cost, len(data))
            if transfer > 0:
                await asyncio.sleep(transfer)
        except RpcFault as fault:
            error = rpc_message_to_error(RpcError(fault.code, fault.message), request)
            if not future.done():
                future.set_exception(error)
        except ConnectionError as exc:
            if not future.done():
                future.set_exception(exc)
            self._drop(exc)
        except asyncio.CancelledError:
            if not future.done():
                future.set_exception(ConnectionError("Connection closed"))
            raise
        except Exception as exc:  # a sim bug: surface it to the caller, not the loop
            _log.exception("simulated Telegram failed on %s", type(request).__name__)
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(result)

    def _drop(self, error: Exception | None) -> None:
        """Mark the connection closed (by the user or by a simulated network drop)."""
        self._connected = False
        self.sim._senders.discard(self)
        if self._disconnected is not None and not self._disconnected.done():
            self._disconnected.set_result(None)

    def push_update(self, update: TLObject) -> None:
        """Deliver a server push (round-tripped) to the client's update loop.

        The control that triggers it may run on another thread or event loop (e.g. a
        demo HTTP route), so hand it to the client's own loop.
        """
        loop, queue = self._loop, self.updates_queue
        if queue is None or loop is None or not self._connected:
            return
        decoded = BinaryReader(bytes(update)).tgread_object()
        if loop.is_closed():
            self._drop(None)
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            queue.put_nowait(decoded)
        else:
            loop.call_soon_threadsafe(queue.put_nowait, decoded)
