"""Telegram side: Telethon dialogs and DialogFilters -> records; real counts on demand.

One listing (messages.getDialogs, 100 per request, via iter_dialogs) plus one
messages.getDialogFilters gives everything but two numbers:
- message_count: a dialog's top message id is no count (users, basic groups and Saved
  Messages share one account-wide id counter; channels have gaps), so the real count is
  messages.getHistory(limit=1).count (`client.get_messages(peer, limit=0).total`);
- participants_count when the entity has none: channels.getFullChannel / messages.getFullChat.
Those are fetched only for the dialogs that need them, with bounded concurrency, and stop
at the first FLOOD_WAIT (what was fetched is kept).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from telethon import TelegramClient, errors, utils
from telethon.tl import functions, types

from tgscraper.dialogs.model import DialogRecord, DialogType, FolderRecord, preview
from tgscraper.observability import flood_wait

log = logging.getLogger("tgscraper.dialogs")


def _ts(value: datetime | None) -> int | None:
    return int(value.timestamp()) if isinstance(value, datetime) else None


def classify(entity: Any) -> DialogType | None:
    if isinstance(entity, types.User):
        if entity.is_self:
            return "saved"
        return "bot" if entity.bot else "user"
    if isinstance(entity, types.Chat | types.ChatForbidden):
        return "group"
    if isinstance(entity, types.Channel | types.ChannelForbidden):
        return "channel" if entity.broadcast else "supergroup"
    return None


def _username(entity: Any) -> str | None:
    name = getattr(entity, "username", None)
    if name:
        return str(name)
    for extra in getattr(entity, "usernames", None) or ():
        if getattr(extra, "active", False):
            return str(extra.username)
    return None


def record_from_dialog(dialog: Any) -> DialogRecord | None:
    """A record from Telethon's custom.Dialog (None for entities we do not list)."""
    entity, raw, message = dialog.entity, dialog.dialog, dialog.message
    kind = classify(entity)
    if kind is None:
        return None
    is_chat = kind in ("group", "supergroup", "channel")
    notify = getattr(raw, "notify_settings", None)
    return DialogRecord(
        id=utils.get_peer_id(entity),
        type=kind,
        title="Saved Messages" if kind == "saved" else utils.get_display_name(entity),
        username=_username(entity),
        is_creator=bool(getattr(entity, "creator", False)) if is_chat else False,
        is_verified=bool(getattr(entity, "verified", False)),
        is_archived=raw.folder_id == 1,
        unread_count=int(raw.unread_count or 0),
        last_message_date=_ts(getattr(message, "date", None)),
        last_message_preview=preview(getattr(message, "message", None) or "")
        if message is not None
        else None,
        created_date=_ts(getattr(entity, "date", None)) if is_chat else None,
        top_message=int(raw.top_message or 0),
        access_hash=getattr(entity, "access_hash", None),
        muted_until=_ts(getattr(notify, "mute_until", None)) or 0,
        unread_mark=bool(getattr(raw, "unread_mark", False)),
        contact=bool(getattr(entity, "contact", False)),
        pinned=bool(raw.pinned),
        participants_count=getattr(entity, "participants_count", None) if is_chat else None,
    )


async def list_dialogs(client: TelegramClient) -> list[DialogRecord]:
    """Every dialog, archived ones included; deactivated (migrated) basic groups skipped."""
    records: list[DialogRecord] = []
    async for dialog in client.iter_dialogs(limit=None, ignore_migrated=True):
        rec = record_from_dialog(dialog)
        if rec is not None:
            records.append(rec)
    return records


def _input_peer_id(peer: Any, self_id: int | None) -> int | None:
    if isinstance(peer, types.InputPeerSelf):
        return self_id
    if hasattr(peer, "channel_id"):
        return utils.get_peer_id(types.PeerChannel(peer.channel_id))
    if hasattr(peer, "chat_id"):
        return utils.get_peer_id(types.PeerChat(peer.chat_id))
    if hasattr(peer, "user_id"):
        return int(peer.user_id)
    return None


