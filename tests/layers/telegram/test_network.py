"""TELEGRAM_SERVER / TELEGRAM_RSA_KEY / TELEGRAM_TEST_SERVERS / TELEGRAM_PROXY: parsing
with clear errors, and real clients through them (the TCP simulated Telegram, an MTProxy
port of it, and a SOCKS5 / HTTP CONNECT relay on loopback)."""

from __future__ import annotations

import asyncio
import contextlib
import struct
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from telethon.network import ConnectionTcpMTProxyRandomizedIntermediate
from telethon.sessions import MemorySession

from local.simtg import SimulatedTelegram
from local.simtg.net import NetServer, serve
from local.simtg.server import DEFAULT_API_HASH, DEFAULT_API_ID
from tgscraper.config import Settings
from tgscraper.telegram.network import TEST_DC, Network, Proxy, Server

SECRET = bytes(range(16))


def _network(tmp_path: Path, **env: str) -> Network:
    return Network.from_settings(Settings(data_dir=tmp_path, **env))  # type: ignore[arg-type]


def test_server_setting_parses_and_rejects_clearly() -> None:
    assert Server.parse("4@10.0.0.5:4430") == Server(4, "10.0.0.5", 4430)
    assert Server.parse("2@[::1]:443") == Server(2, "::1", 443)
    for bad in ("127.0.0.1:443", "x@h:1", "2@h:port", "2@:443", "2@h:70000"):
        with pytest.raises(ValueError, match="TELEGRAM_SERVER"):
            Server.parse(bad)


def test_proxy_setting_parses_every_kind() -> None:
    socks = Proxy.parse("socks5://us%40r:p%3Ass@proxy.local:1080")
    assert socks.value["proxy_type"] == "socks5" and socks.value["addr"] == "proxy.local"
    assert (socks.value["username"], socks.value["password"]) == ("us@r", "p:ss")
    assert Proxy.parse("http://10.0.0.1:3128").value["proxy_type"] == "http"
    mt = Proxy.parse(f"mt.example:443:dd{SECRET.hex()}")
    assert mt.connection is ConnectionTcpMTProxyRandomizedIntermediate
    assert mt.value == ("mt.example", 443, f"dd{SECRET.hex()}")
    for bad in ("ftp://h:1", "socks5://nohost", "h:1", f"h:1:ee{SECRET.hex()}", "h:1:abc"):
        with pytest.raises(ValueError):
            Proxy.parse(bad)


def test_settings_conflicts_and_bad_key_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        _network(tmp_path, telegram_server="2@h:1", telegram_test_servers=True)
    with pytest.raises(ValueError, match="cannot read"):
        _network(tmp_path, telegram_rsa_key=str(tmp_path / "missing.pem"))
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(ValueError, match="RSA PUBLIC KEY"):
        _network(tmp_path, telegram_rsa_key=str(tmp_path / "junk.pem"))
    assert _network(tmp_path).default


def test_new_sessions_get_the_server_stored_ones_keep_theirs(tmp_path: Path) -> None:
    net = _network(tmp_path, telegram_server="4@127.0.0.9:4430")
    fresh = net.client(MemorySession(), DEFAULT_API_ID, DEFAULT_API_HASH)
    assert (fresh.session.dc_id, fresh.session.server_address, fresh.session.port) == (
        4,
        "127.0.0.9",
        4430,
    )
    stored = MemorySession()
    stored.set_dc(2, "149.154.167.51", 443)
    kept = net.client(stored, DEFAULT_API_ID, DEFAULT_API_HASH)
    assert (kept.session.server_address, kept.session.port) == ("149.154.167.51", 443)
    test = Network.from_settings(Settings(data_dir=tmp_path, telegram_test_servers=True))
    client = test.client(MemorySession(), DEFAULT_API_ID, DEFAULT_API_HASH)
    assert (client.session.dc_id, client.session.server_address, client.session.port) == TEST_DC


# -- real clients through the settings --------------------------------------------------


@pytest.fixture
def net_server() -> Iterator[NetServer]:
    with serve(SimulatedTelegram(), proxy_secret=SECRET) as server:
        yield server


def _key_file(tmp_path: Path, server: NetServer) -> str:
    path = tmp_path / "server.pem"
    path.write_text(server.public_key_pem)
    return str(path)


