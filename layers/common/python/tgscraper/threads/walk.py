"""Pages of one thread (a forum topic, or a channel post's comments) from
`messages.getReplies`, oldest first, within [lo, hi].

The paging is the history walk's (tgscraper.history.fetcher.walk): reverse pages by
offset_date (or offset_id=1 from the very start) with add_offset=-limit, then by
offset_id after the last message taken; each raw page passes the same proof
(`check_page`: ids in order, no repeats, nothing older than asked) before a record is made.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from telethon import utils
from telethon.tl import functions, types

from tgscraper.history.fetcher import PAGE_SIZE, Page, translate
from tgscraper.history.proof import check_page
from tgscraper.history.record import to_record


def _request(
    peer: Any, msg_id: int, offset_id: int, offset_date: datetime | None, size: int
) -> functions.messages.GetRepliesRequest:
    return functions.messages.GetRepliesRequest(
        peer=peer,
        msg_id=msg_id,
        offset_id=offset_id,
        offset_date=offset_date,
        add_offset=-size,
        limit=size,
        max_id=0,
        min_id=0,
        hash=0,
    )


async def walk_thread(
    client: Any,
    peer: Any,
    msg_id: int,
    *,
    owner: str,
    home_id: int,
    lo: int,
    hi: int,
    page_size: int = PAGE_SIZE,
) -> AsyncGenerator[Page, None]:
    """`peer`/`msg_id` as getReplies wants them (the channel and its post, or the forum and
    the topic id); `home_id` the marked id of the chat the messages live in (the discussion
    group for comments), which their records and media entries name."""
    offset_id = 1 if lo <= 0 else 0
    offset_date = datetime.fromtimestamp(lo, UTC) if lo > 0 else None
    last_id = 0
    while True:
        try:
            result = await client(_request(peer, msg_id, offset_id, offset_date, page_size))
        except Exception as exc:
            raise translate(exc, home_id) from exc
        check_page(result.messages, dialog_id=home_id, lo=lo, last_id=last_id)
        picked: list[Any] = []
        done = not result.messages
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
        done = done or not picked
        entities = {
            int(utils.get_peer_id(e)): e for e in itertools.chain(result.users, result.chats)
        }
        records = [r for m in picked if (r := to_record(owner, home_id, m, entities)) is not None]
        yield Page(records, done)
        if done:
            return
        offset_id, offset_date = last_id + 1, None
