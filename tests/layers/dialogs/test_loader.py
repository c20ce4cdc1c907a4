"""Telegram-side pieces: entity classification, folder decoding, bounded count fetching."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from telethon import errors
from telethon.tl import types

from tgscraper.dialogs.loader import classify, fetch_details, list_folders
from tgscraper.dialogs.model import DialogRecord

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def test_classify_every_entity_kind() -> None:
    def user(**kw: Any) -> types.User:
        return types.User(id=1, **kw)

    def channel(**kw: Any) -> types.Channel:
        return types.Channel(id=2, title="c", photo=types.ChatPhotoEmpty(), date=NOW, **kw)

    assert classify(user(is_self=True)) == "saved"
    assert classify(user(bot=True)) == "bot"
    assert classify(user()) == "user"
    assert classify(types.Chat(3, "g", types.ChatPhotoEmpty(), 2, NOW, 1)) == "group"
    assert classify(types.ChatForbidden(3, "g")) == "group"
    assert classify(channel(megagroup=True)) == "supergroup"
    assert classify(channel(broadcast=True)) == "channel"
    assert classify(types.ChannelForbidden(2, 1, "c", broadcast=True)) == "channel"
    assert classify(types.ChannelForbidden(2, 1, "c", megagroup=True)) == "supergroup"
    assert classify(types.UserEmpty(5)) is None


class _FoldersClient:
    """Answers messages.getDialogFilters and get_me only."""

    async def __call__(self, request: Any) -> Any:
        return types.messages.DialogFilters(
            filters=[
                types.DialogFilterDefault(),
                types.DialogFilter(
                    id=2,
                    title=types.TextWithEntities("Work", []),
                    pinned_peers=[types.InputPeerSelf()],
                    include_peers=[types.InputPeerChat(5), types.InputPeerChannel(7, 1)],
                    exclude_peers=[types.InputPeerUser(9, 1)],
                    groups=True,
                    exclude_read=True,
                ),
                types.DialogFilterChatlist(
                    id=3,
                    title=types.TextWithEntities("Shared", []),
                    pinned_peers=[],
                    include_peers=[types.InputPeerChannel(8, 1)],
                ),
            ]
        )

    async def get_me(self, input_peer: bool = False) -> Any:
        return types.InputPeerUser(42, 0)


async def test_folders_decode_peers_to_marked_ids_and_keep_flags() -> None:
    folders = await list_folders(_FoldersClient(), [])  # type: ignore[arg-type]
    work, shared = folders
    assert (work.id, work.title, work.pinned_peers) == (2, "Work", [42])
    assert work.include_peers == [-5, -1000000000007]
    assert work.exclude_peers == [9]
    assert (work.groups, work.exclude_read, work.bots) == (True, True, False)
    assert (shared.id, shared.include_peers, shared.groups) == (3, [-1000000000008], False)


def _records(n: int) -> list[DialogRecord]:
    return [
        DialogRecord(
            id=1000 + i,
            type="user",
            title=str(i),
            username=None,
            is_creator=False,
            is_verified=False,
            is_archived=False,
            unread_count=0,
            last_message_date=None,
            last_message_preview=None,
            created_date=None,
            top_message=i,
            access_hash=1,
        )
        for i in range(n)
    ]


class _CountingClient:
    """get_messages(limit=0) that tracks how many calls are in flight."""

    def __init__(self, flood_on: int | None = None) -> None:
        self.in_flight = self.peak = self.calls = 0
        self.flood_on = flood_on

    async def get_messages(self, peer: Any, limit: int) -> Any:
        self.calls += 1
        if self.calls == self.flood_on:
            raise errors.FloodWaitError(request=None, capture=9)
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        await asyncio.sleep(0.001)
        self.in_flight -= 1

        class _Total(list):  # type: ignore[type-arg]
            total = peer.user_id

        return _Total()


async def test_count_requests_are_bounded() -> None:
    client = _CountingClient()
    found = await fetch_details(client, counts=_records(30), participants=[], concurrency=3)  # type: ignore[arg-type]
    assert client.peak == 3
    assert found.counts == {1000 + i: 1000 + i for i in range(30)}
    assert found.flood_wait is None


async def test_flood_wait_stops_new_requests_and_keeps_results() -> None:
    client = _CountingClient(flood_on=6)
    found = await fetch_details(client, counts=_records(30), participants=[], concurrency=2)  # type: ignore[arg-type]
    assert found.flood_wait == 9
    assert 5 <= len(found.counts) < 30
    assert client.calls <= 6 + 2


async def test_budget_stops_new_requests() -> None:
    client = _CountingClient()
    found = await fetch_details(
        client,
        counts=_records(30),
        participants=[],
        concurrency=2,
        budget=0.0,  # type: ignore[arg-type]
    )
    assert found.out_of_time and len(found.counts) < 30
