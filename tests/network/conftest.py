"""The API over real MTProto on TCP, with the network faults of `local.simtg.net`.

`rig` is one simulated Telegram served on 127.0.0.1 ports, and the local app whose
clients are built by the production factory (`tcp_client_factory`: TELEGRAM_SERVER +
TELEGRAM_RSA_KEY equivalents) with a short TELEGRAM_TIMEOUT, so a test of a stalled
server takes seconds. Requests go through httpx's ASGI transport, each bounded by
`HANG`: a request that never answers fails the test instead of hanging it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.app import create_local_app
from local.demo import tcp_client_factory
from local.simtg import SimulatedTelegram
from local.simtg.net import NetServer, serve
from tests.local.simtg.net.conftest import small_world
from tgscraper.auth.service import record_of
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.telegram.policy import Policy

USER = "alice"
HEADERS = {"X-Telegram-Username": USER}
TIMEOUT = 2.0
"""TELEGRAM_TIMEOUT of these tests (the default is 10 s)."""
HANG = 60.0
"""A request not answered after this long is a hang (the bug), not a slow answer."""


@dataclass
class Rig:
    server: NetServer
    container: Container
    http: httpx.AsyncClient

    @property
    def sim(self) -> SimulatedTelegram:
        return self.server.sim

    @property
    def faults(self) -> Any:
        return self.server.faults

    def connects(self) -> int:
        return sum(n for dc, n in self.server.connects.items() if dc != "proxy")

    def store_login(self, username: str = USER) -> None:
        """A stored session of the simulated account (as a finished QR login leaves it)."""
        session = self.server.authorized_session()
        self.container.stores.sessions.save(username, record_of(session))

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return await asyncio.wait_for(self.http.request(method, url, **kwargs), HANG)


@pytest.fixture
def net_server() -> Iterator[NetServer]:
    with serve(SimulatedTelegram(small_world())) as server:
        yield server


@pytest.fixture
async def rig(net_server: NetServer, tmp_path: Path) -> AsyncIterator[Rig]:
    settings = Settings(data_dir=tmp_path, demo_transport="tcp", telegram_timeout=TIMEOUT)
    factory = tcp_client_factory(net_server, Policy.from_settings(settings))
    container = Container(settings, client_factory=factory, mode="demo")
    app = create_local_app(settings, container, simulator=net_server.sim)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Rig(net_server, container, http)
