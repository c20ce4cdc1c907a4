"""One client TCP connection to one DC: the key exchange, then encrypted requests.

To the sim a connection is a sender like ``SimSender`` (``auth_key``, ``dc_id``,
``is_connected()``, ``push_update()``), so ``SimulatedTelegram.dispatch`` and every
handler run unchanged. Answers go out as a container of ``msgs_ack`` + ``rpc_result``
(results over 512 bytes gzip-packed), pings get pongs, a new session id gets
``new_session_created`` and a wrong salt ``bad_server_salt`` (the request is then
re-sent by the client, as with Telegram).
"""

from __future__ import annotations

import asyncio
import logging
import os
import struct
from typing import TYPE_CHECKING, Any

from telethon.crypto import AuthKey
from telethon.errors import TypeNotFoundError
from telethon.extensions import BinaryReader
from telethon.tl import functions as F
from telethon.tl import types as T
from telethon.tl.core import GzipPacked, MessageContainer
from telethon.tl.tlobject import TLObject, TLRequest

from ..cost import Pipe
from ..errors import RpcFault
from ..sender import serialize_result
from .handshake import Handshake, HandshakeError
from .messages import RPC_RESULT, BadMessage, Incoming, Outbox, decrypt
from .transport import Framer, TransportError

if TYPE_CHECKING:
    from .server import DcListener

_log = logging.getLogger(__name__)
_PINGS = (F.PingRequest, F.PingDelayDisconnectRequest)


