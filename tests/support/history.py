"""Test helpers for the history endpoint: a sim-backed app, logged-in users whose entity
cache knows the world's peers (as after a dialog listing), SSE parsing and expectations
computed from the sim's read model (never from the code under test)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from local.simtg import SimulatedTelegram, World
from local.simtg.models import MessageRec
from tests.support.sessions import store_session
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage.factory import Stores
from tgscraper.storage.sessions import EntityRow

ALICE, BOB = "alice", "bob_2"

CONTRACT_FIELDS = [
    "message_id",
    "date",
    "sender_id",
    "first_name",
    "last_name",
    "username",
    "message",
    "media",
    "reply_to",
    "post_author",
    "is_forwarded",
    "forwarded_from_channel_id",
]
"""The spec's message fields, in its order (../shared/spec/api-v3.md): what a frame
without extensions holds, exactly."""


def small_world(seed: int = 11) -> World:
    return World.generate(
        seed,
        users=10,
        bots=1,
        groups=2,
        supergroups=2,
        channels=3,
        folders=1,
        messages=(5, 60),
        years=2,
    )


def log_in(stores: Stores, sim: SimulatedTelegram, username: str) -> None:
    """Store an authorized session of the sim's account and its entity cache."""
    store_session(stores, sim, username)
    world = sim.world
    rows = [
        EntityRow(id=u.id, hash=u.access_hash, username=u.username) for u in world.users.values()
    ]
    rows += [
        EntityRow(id=c.peer_id, hash=c.access_hash, username=c.username)
        for c in world.chats.values()
    ]
    stores.sessions.put_entities(username, rows)


def container(settings: Settings, stores: Stores, sim: SimulatedTelegram) -> Container:
    return Container(settings, stores=stores, client_factory=sim.client, mode="demo")


def history_app(settings: Settings, stores: Stores, sim: SimulatedTelegram) -> FastAPI:
    from functions.history.app import router

    return create_app([router], container=container(settings, stores, sim))


@dataclass
class Event:
    event: str
    data: Any
    id: str | None = None
    """The frame's `id:` field (the last message id of a chunk), None without one."""


def parse_sse(text: str) -> list[Event]:
    """Strict SSE parsing: every frame ends with a blank line, data is one JSON line."""
    assert text == "" or text.endswith("\n\n"), "stream must end on a frame boundary"
    events: list[Event] = []
    for block in text.split("\n\n")[:-1]:
        name = "message"
        event_id: str | None = None
        data_lines: list[str] = []
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "id":
                assert event_id is None, f"two ids in one frame: {block!r}"
                event_id = value
            elif field == "data":
                data_lines.append(value)
            else:
                raise AssertionError(f"unexpected SSE line {line!r}")
        assert len(data_lines) == 1, block
        events.append(Event(name, json.loads(data_lines[0]), event_id))
    return events


def complete(events: list[Event], resumed_after: int | None = None) -> list[Event]:
    """The chunks of a complete stream: message frames, each with the `id:` of its last
    message, then exactly one `event: end` counting them (its data parses as a chunk);
    its last_id is the last message sent, else the one the stream resumed after."""
    assert events and events[-1].event == "end", events[-1:] or "no end event"
    *chunks, end = events
    assert all(e.event == "message" for e in chunks), [e.event for e in chunks]
    for chunk in chunks:
        assert chunk.id == str(chunk.data["messages"][-1]["message_id"]), chunk
    sent = [m for e in chunks for m in e.data["messages"]]
    last = sent[-1]["message_id"] if sent else resumed_after
    assert end.data == {"messages": [], "total": len(sent), "last_id": last}, end
    assert end.id is None
    return chunks


def messages_of(events: list[Event]) -> list[dict[str, Any]]:
    return [m for e in events if e.event == "message" for m in e.data["messages"]]


def ts(text: str) -> int:
    fmt = "%Y-%m-%d %H:%M:%S" if " " in text else "%Y-%m-%d"
    return int(datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp())


def expected_ids(world: World, peer_id: int, lo: int, hi: int) -> list[int]:
    """Ids of the dialog's messages with lo <= date <= hi, oldest first (read model)."""
    return [m.id for m in world.messages(peer_id) if lo <= int(m.date.timestamp()) <= hi]


def busiest(world: World, kind: str = "channel") -> int:
    """Peer id of the dialog of this kind with the most messages."""
    dialogs = [d for d in world.dialogs if d.kind == kind]
    return max(dialogs, key=lambda d: d.message_count).peer_id


def date_of(msg: MessageRec) -> str:
    return msg.date.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
