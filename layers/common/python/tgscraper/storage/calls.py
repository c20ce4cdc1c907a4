"""Storage calls from the event loop: inline when the table is in-process, else in a
worker thread (`ItemTable.in_process`)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from tgscraper.storage.ports import ItemTable

_T = TypeVar("_T")


async def storage_call(table: ItemTable, fn: Callable[..., _T], *args: Any) -> _T:
    # SQLite answers in well under a millisecond per call: run it inline, where it
    # overlaps Telegram's round trip for free. A thread would cost more than it saves:
    # the GIL hand-off back to the event loop can take a whole switch interval (5 ms).
    # DynamoDB calls are network round trips: those go to a worker thread.
    if table.in_process:
        return fn(*args)
    return await asyncio.to_thread(fn, *args)
