"""The error contract every handler shares (tgscraper.api.create_app): each error is
{"detail": "<readable string>"} with the spec's status code."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tgscraper.api.app_factory import create_app
from tgscraper.api.deps import UsernameDep
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.errors import Conflict, RateLimited, TelegramUnavailable
from tgscraper.storage.factory import build_embedded_stores
from tgscraper.storage.sessions import SessionRecord

router = APIRouter()


class Body(BaseModel):
    username: str
    force: bool = False


@router.get("/items")
def items(limit: Annotated[int, Query(ge=1, le=500)] = 50) -> dict[str, int]:
    return {"limit": limit}


@router.post("/things")
def things(body: Body) -> dict[str, str]:
    return {"username": body.username}


@router.get("/boom")
def boom() -> None:
    raise RuntimeError("secret internals: auth_key=deadbeef")


@router.get("/flood")
def flood() -> None:
    raise RateLimited("Telegram asks to wait 17 seconds", retry_after=17)


@router.get("/conflict")
def conflict() -> None:
    raise Conflict("A session already exists")


@router.get("/offline")
def offline() -> None:
    raise TelegramUnavailable("Failed to connect to Telegram")


@router.get("/me")
def me(username: UsernameDep) -> dict[str, str]:
    return {"username": username}


@pytest.fixture
def client(tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path)
    stores = build_embedded_stores(settings)
    stores.sessions.save("alice", SessionRecord(2, "127.0.0.1", 443, b"k" * 256))
    app = create_app([router], container=Container(settings, stores=stores))
    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("/items?limit=0", "query parameter 'limit'"),
        ("/items?limit=501", "query parameter 'limit'"),
        ("/items?limit=abc", "query parameter 'limit'"),
    ],
)
def test_parameter_errors_are_400_naming_the_parameter(
    client: TestClient, url: str, fragment: str
) -> None:
    resp = client.get(url)
    assert resp.status_code == 400
    body = resp.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str)
    assert fragment in body["detail"]


def test_body_errors_are_400(client: TestClient) -> None:
    resp = client.post("/things", json={"force": True})
    assert resp.status_code == 400
    assert resp.json() == {"detail": "Invalid body field 'username': Field required"}
    resp = client.post(
        "/things", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400 and resp.json() == {"detail": "Invalid JSON body"}


def test_unknown_route_is_404(client: TestClient) -> None:
    resp = client.get("/no/such/route")
    assert resp.status_code == 404
    assert resp.json() == {"detail": "Not found: /no/such/route"}


def test_wrong_method_is_405(client: TestClient) -> None:
    resp = client.delete("/items")
    assert resp.status_code == 405
    assert resp.json() == {"detail": "Method DELETE not allowed on /items"}
    assert "GET" in resp.headers["allow"]


def test_unexpected_exception_is_generic_500_and_logged(client: TestClient, caplog) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/boom")
    assert resp.status_code == 500
    assert resp.json() == {"detail": "Internal server error"}
    assert "deadbeef" not in resp.text
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


def test_service_errors_map_to_their_status(client: TestClient) -> None:
    resp = client.get("/flood")
    assert resp.status_code == 429 and resp.headers["retry-after"] == "17"
    assert resp.json() == {"detail": "Telegram asks to wait 17 seconds"}
    assert client.get("/conflict").status_code == 409
    assert client.get("/offline").json() == {"detail": "Failed to connect to Telegram"}
    assert client.get("/offline").status_code == 502


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "Missing X-Telegram-Username"),
        ({"X-Telegram-Username": ""}, "Missing X-Telegram-Username"),
        ({"X-Telegram-Username": "../alice"}, "Invalid X-Telegram-Username"),
        ({"X-Telegram-Username": "alice/../../etc"}, "Invalid X-Telegram-Username"),
        ({"X-Telegram-Username": "a#b"}, "Invalid X-Telegram-Username"),
        ({"X-Telegram-Username": "x" * 65}, "Invalid X-Telegram-Username"),
        ({"X-Telegram-Username": ".hidden"}, "Invalid X-Telegram-Username"),
        ({"X-Telegram-Username": "bob"}, "No Telegram session for 'bob'"),
    ],
)
def test_identity_header_errors_are_401(
    client: TestClient, headers: dict[str, str], fragment: str
) -> None:
    resp = client.get("/me", headers=headers)
    assert resp.status_code == 401
    assert fragment in resp.json()["detail"]


def test_identity_header_accepts_a_stored_session_any_header_case(client: TestClient) -> None:
    assert client.get("/me", headers={"x-telegram-username": "alice"}).json() == {
        "username": "alice"
    }
    assert client.get("/me", headers={"X-TELEGRAM-USERNAME": "alice"}).status_code == 200
