"""The API over real MTProto on TCP, with the network faults of `local.simtg.net`.

`rig` is one simulated Telegram served on 127.0.0.1 ports, and the local app whose
clients are built by the production factory (`tcp_client_factory`: TELEGRAM_SERVER +
TELEGRAM_RSA_KEY equivalents) with a short TELEGRAM_TIMEOUT, so a test of a stalled
server takes seconds. Requests go through httpx's ASGI transport, each bounded by
`HANG`: a request that never answers fails the test instead of hanging it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from local.simtg.net import NetServer
from tests.network.matrix import HANG, HEADERS, USER, Rig, new_server, open_rig

__all__ = ["HANG", "HEADERS", "TIMEOUT", "USER", "Rig"]

TIMEOUT = 2.0
"""TELEGRAM_TIMEOUT of these tests (the default is 10 s)."""


@pytest.fixture
def net_server() -> Iterator[NetServer]:
    with new_server() as server:
        yield server


@pytest.fixture
async def rig(net_server: NetServer, tmp_path: Path) -> AsyncIterator[Rig]:
    async with open_rig(net_server, tmp_path, TIMEOUT) as opened:
        yield opened
