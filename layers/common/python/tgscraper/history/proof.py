"""Does a `messages.getHistory` page prove what the walk is about to record?

The walk records every page it gets as coverage (`the cache holds every message of this
span`), and with `force_refresh` it also deletes what the cache held in that span. So a
page that does not answer the question asked (a server ignoring `offset_date`, ids out of
order, an empty page for a dialog that has messages) must stop the walk as an error
(502, or `event: error` mid-stream) before anything is stored. Real Telegram honours the
offsets; these checks cost nothing on its pages except one 1-message request when the
first page of a walk holds no message of the window (the window may really be empty).
"""

from __future__ import annotations

import itertools
from typing import Any

from telethon.tl import functions, types

from tgscraper.errors import TelegramUnavailable


def _bad(dialog_id: int, why: str) -> TelegramUnavailable:
    return TelegramUnavailable(
        f"Telegram sent a history page of dialog {dialog_id} that {why}; nothing was cached"
    )


def check_page(messages: list[Any], *, dialog_id: int, lo: int, last_id: int) -> None:
    """The raw page (newest first, as Telegram sends it) after the message `last_id`
    (0: the first page, asked from the date `lo`). Raises TelegramUnavailable."""
    real = [m for m in messages if not isinstance(m, types.MessageEmpty)]
    ids = [m.id for m in real]
    if any(a <= b for a, b in itertools.pairwise(ids)):
        raise _bad(dialog_id, "has its message ids out of order")
    if last_id and ids and ids[-1] <= last_id:
        raise _bad(dialog_id, f"repeats messages up to id {last_id} it already sent")
    if not last_id and lo > 0 and real and int(real[0].date.timestamp()) < lo:
        raise _bad(dialog_id, "holds only messages older than the window asked for")


async def check_window_empty(
    client: Any, peer: Any, result: Any, *, dialog_id: int, lo: int
) -> None:
    """The first page held no message of [lo, hi]: prove no message dated `lo` or later
    sits before the page's oldest message (or, for an empty page, anywhere)."""
    real = [m for m in result.messages if not isinstance(m, types.MessageEmpty)]
    if not real:
        count = getattr(result, "count", len(result.messages))
        if not count:
            return  # the dialog has no messages at all
        if lo <= 0:
            raise _bad(dialog_id, f"is empty although the dialog counts {count} messages")
    before = real[-1].id if real else 0
    probe = await client(
        functions.messages.GetHistoryRequest(
            peer=peer,
            offset_id=before,
            offset_date=None,
            add_offset=0,
            limit=1,
            max_id=0,
            min_id=0,
            hash=0,
        )
    )
    older = [m for m in probe.messages if not isinstance(m, types.MessageEmpty)]
    if older and int(older[0].date.timestamp()) >= lo:
        what = "skips messages of the window asked for" if real else "is empty"
        raise _bad(dialog_id, f"{what} (message {older[0].id} is dated inside it)")
