"""The fault matrix of issue 13: every network fault of `local.simtg.net` at every endpoint
that talks to Telegram. Shared by `test_fault_matrix.py` (the answer is a clear 502, or
`event: error` mid-stream, never a 500 or a hang) and `bench/fault_matrix.py` (how long
that answer takes, worst case).

Each endpoint's `setup` runs against a healthy server (a stored login, and for files a
media uuid from a first history read); then the fault is applied and `call` is timed.
Clients are closed when their last request ends, so every call opens new connections.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from local.app import create_local_app
from local.demo import tcp_client_factory
from local.simtg import SimulatedTelegram
from local.simtg.net import NetServer, serve
from tests.local.simtg.net.conftest import small_world
from tgscraper.auth.login_keys import record_of
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.telegram.policy import Policy

USER = "alice"
HEADERS = {"X-Telegram-Username": USER}
API = "/api/v3"
HANG = 60.0
"""A request not answered after this long is a hang (the bug), not a slow answer."""
SLOW_RATE = 50.0
"""Bytes per second of the `slow` fault: no answer Telethon needs fits in the deadline."""

FAULTS: dict[str, Callable[[Any], None]] = {
    "close_after": lambda f: f.close_after(40),
    "garbage": lambda f: f.garbage(64),
    "stall": lambda f: f.stall(),
    "slow": lambda f: f.slow(SLOW_RATE),
    "refuse": lambda f: f.refuse(),
    "kill": lambda f: f.kill(),
}


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


@asynccontextmanager
async def open_rig(server: NetServer, data: Path, timeout: float) -> AsyncIterator[Rig]:
    """The local app (demo container, production client factory pointed at `server`)."""
    settings = Settings(data_dir=data, demo_transport="tcp", telegram_timeout=timeout)
    factory = tcp_client_factory(server, Policy.from_settings(settings))
    container = Container(settings, client_factory=factory, mode="demo")
    app = create_local_app(settings, container, simulator=server.sim)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield Rig(server, container, http)


def new_server() -> Any:
    """`with new_server() as server:` the simulated Telegram on 127.0.0.1 ports."""
    return serve(SimulatedTelegram(small_world()))


# -- endpoints ---------------------------------------------------------------------------


def _media_peer(sim: SimulatedTelegram) -> tuple[int, int]:
    """A dialog and the id of a message of it with a small file."""
    for dialog in sim.world.dialogs:
        for message in sim.world.messages(dialog.peer_id):
            if message.media is not None and 0 < message.media.size < 200_000:
                return dialog.peer_id, message.id
    raise AssertionError("the world has no small media")


async def _no_setup(rig: Rig) -> dict[str, Any]:
    return {}


async def _logged_in(rig: Rig) -> dict[str, Any]:
    rig.store_login()
    return {"peer": _media_peer(rig.sim)[0]}


async def _with_media(rig: Rig) -> dict[str, Any]:
    rig.store_login()
    peer, msg_id = _media_peer(rig.sim)
    response = await rig.request("GET", f"{API}/history/{peer}", headers=HEADERS)
    assert response.status_code == 200, response.text
    for line in response.text.splitlines():
        if line.startswith("data: "):
            for message in json.loads(line[6:]).get("messages", []):
                if message["message_id"] == msg_id:
                    return {"uuid": message["media"]["uuid"]}
    raise AssertionError(f"message {msg_id} not in the history of {peer}")


def _qr(rig: Rig, ctx: dict[str, Any]) -> Awaitable[httpx.Response]:
    return rig.request("POST", f"{API}/auth/qr", json={"username": USER})


def _search(rig: Rig, ctx: dict[str, Any]) -> Awaitable[httpx.Response]:
    params = {"q": "a", "refresh": "true"}
    return rig.request("GET", f"{API}/search/dialogs", params=params, headers=HEADERS)


def _folders(rig: Rig, ctx: dict[str, Any]) -> Awaitable[httpx.Response]:
    return rig.request("GET", f"{API}/folders", params={"refresh": "true"}, headers=HEADERS)


def _history(rig: Rig, ctx: dict[str, Any]) -> Awaitable[httpx.Response]:
    return rig.request("GET", f"{API}/history/{ctx['peer']}", headers=HEADERS)


def _files(rig: Rig, ctx: dict[str, Any]) -> Awaitable[httpx.Response]:
    return rig.request("GET", f"{API}/files/{ctx['uuid']}", headers=HEADERS)


Setup = Callable[[Rig], Awaitable[dict[str, Any]]]
Call = Callable[[Rig, dict[str, Any]], Awaitable[httpx.Response]]
ENDPOINTS: dict[str, tuple[Setup, Call]] = {
    "auth/qr": (_no_setup, _qr),
    "dialogs/search": (_logged_in, _search),
    "folders": (_logged_in, _folders),
    "history SSE": (_logged_in, _history),
    "files": (_with_media, _files),
}


def unclear(response: httpx.Response) -> str | None:
    """None when the answer is a clear 502 (or an SSE stream ending in a 502
    `event: error`); otherwise what is wrong with it."""
    if response.status_code == 502:
        detail = response.json().get("detail")
        return None if isinstance(detail, str) and "Telegram" in detail else f"detail {detail!r}"
    if response.status_code == 200 and "text/event-stream" in response.headers["content-type"]:
        frames = [f for f in response.text.split("\n\n") if f.strip()]
        last = frames[-1] if frames else ""
        if last.startswith("event: error\n"):
            payload = json.loads(last.split("data: ", 1)[1])
            return None if payload.get("status") == 502 else f"error event {payload}"
        return f"stream ended without an error: {last[:80]!r}"
    return f"{response.status_code}: {response.text[:200]}"
