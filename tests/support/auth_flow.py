"""Test helpers for the QR login: a small simulated world and apps that share nothing
but the stores (each app builds its own adapter set over the same files / tables)."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage.factory import Stores, build_aws_stores, build_embedded_stores

QR = "/api/v3/auth/qr"
SESSION = "/api/v3/auth/session"
PASSWORD = "correct horse battery staple"


def small_world(seed: int = 5, password: str | None = None) -> World:
    return World.generate(
        seed,
        users=6,
        bots=1,
        groups=1,
        supergroups=1,
        channels=2,
        folders=1,
        messages=(3, 10),
        years=1,
        password=password,
    )


def fresh_stores(settings: Settings) -> Stores:
    """A new adapter set over the same backing data, as another process would build."""
    if settings.storage_backend == "aws":
        return build_aws_stores(settings)
    return build_embedded_stores(settings)


def auth_app(settings: Settings, sim: SimulatedTelegram) -> FastAPI:
    from functions.auth.app import router

    container = Container(
        settings, stores=fresh_stores(settings), client_factory=sim.client, mode="demo"
    )
    return create_app([router], container=container)


AppMaker = Callable[[], TestClient]


def instances(settings: Settings, sim: SimulatedTelegram) -> AppMaker:
    """Each call is a brand-new app instance (another Lambda/process) over the stores."""
    return lambda: TestClient(auth_app(settings, sim))


def json_of(response: Any) -> dict[str, Any]:
    data: dict[str, Any] = response.json()
    return data


# -- drivers: the same scenario through HTTP or through the Lambda handler ---------------

EVENTS = Path(__file__).resolve().parents[2] / "events"
EVENT_TOKEN = "Zm9vYmFyYmF6cXV4cXV1eHh5enp5eHh4"
"""The placeholder token of the events/auth_*.json samples (replaced by a real one)."""


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


class Driver:
    """Runs each request on a brand-new app instance sharing only the stores and the sim."""

    def start(self, username: Any, force: bool | None = None) -> Reply:
        body: dict[str, Any] = {"username": username}
        if force is not None:
            body["force"] = force
        return self.send("POST", QR, body)

    def poll(self, token: str) -> Reply:
        return self.send("GET", f"{QR}/{token}")

    def password(self, token: str, body: Any) -> Reply:
        return self.send("POST", f"{QR}/{token}/2fa", body)

    def cancel(self, token: str) -> Reply:
        return self.send("DELETE", f"{QR}/{token}")

    def svg(self, token: str) -> Reply:
        return self.send("GET", f"{QR}/{token}/qr.svg")

    def logout(self, username: str, keep_data: str | None = None) -> Reply:
        query = {} if keep_data is None else {"keep_data": keep_data}
        return self.send("DELETE", SESSION, headers={"X-Telegram-Username": username}, query=query)

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Reply:
        raise NotImplementedError


class HttpDriver(Driver):
    def __init__(self, settings: Settings, sim: SimulatedTelegram) -> None:
        self._new = instances(settings, sim)

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Reply:
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        response = self._new().request(method, path, headers=headers, params=query, **kwargs)
        return Reply(
            response.status_code, _parse(response.headers, response.content), dict(response.headers)
        )


# event file per route (method, path template)
_ROUTE_EVENTS = {
    ("POST", QR): "auth_start_qr.json",
    ("GET", f"{QR}/{{token}}"): "auth_poll_qr.json",
    ("POST", f"{QR}/{{token}}/2fa"): "auth_submit_2fa.json",
    ("DELETE", f"{QR}/{{token}}"): "auth_cancel_qr.json",
    ("GET", f"{QR}/{{token}}/qr.svg"): "auth_qr_svg.json",
    ("GET", "/login"): "auth_login_page.json",
    ("DELETE", SESSION): "auth_logout.json",
}


def load_event(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return data


class LambdaDriver(Driver):
    """Replays the events/auth_*.json samples through functions.auth.app.handler.

    Before each invocation the handler's app gets a new Container over freshly built
    stores: a cold Lambda instance that shares nothing else with the previous one.
    """

    def __init__(self, settings: Settings, sim: SimulatedTelegram) -> None:
        self._settings = settings
        self._sim = sim
        self.source_ip: str | None = None
        """Replaces the samples' requestContext.http.sourceIp when set."""

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> Reply:
        from urllib.parse import urlencode

        from functions.auth import app as auth_module

        token = path.split("/")[5] if path.startswith(QR + "/") else None
        template = path if token is None else path.replace(token, "{token}", 1)
        event = load_event(_ROUTE_EVENTS[(method, template)])
        if token is not None:
            _retarget(event, token)
        if self.source_ip is not None:
            event["requestContext"]["http"]["sourceIp"] = self.source_ip
        if body is not None:
            event["body"] = json.dumps(body)
            event["isBase64Encoded"] = False
        event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
        if query:
            event["rawQueryString"] = urlencode(query)
            event["queryStringParameters"] = dict(query)
        auth_module.app.state.container = Container(
            self._settings,
            stores=fresh_stores(self._settings),
            client_factory=self._sim.client,
            mode="demo",
        )
        # Mangum runs on the thread's current loop; asyncio.run() elsewhere in the test
        # run clears it, so each invocation gets its own (as a fresh Lambda would).
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            result = auth_module.handler(event, None)
        finally:
            asyncio.set_event_loop(None)
            loop.close()
        raw = result.get("body") or ""
        content = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        return Reply(result["statusCode"], _parse(headers, content), headers)


def _retarget(event: dict[str, Any], token: str) -> None:
    """Put a real token where the sample event has its placeholder."""
    for holder, key in ((event, "rawPath"), (event["requestContext"]["http"], "path")):
        holder[key] = holder[key].replace(EVENT_TOKEN, token)
    if event.get("pathParameters"):
        event["pathParameters"] = {
            k: v.replace(EVENT_TOKEN, token) for k, v in event["pathParameters"].items()
        }


def _parse(headers: Any, content: bytes) -> Any:
    if str(headers.get("content-type", "")).startswith("application/json"):
        return json.loads(content)
    return content.decode("utf-8")


async def logged_in_user_id(stores: Stores, sim: SimulatedTelegram, username: str) -> int:
    """Who the stored session of `username` is logged in as (through the ClientProvider)."""
    from tgscraper.telegram.clients import ClientProvider

    provider = ClientProvider(stores.sessions, sim.client, leases=stores.leases)
    async with provider.client(username) as client:
        me = await client.get_me()
    return int(me.id)
