"""Network faults of the TCP server, observed on the wire by a raw socket or a real client."""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import time

import pytest
from telethon.extensions import BinaryReader
from telethon.tl import functions as F
from telethon.tl import types as T

from local.simtg.net import NetServer

_INTERMEDIATE = b"\xee\xee\xee\xee"


def _req_pq() -> bytes:
    """An unencrypted req_pq_multi in the intermediate transport (tag included)."""
    body = bytes(F.ReqPqMultiRequest(int.from_bytes(os.urandom(16), "big", signed=True)))
    msg = struct.pack("<qqi", 0, int(time.time()) << 32, len(body)) + body
    return _INTERMEDIATE + struct.pack("<i", len(msg)) + msg


def _connect(server: NetServer, dc: int = 2) -> socket.socket:
    sock = socket.create_connection((server.host, server.dcs[dc].port), timeout=5)
    sock.settimeout(5)
    return sock


def _read_all(sock: socket.socket) -> tuple[bytes, int]:
    """Everything until the server closes (bounded by the socket timeout), and in how
    many reads it came."""
    data, reads = b"", 0
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data, reads
        if not chunk:
            return data, reads
        data, reads = data + chunk, reads + 1


def _res_pq(data: bytes) -> T.ResPQ:
    (length,) = struct.unpack("<i", data[:4])
    payload = data[4 : 4 + length]
    obj = BinaryReader(payload[20:]).tgread_object()
    assert isinstance(obj, T.ResPQ)
    return obj


def test_healthy_server_answers_req_pq(server: NetServer) -> None:
    with _connect(server) as sock:
        sock.sendall(_req_pq())
        head = sock.recv(4)
        (length,) = struct.unpack("<i", head)
        body = b""
        while len(body) < length:
            body += sock.recv(length - len(body))
        assert _res_pq(head + body).server_public_key_fingerprints == [server.key.fingerprint]


def test_close_after_n_bytes_cuts_the_answer_exactly(server: NetServer) -> None:
    server.faults.close_after(10)
    with _connect(server) as sock:
        sock.sendall(_req_pq())
        data, _ = _read_all(sock)
    assert len(data) == 10


def test_close_after_zero_closes_at_accept(server: NetServer) -> None:
    server.faults.close_after(0)
    with _connect(server) as sock:
        data, _ = _read_all(sock)  # no request sent: the server closes on its own
    assert data == b""
    assert server.connects[2] == 1


def test_garbage_replaces_the_answer_then_closes(server: NetServer) -> None:
    server.faults.garbage(64)
    with _connect(server) as sock:
        sock.sendall(_req_pq())
        data, _ = _read_all(sock)
    assert len(data) == 64
    with pytest.raises(Exception):  # noqa: B017 - random bytes are no resPQ
        _res_pq(data)


def test_stall_accepts_and_never_answers(server: NetServer) -> None:
    server.faults.stall()
    with _connect(server) as sock:
        sock.sendall(_req_pq())
        sock.settimeout(1.0)
        with pytest.raises(TimeoutError):
            sock.recv(1)  # connected, but nothing comes back
        sock.sendall(_req_pq())  # and the connection is still open


def test_slow_bytes_trickle_out_in_many_pieces(server: NetServer) -> None:
    server.faults.slow(400)
    with _connect(server) as sock:
        sock.sendall(_req_pq())
        head = sock.recv(4)
        (length,) = struct.unpack("<i", head)
        body, reads = b"", 0
        while len(body) < length:
            body += sock.recv(length - len(body))
            reads += 1
    assert reads > 1
    assert _res_pq(head + body).nonce  # the whole answer still arrives intact


def test_refuse_then_recover_on_the_same_port(server: NetServer) -> None:
    port = server.dcs[2].port
    server.faults.refuse(dc=2)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, port), timeout=5)
    with _connect(server, dc=4):  # other DCs keep listening
        pass
    server.faults.recover()
    assert server.dcs[2].port == port
    test_healthy_server_answers_req_pq(server)


def test_kill_resets_live_connections_and_refuses_new_ones(server: NetServer) -> None:
    with _connect(server) as live:
        live.sendall(_req_pq())
        live.recv(4)
        server.faults.kill(dc=2)
        data, _ = _read_all(live)  # reset or EOF, promptly
        assert len(data) < 200
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.dcs[2].port), timeout=5)


async def test_real_client_sees_kill_and_works_after_recover(
    server: NetServer, world: object
) -> None:
    client = server.client(server.authorized_session(), connection_retries=1, timeout=2)
    await client.connect()
    try:
        assert await client.get_me() is not None
        server.faults.kill(dc=2)
        with pytest.raises((ConnectionError, TimeoutError)):
            await asyncio.wait_for(client.get_me(), 30)
    finally:
        await client.disconnect()
    server.faults.recover()
    again = server.client(client.session)
    await again.connect()
    try:
        assert await asyncio.wait_for(again.get_me(), 20) is not None
    finally:
        await again.disconnect()


async def test_real_client_connect_fails_on_a_stalled_server(server: NetServer) -> None:
    server.faults.stall()
    client = server.client(connection_retries=0, timeout=1)
    # Telethon's key exchange waits without a deadline: the caller must bound it.
    with pytest.raises((ConnectionError, TimeoutError)):
        await asyncio.wait_for(client.connect(), 3)
    await client.disconnect()
    assert server.connects[2] == 1 and server.stats["auth_key_created"] == 0


def test_garbage_without_close_keeps_the_connection_open(server: NetServer) -> None:
    server.faults.garbage(16, close=False)
    with _connect(server) as sock:
        sock.sendall(_req_pq())
        first = sock.recv(64)
        sock.sendall(_req_pq()[len(_INTERMEDIATE) :])  # the tag only starts a connection
        second = sock.recv(64)
    assert len(first) == 16 and len(second) == 16 and first != second
