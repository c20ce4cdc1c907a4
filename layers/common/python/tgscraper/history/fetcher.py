"""Walks a dialog's history on Telegram, oldest first, one `messages.getHistory` page at a
time, and turns Telethon errors into the service's errors.

Raw paging (the same requests Telethon's `iter_messages(reverse=True)` sends) gives the
service each page with the users and chats Telegram returned WITH it, so sender names
never cost a request per message, and nothing ever sleeps between pages (Telethon's
`wait_time`); flood waits are raised, never slept through.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telethon import errors, utils
from telethon.tl import functions, types

from tgscraper.errors import (
    Forbidden,
    NotFound,
    RateLimited,
    ServiceError,
    TelegramUnavailable,
    Unauthorized,
)
from tgscraper.history.proof import check_page, check_window_empty
from tgscraper.history.record import MessageRecord, to_record
from tgscraper.observability import flood_wait
from tgscraper.telegram.peers import input_peer
from tgscraper.telegram.policy import network_detail

PAGE_SIZE = 100
"""Telegram's maximum for messages.getHistory."""


@dataclass(frozen=True)
class Page:
    records: list[MessageRecord]
    """Messages of the segment in this page, ascending by id (= by date)."""
    done: bool
    """True when no message of the segment comes after this page."""


def translate(exc: BaseException, dialog_id: int) -> ServiceError:
    """A Telethon/network failure as the service error the API maps to a status."""
    if isinstance(exc, ServiceError):
        return exc
    if isinstance(exc, errors.FloodWaitError | errors.FloodPremiumWaitError):
        seconds = int(getattr(exc, "seconds", 0) or 0)
        flood_wait(seconds, f"history of dialog {dialog_id}")
        return RateLimited(
            f"Telegram rate limit (FLOOD_WAIT): retry in {seconds} seconds", max(seconds, 1)
        )
    if isinstance(
        exc,
        errors.ChannelPrivateError
        | errors.ChatForbiddenError
        | errors.ChannelBannedError
        | errors.UserBannedInChannelError
        | errors.ChatAdminRequiredError,
    ):
        return Forbidden(
            f"Dialog {dialog_id} is not accessible to this account "
            f"({type(exc).__name__.removesuffix('Error')}: private, banned or left)"
        )
    if isinstance(
        exc, errors.ChannelInvalidError | errors.PeerIdInvalidError | errors.ChatIdInvalidError
    ):
        return NotFound(f"Dialog {dialog_id} not found")
    if isinstance(
        exc,
        errors.AuthKeyUnregisteredError
        | errors.SessionRevokedError
        | errors.UserDeactivatedError
        | errors.UserDeactivatedBanError
        | errors.AuthKeyDuplicatedError,
    ):
        return Unauthorized("The Telegram session is no longer valid: log in again")
    if isinstance(exc, ConnectionError | OSError | TimeoutError):
        return TelegramUnavailable(network_detail("Failed to reach Telegram", exc))
    if isinstance(exc, errors.RPCError):
        return TelegramUnavailable(f"Telegram error: {exc.message}")
    return TelegramUnavailable(f"Telegram failed: {type(exc).__name__}")


async def resolve(client: Any, dialog_id: int) -> Any:
    """The InputPeer of a marked dialog id (`tgscraper.telegram.peers`); NotFound when the
    account has no such dialog, whatever Telethon raised while looking."""
    try:
        peer = await input_peer(client, dialog_id)
    except Exception as exc:
        raise translate(exc, dialog_id) from exc
    if peer is None:
        raise NotFound(f"Dialog {dialog_id} not found among this account's dialogs")
    return peer


def _marked(entity: Any) -> int:
    return int(utils.get_peer_id(entity))


async def walk(
    client: Any,
    peer: Any,
    *,
    owner: str,
    dialog_id: int,
    lo: int,
    hi: int,
    page_size: int = PAGE_SIZE,
) -> AsyncGenerator[Page, None]:
    """Pages of the messages with lo <= date <= hi, oldest first. Raises ServiceError."""
    # Reverse paging as Telegram expects it: offset_date (or offset_id) marks the position
    # and a negative add_offset of -limit returns the `limit` messages AFTER it. An
    # offset_date of 0 would mean "no offset", so the very start is offset_id=1.
    offset_id = 1 if lo <= 0 else 0
    offset_date = datetime.fromtimestamp(lo, UTC) if lo > 0 else None
    last_id = 0
    in_flight = asyncio.ensure_future(client(_request(peer, offset_id, offset_date, page_size)))
    try:
        while True:
            try:
                result = await in_flight
            except Exception as exc:
                raise translate(exc, dialog_id) from exc
            # Nothing is recorded from a page that does not prove the window (proof.py).
            first = last_id == 0
            check_page(result.messages, dialog_id=dialog_id, lo=lo, last_id=last_id)
            # Pick this page's messages and, before converting them, send the request for
            # the next page: its round trip then overlaps the work on this one.
            picked: list[Any] = []
            done = not result.messages or isinstance(result, types.messages.Messages)
            for message in reversed(result.messages):
                if isinstance(message, types.MessageEmpty) or message.id <= last_id:
                    continue
                epoch = int(message.date.timestamp())
                if epoch > hi:
                    done = True
                    break
                if epoch >= lo:
                    picked.append(message)
                    last_id = message.id
            if not picked:
                done = True  # Telethon's rule too: a page with nothing new ends the walk
                if first:
                    try:
                        await check_window_empty(client, peer, result, dialog_id=dialog_id, lo=lo)
                    except Exception as exc:
                        raise translate(exc, dialog_id) from exc
            if not done:
                in_flight = asyncio.ensure_future(
                    client(_request(peer, last_id + 1, None, page_size))
                )
                await _let_run()
            entities = {_marked(e): e for e in itertools.chain(result.users, result.chats)}
            records = [
                r for m in picked if (r := to_record(owner, dialog_id, m, entities)) is not None
            ]
            yield Page(records, done)
            if done:
                return
    finally:
        if not in_flight.done():
            in_flight.cancel()
            with contextlib.suppress(BaseException):
                await in_flight


async def _let_run() -> None:
    """Give the new request's task (and the client's sender loop behind it) a few turns of
    the event loop, so the request is really on its way before the CPU work on this page
    starts; otherwise the round trip would only begin once that work is done."""
    for _ in range(3):
        await asyncio.sleep(0)


def _request(
    peer: Any, offset_id: int, offset_date: datetime | None, page_size: int
) -> functions.messages.GetHistoryRequest:
    return functions.messages.GetHistoryRequest(
        peer=peer,
        offset_id=offset_id,
        offset_date=offset_date,
        add_offset=-page_size,
        limit=page_size,
        max_id=0,
        min_id=0,
        hash=0,
    )
