"""Where Telegram is: the MTProto server, its RSA key, test DCs and a proxy.

`Network.from_settings(settings)` reads TELEGRAM_SERVER, TELEGRAM_RSA_KEY,
TELEGRAM_TEST_SERVERS and TELEGRAM_PROXY (see docs/telegram-network.md) and
`network.client(session, api_id, api_hash, ...)` builds the TelegramClient with them.
Nothing set: Telethon's defaults (Telegram's production DC 2, no proxy).

Only a session without a server address (a new login) is pointed at the configured
server; a stored session keeps the DC address it was made with, so changing the
setting never sends an existing auth key to another server.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from telethon import TelegramClient
from telethon.network import ConnectionTcpMTProxyRandomizedIntermediate
from telethon.network.connection import ConnectionTcpMTProxyIntermediate
from telethon.sessions import Session

from tgscraper.config import Settings
from tgscraper.telegram.policy import BoundedClient, Policy

#: Telegram's test DC 2 (core.telegram.org/api/auth#test-accounts); its help.getConfig
#: lists the other test DCs, so DC switches stay on the test servers.
TEST_DC = (2, "149.154.167.40", 443)

_trusted: set[str] = set()
_trust_lock = threading.Lock()


@dataclass(frozen=True)
class Server:
    dc_id: int
    host: str
    port: int

    @classmethod
    def parse(cls, text: str) -> Server:
        """``DC@host:port`` (``2@127.0.0.1:4430``; IPv6 as ``2@[::1]:4430``)."""
        dc, at, address = text.partition("@")
        host, colon, port = address.rpartition(":")
        host = host.strip("[]")
        if not (at and colon and dc.isdigit() and port.isdigit() and host):
            raise ValueError(f"TELEGRAM_SERVER must look like '2@127.0.0.1:443', not {text!r}")
        if not 1 <= int(port) <= 65535:
            raise ValueError(f"TELEGRAM_SERVER port out of range: {port}")
        return cls(int(dc), host, int(port))


@dataclass(frozen=True)
class Proxy:
    """Telethon's ``proxy=`` value and the connection class it needs."""

    value: Any
    connection: type | None = None
    label: str = ""

    @classmethod
    def parse(cls, text: str) -> Proxy:
        """``socks5://[user:pass@]host:port``, ``socks4://…``, ``http://…`` (CONNECT), or an
        MTProxy ``host:port:secret`` (hex secret; ``dd…`` = padded intermediate)."""
        if "://" in text:
            url = urlsplit(text)
            scheme = url.scheme.lower()
            if scheme not in ("socks5", "socks4", "http") or not url.hostname or not url.port:
                raise ValueError(
                    "TELEGRAM_PROXY must be socks5://, socks4:// or http://host:port, "
                    f"or an MTProxy host:port:secret; got scheme {scheme!r}"
                )
            value = {
                "proxy_type": scheme,
                "addr": url.hostname,
                "port": url.port,
                "username": unquote(url.username) if url.username else None,
                "password": unquote(url.password) if url.password else None,
                "rdns": True,
            }
            return cls(value, None, f"{scheme}://{url.hostname}:{url.port}")
        host, _, rest = text.partition(":")
        port, _, secret = rest.partition(":")
        if not (host and port.isdigit() and secret):
            raise ValueError("TELEGRAM_PROXY for MTProxy must be host:port:secret")
        secret = secret.lower()
        if secret.startswith("ee"):
            raise ValueError("fake-TLS MTProxy secrets (ee…) are not supported by Telethon")
        hexpart = secret[2:] if secret.startswith("dd") else secret
        try:
            ok = len(bytes.fromhex(hexpart)) == 16
        except ValueError:
            ok = False
        if not ok:
            raise ValueError("the MTProxy secret must be 16 bytes in hex (optionally dd-prefixed)")
        connection = (
            ConnectionTcpMTProxyRandomizedIntermediate
            if secret.startswith("dd")
            else ConnectionTcpMTProxyIntermediate
        )
        return cls((host, int(port), secret), connection, f"mtproxy://{host}:{port}")


@dataclass(frozen=True)
class Network:
    server: Server | None = None
    rsa_key_pem: str | None = None
    test_servers: bool = False
    proxy: Proxy | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Network:
        server = Server.parse(settings.telegram_server) if settings.telegram_server else None
        if server is not None and settings.telegram_test_servers:
            raise ValueError("Set TELEGRAM_SERVER or TELEGRAM_TEST_SERVERS, not both")
        pem = None
        if settings.telegram_rsa_key:
            path = Path(settings.telegram_rsa_key)
            try:
                pem = path.read_text()
            except OSError as exc:
                raise ValueError(f"TELEGRAM_RSA_KEY: cannot read {path}: {exc.strerror}") from exc
            if "BEGIN RSA PUBLIC KEY" not in pem:
                raise ValueError("TELEGRAM_RSA_KEY must be a PKCS#1 'RSA PUBLIC KEY' PEM file")
        proxy = Proxy.parse(settings.telegram_proxy) if settings.telegram_proxy else None
        return cls(server, pem, settings.telegram_test_servers, proxy)

    @property
    def default(self) -> bool:
        return self == Network()

    def home(self) -> tuple[int, str, int] | None:
        """Where a new login starts (None: Telethon's default, production DC 2)."""
        if self.server is not None:
            return self.server.dc_id, self.server.host, self.server.port
        return TEST_DC if self.test_servers else None

    def trust_key(self) -> None:
        if self.rsa_key_pem is None:
            return
        with _trust_lock:
            if self.rsa_key_pem not in _trusted:
                from telethon.crypto import rsa

                rsa.add_key(self.rsa_key_pem, old=False)
                _trusted.add(self.rsa_key_pem)

    def client(
        self,
        session: Session,
        api_id: int,
        api_hash: str,
        policy: Policy | None = None,
        **kwargs: Any,
    ) -> TelegramClient:
        """A BoundedClient: deadlines and retries of `policy` (tgscraper.telegram.policy)."""
        self.trust_key()
        home = self.home()
        if home is not None and not session.server_address:
            session.set_dc(*home)  # a new login; stored sessions keep their server
        if self.proxy is not None:
            kwargs.setdefault("proxy", self.proxy.value)
            if self.proxy.connection is not None:
                kwargs.setdefault("connection", self.proxy.connection)
        return BoundedClient(session, api_id, api_hash, policy=policy, **kwargs)
