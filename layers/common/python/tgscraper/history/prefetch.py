"""A bounded read-ahead of Telegram pages: the next page is requested while the current
one is streamed and stored, so storage and SSE work overlap Telegram's round trip."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass

from tgscraper.history.fetcher import Page

DEPTH = 2
"""Pages held ahead at most: memory stays bounded whatever the range."""


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class Prefetch:
    def __init__(self, pages: AsyncGenerator[Page, None], depth: int = DEPTH) -> None:
        self.started_at = int(time.time())
        """When the walk began: coverage never extends past it (later messages may exist)."""
        self._pages = pages
        self._queue: asyncio.Queue[Page | _Failed] = asyncio.Queue(depth)
        self._head: Page | _Failed | None = None
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for page in self._pages:
                await self._queue.put(page)
        except Exception as exc:
            await self._queue.put(_Failed(exc))

    async def peek(self) -> None:
        """Wait for the first page; raise its failure (e.g. a flood wait) right away."""
        if self._head is None:
            self._head = await self._queue.get()
        if isinstance(self._head, _Failed):
            raise self._head.error

    async def get(self) -> Page:
        item = self._head if self._head is not None else await self._queue.get()
        self._head = None
        if isinstance(item, _Failed):
            raise item.error
        return item

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task
        with contextlib.suppress(Exception):
            await self._pages.aclose()