async def _qr_login_through(net: Network, server: NetServer, **approve: int) -> None:
    client = net.client(MemorySession(), DEFAULT_API_ID, DEFAULT_API_HASH, timeout=5)
    await asyncio.wait_for(client.connect(), 30)
    try:
        qr = await client.qr_login()
        server.sim.approve_qr(qr.url, **approve)
        me = await asyncio.wait_for(qr.wait(10), 30)
        assert me.id == server.sim.world.me.id
        assert len(await client.get_dialogs()) == len(server.sim.world.dialogs)
    finally:
        await client.disconnect()


async def test_telegram_server_and_rsa_key_settings(tmp_path: Path, net_server: NetServer) -> None:
    dc, host, port = net_server.home
    net = _network(
        tmp_path,
        telegram_server=f"{dc}@{host}:{port}",
        telegram_rsa_key=_key_file(tmp_path, net_server),
    )
    await _qr_login_through(net, net_server, dc_id=4)
    assert net_server.connects[4] >= 1  # migrated to DC 4's own port


async def test_mtproxy_setting(tmp_path: Path, net_server: NetServer) -> None:
    assert net_server.proxy is not None
    net = _network(
        tmp_path,
        telegram_server="2@{}:{}".format(*net_server.addresses[2]),
        telegram_rsa_key=_key_file(tmp_path, net_server),
        telegram_proxy=f"127.0.0.1:{net_server.proxy.port}:dd{SECRET.hex()}",
    )
    await _qr_login_through(net, net_server, dc_id=4)
    assert net_server.connects["proxy"] >= 2  # DC 2 and then DC 4, both via the proxy
    assert net_server.connects[2] == net_server.connects[4] == 0


@contextlib.asynccontextmanager
async def _relay() -> AsyncIterator[tuple[int, list[str]]]:
    """A minimal SOCKS5 (no auth) and HTTP CONNECT relay on loopback, for the test only."""
    seen: list[str] = []

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        first = await reader.readexactly(1)
        if first == b"\x05":
            await reader.readexactly((await reader.readexactly(1))[0])
            writer.write(b"\x05\x00")
            _, _, _, atyp = await reader.readexactly(4)
            if atyp == 1:
                host = ".".join(str(b) for b in await reader.readexactly(4))
            else:
                host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            (port,) = struct.unpack(">H", await reader.readexactly(2))
            seen.append("socks5")
            writer.write(b"\x05\x00\x00\x01" + bytes(4) + b"\x00\x00")
        else:
            head = first + await reader.readuntil(b"\r\n\r\n")
            target = head.split()[1].decode()
            host, _, port_text = target.rpartition(":")
            port = int(port_text)
            seen.append("http")
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        up_reader, up_writer = await asyncio.open_connection(host, port)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], seen
    finally:
        server.close()


@pytest.mark.parametrize("scheme", ["socks5", "http"])
async def test_socks5_and_http_proxy_settings(
    tmp_path: Path, net_server: NetServer, scheme: str
) -> None:
    async with _relay() as (port, seen):
        dc, host, dc_port = net_server.home
        net = _network(
            tmp_path,
            telegram_server=f"{dc}@{host}:{dc_port}",
            telegram_rsa_key=_key_file(tmp_path, net_server),
            telegram_proxy=f"{scheme}://127.0.0.1:{port}",
        )
        await _qr_login_through(net, net_server, dc_id=4)
    assert seen and set(seen) == {scheme}
    assert len(seen) >= 2  # the DC 4 connection went through the proxy too


def test_settings_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_SERVER", "2@127.0.0.1:4430")
    monkeypatch.setenv("TELEGRAM_RSA_KEY", "/etc/tg/server.pem")
    monkeypatch.setenv("TELEGRAM_TEST_SERVERS", "TRUE")
    monkeypatch.setenv("TELEGRAM_PROXY", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("DEMO_TRANSPORT", "TCP")
    settings = Settings.from_env()
    assert settings.telegram_server == "2@127.0.0.1:4430"
    assert settings.telegram_rsa_key == "/etc/tg/server.pem"
    assert settings.telegram_test_servers is True
    assert settings.telegram_proxy == "socks5://127.0.0.1:1080"
    assert settings.demo_transport == "tcp"