class Connection:
    def __init__(self, dc: DcListener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.dc = dc
        self.server = dc.server
        self.sim = dc.server.sim
        self.dc_id = dc.dc_id
        self.auth_key = AuthKey(None)
        self.writer = writer
        self.framer = Framer(reader, writer)
        self.sent_bytes = 0
        self._handshake = Handshake(dc.server.key)
        self._outbox: Outbox | None = None
        self._connected = True
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[None]] = set()
        self._out: asyncio.Queue[bytes | None] = asyncio.Queue()
        #: This connection's downstream (the cost model's per-connection bandwidth).
        self.pipe = Pipe()

    # -- the sender surface the sim uses -----------------------------------------------
    @property
    def dc_addresses(self) -> dict[int, tuple[str, int]]:
        """What help.getConfig lists on this connection: the server's real ports."""
        return self.server.addresses

    def is_connected(self) -> bool:
        return self._connected

    def push_update(self, update: TLObject) -> None:
        """A server-initiated message (e.g. updateLoginToken); callable from any thread."""
        if not self._connected or self._loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._send([bytes(update)], content_related=True, response=False)
        else:
            self._loop.call_soon_threadsafe(self._send, [bytes(update)], True, False)

    # -- lifecycle ---------------------------------------------------------------------
    async def run(self) -> None:
        writer_task = asyncio.create_task(self.dc.faults_writer(self))
        try:
            await self.framer.start(self.server.proxy_secret if self.dc.is_proxy else None)
            if self.dc.is_proxy and self.framer.dc_id in self.server.dcs:
                self.dc_id = self.framer.dc_id  # MTProxy routes by the DC in the header
            while self._connected:
                packet = await self.framer.recv()
                if self.dc.stalled():
                    continue  # accept and read, never answer
                await self._on_packet(packet)
        except (asyncio.IncompleteReadError, ConnectionError, TransportError, HandshakeError):
            pass
        except BadMessage as exc:
            _log.info("dropping a connection: %s", exc)
        except Exception:  # a server bug: drop this connection, keep serving the others
            _log.exception("MTProto connection failed")
        finally:
            self.close()
            writer_task.cancel()
            for task in list(self._tasks):
                task.cancel()

    def close(self, *, abort: bool = False) -> None:
        if not self._connected:
            return
        self._connected = False
        self.sim._senders.discard(self)  # type: ignore[arg-type]
        self._out.put_nowait(None)
        transport = self.writer.transport
        if abort:
            transport.abort()

    def write_raw(self, data: bytes) -> None:
        self._out.put_nowait(data)

    # -- packets -----------------------------------------------------------------------
    async def _on_packet(self, packet: bytes) -> None:
        if len(packet) < 8:
            raise TransportError("short packet")
        key_id = struct.unpack("<Q", packet[:8])[0]
        if key_id == 0:
            reply, key = self._handshake.answer(packet)
            self.write_raw(self.framer.frame(reply))
            if key is not None:
                self.server.register_key(key, self.dc_id)
                self.server.stats["auth_key_created"] += 1
            return
        key = self.server.find_key(key_id, self.dc_id)
        if key is None:
            # Telegram's answer to a key it does not know (Telethon: AuthKeyNotFound).
            self.write_raw(self.framer.transport_error(-404))
            self.server.stats["unknown_auth_key"] += 1
            return
        if self.auth_key.key != key.key:
            self.auth_key = AuthKey(key.key)
        self.sim._senders.add(self)  # type: ignore[arg-type]
        msg = decrypt(key, packet)
        if self._outbox is None or self._outbox.session_id != msg.session_id:
            self._outbox = Outbox(key, msg.session_id)
            unique = struct.unpack("<q", os.urandom(8))[0]
            created = T.NewSessionCreated(msg.msg_id, unique, self._salt)
            self._send([bytes(created)], content_related=True, response=False)
            self.server.stats["new_session_created"] += 1
        if msg.salt != self._salt:
            bad = T.BadServerSalt(msg.msg_id, msg.seq_no, 48, self._salt)
            self._send([bytes(bad)], content_related=False)
            self.server.stats["bad_server_salt"] += 1
            return
        try:
            obj = BinaryReader(msg.body).tgread_object()
        except TypeNotFoundError:
            return
        self._process(msg, msg.msg_id, obj)

    @property
    def _salt(self) -> int:
        return self.server.salt_for(self.auth_key)

    def _process(self, msg: Incoming, msg_id: int, obj: Any) -> None:
        if isinstance(obj, MessageContainer):
            self.server.stats["client_container"] += 1
            for inner in obj.messages:
                self._process(msg, inner.msg_id, inner.obj)
        elif isinstance(obj, GzipPacked):
            self._process(msg, msg_id, BinaryReader(obj.data).tgread_object())
        elif isinstance(obj, _PINGS):
            self._send([bytes(T.Pong(msg_id, obj.ping_id))], content_related=False)
            self.server.stats["pong"] += 1
        elif isinstance(obj, TLRequest):
            task = self._loop.create_task(self._answer(msg_id, obj))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # msgs_ack and other service messages need nothing back

    async def _answer(self, msg_id: int, request: TLRequest) -> None:
        cost = self.sim.controls.cost
        arrived = cost.clock()
        if cost.latency > 0:
            await asyncio.sleep(cost.latency)
        try:
            answer = self.sim.dispatch(self, request, arrived=arrived)  # type: ignore[arg-type]
            result = serialize_result(answer)
            body = GzipPacked.gzip_if_smaller(True, result)
            # Same size as in-process (the serialized answer), so both transports cost alike.
            transfer = self.pipe.reserve(self.sim.controls.cost, len(result))
            if transfer > 0:
                await asyncio.sleep(transfer)
        except RpcFault as fault:
            body = bytes(T.RpcError(fault.code, fault.message))
        except ConnectionError:
            self.close(abort=True)  # an injected drop (sim.disconnect_after)
            return
        except Exception:
            _log.exception("simulated Telegram failed on %s", type(request).__name__)
            body = bytes(T.RpcError(500, "INTERNAL_SERVER_ERROR"))
        if body[:4] == struct.pack("<I", GzipPacked.CONSTRUCTOR_ID):
            self.server.stats["gzip_packed"] += 1
        ack = bytes(T.MsgsAck([msg_id]))
        self._send([ack, struct.pack("<Iq", RPC_RESULT, msg_id) + body], content_related=True)

    def _send(self, bodies: list[bytes], content_related: bool, response: bool = True) -> None:
        """Frame and queue messages; several go in one msg_container."""
        if not self._connected or self._outbox is None:
            return
        box = self._outbox
        if len(bodies) == 1:
            message = box.message(bodies[0], content_related=content_related, response=response)
        else:
            inner = [
                box.message(b, content_related=content_related and i > 0, response=response)
                for i, b in enumerate(bodies)
            ]
            message = box.message(box.container(inner), content_related=False, response=response)
        self.write_raw(self.framer.frame(box.encrypt(self._salt, message)))

    async def next_out(self) -> bytes | None:
        return await self._out.get()
