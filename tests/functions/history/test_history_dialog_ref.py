"""GET /history/{dialog_id} with the dialog named as people paste it: `@username`, a t.me
link (with its slashes, in the path), a private channel's post link; both adapter sets.

GIVEN a logged-in account whose stored entity rows do not know a channel's username,
WHEN a client asks for `@name`, THEN Telegram resolves it once (contacts.resolveUsername)
and later requests, in any spelling, are served without asking again; the messages are
exactly the world's for that channel."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from tests.support.history import ALICE, complete, history_app, messages_of, parse_sse
from tests.support.sessions import store_session
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores

H = {"X-Telegram-Username": ALICE}


@pytest.fixture
def app(any_settings: Settings, stores: Stores, sim: SimulatedTelegram) -> Any:
    store_session(stores, sim, ALICE)  # a session, but no entity rows (never listed)
    return history_app(any_settings, stores, sim)


@pytest.fixture
def channel(world: World) -> tuple[str, int]:
    chat = next(c for c in world.chats.values() if c.username and world.has_dialog(c.peer_id))
    assert chat.username is not None
    return chat.username, chat.peer_id


def _ids(http: TestClient, ref: str) -> list[int]:
    resp = http.get(f"/api/v3/history/{ref}", headers=H)
    assert resp.status_code == 200, resp.text
    events = parse_sse(resp.text)
    complete(events)
    return [m["message_id"] for m in messages_of(events)]


def test_a_username_is_resolved_once_then_every_spelling_is_served(
    http: TestClient, sim: SimulatedTelegram, world: World, channel: tuple[str, int]
) -> None:
    name, peer = channel
    expected = [m.id for m in world.messages(peer)]
    sim.reset_requests()
    assert _ids(http, f"@{name}") == expected
    assert sim.requests["ResolveUsernameRequest"] == 1
    sim.reset_requests()
    for ref in (f"@{name.upper()}", f"t.me/{name}", f"https://t.me/{name}/5", f"t.me/s/{name}"):
        assert _ids(http, ref) == expected, ref
    assert sim.requests["ResolveUsernameRequest"] == 0  # cached with the account's rows


def test_a_private_post_link_names_the_channel_by_id(
    http: TestClient, world: World, channel: tuple[str, int]
) -> None:
    _, peer = channel
    bare = str(peer).removeprefix("-100")
    assert _ids(http, f"t.me/c/{bare}/42") == [m.id for m in world.messages(peer)]


@pytest.mark.parametrize(
    ("ref", "status", "words"),
    [
        ("@nobody_has_this_name", 404, "nobody_has_this_name"),
        ("@x", 400, "dialog_id"),
        ("abc", 400, "dialog_id"),
        ("t.me/+AbCdEf123", 400, "invite link"),
        ("t.me/joinchat/AbCdEf", 400, "invite link"),
        ("1" * 5000, 400, "dialog_id"),
    ],
)
def test_refs_that_name_no_dialog_are_clear_errors(
    http: TestClient, ref: str, status: int, words: str
) -> None:
    resp = http.get(f"/api/v3/history/{ref}", headers=H)
    assert resp.status_code == status, resp.text
    assert words in resp.json()["detail"]