async def list_folders(client: TelegramClient, records: list[DialogRecord]) -> list[FolderRecord]:
    result = await client(functions.messages.GetDialogFiltersRequest())
    filters = getattr(result, "filters", result)
    self_id = next((r.id for r in records if r.type == "saved"), None)
    folders: list[FolderRecord] = []
    for item in filters:
        if not isinstance(item, types.DialogFilter | types.DialogFilterChatlist):
            continue  # DialogFilterDefault is "All Chats", added by the service
        if self_id is None and any(
            isinstance(p, types.InputPeerSelf)
            for p in (*item.pinned_peers, *item.include_peers, *getattr(item, "exclude_peers", ()))
        ):
            me = await client.get_me(input_peer=True)
            self_id = int(getattr(me, "user_id", 0)) or None

        def ids(peers: Iterable[Any], me: int | None = self_id) -> list[int]:
            return [p for p in (_input_peer_id(x, me) for x in peers) if p is not None]

        title = item.title
        folders.append(
            FolderRecord(
                id=item.id,
                title=str(getattr(title, "text", title)),
                emoticon=item.emoticon,
                pinned_peers=ids(item.pinned_peers),
                include_peers=ids(item.include_peers),
                exclude_peers=ids(getattr(item, "exclude_peers", ())),
                **{
                    flag: bool(getattr(item, flag, False))
                    for flag in (
                        "contacts",
                        "non_contacts",
                        "groups",
                        "broadcasts",
                        "bots",
                        "exclude_muted",
                        "exclude_read",
                        "exclude_archived",
                    )
                },
            )
        )
    return folders


def input_peer(rec: DialogRecord) -> Any:
    if rec.type == "saved":
        return types.InputPeerSelf()
    real_id, _ = utils.resolve_id(rec.id)
    if rec.type in ("user", "bot"):
        return types.InputPeerUser(real_id, rec.access_hash or 0)
    if rec.type == "group":
        return types.InputPeerChat(real_id)
    return types.InputPeerChannel(real_id, rec.access_hash or 0)


@dataclass
class Details:
    """What a fetch brought back; `flood_wait` set when Telegram said stop."""

    counts: dict[int, int | None] = field(default_factory=dict)
    participants: dict[int, int | None] = field(default_factory=dict)
    flood_wait: int | None = None
    out_of_time: bool = False


async def _count(client: TelegramClient, rec: DialogRecord) -> int | None:
    try:
        found = await client.get_messages(input_peer(rec), limit=0)
    except (
        errors.ChannelPrivateError,
        errors.ChatForbiddenError,
        errors.ChannelInvalidError,
        errors.PeerIdInvalidError,
        errors.ChatIdInvalidError,
    ) as exc:
        log.info("no message count for %s: %s", rec.id, exc)
        return None
    return int(getattr(found, "total", 0) or 0)


async def _participants(client: TelegramClient, rec: DialogRecord) -> int | None:
    peer = input_peer(rec)
    try:
        if isinstance(peer, types.InputPeerChat):
            chat = await client(functions.messages.GetFullChatRequest(peer.chat_id))
            members = getattr(chat.full_chat.participants, "participants", None)
            return None if members is None else len(members)
        channel = types.InputChannel(peer.channel_id, peer.access_hash)
        full = await client(functions.channels.GetFullChannelRequest(channel))
        value = getattr(full.full_chat, "participants_count", None)
        return None if value is None else int(value)
    except (
        errors.ChannelPrivateError,
        errors.ChatForbiddenError,
        errors.ChannelInvalidError,
        errors.PeerIdInvalidError,
        errors.ChatIdInvalidError,
    ) as exc:
        log.info("no participant count for %s: %s", rec.id, exc)
        return None


async def fetch_details(
    client: TelegramClient,
    *,
    counts: list[DialogRecord],
    participants: list[DialogRecord],
    concurrency: int,
    budget: float | None = None,
) -> Details:
    """Real message counts and full-info participant counts, at most `concurrency` at once.

    No new request starts after `budget` seconds (the caller keeps what was fetched).
    """
    out = Details()
    deadline = None if budget is None else time.monotonic() + budget
    gate = asyncio.Semaphore(max(1, concurrency))
    stop = asyncio.Event()

    async def run(kind: str, rec: DialogRecord) -> None:
        async with gate:
            if stop.is_set():
                return
            if deadline is not None and time.monotonic() > deadline:
                out.out_of_time = True
                return
            try:
                if kind == "count":
                    out.counts[rec.id] = await _count(client, rec)
                else:
                    out.participants[rec.id] = await _participants(client, rec)
            except errors.FloodWaitError as exc:
                flood_wait(exc.seconds, f"dialog {kind} of {rec.id}")
                stop.set()
                out.flood_wait = max(out.flood_wait or 0, int(exc.seconds) or 1)

    jobs = [run("count", r) for r in counts] + [run("full", r) for r in participants]
    await asyncio.gather(*jobs)
    return out
