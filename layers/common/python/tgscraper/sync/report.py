"""The completeness report of one dialog's cache: what is known, without asking Telegram.

Reads the coverage, the sync state and every cached message once (one keyset scan), and
checks each indexed media file's object in the blob store, so it costs O(cached messages)
reads plus one HEAD per media file; Telegram's count is the one the last baseline saw.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tgscraper.container import Container
from tgscraper.history.store import MessageCache
from tgscraper.storage.calls import storage_call
from tgscraper.sync.state import SyncStateStore

_FAR = 2**40


def _date(epoch: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(epoch))


def _build(container: Container, username: str, dialog_id: int) -> dict[str, Any]:
    table = container.stores.messages
    cache = MessageCache(table, username, dialog_id)
    state = SyncStateStore(table, username).get(dialog_id)
    cached = indexed = downloaded = 0
    for row in cache.scan(0, _FAR):
        cached += 1
        media = json.loads(row.json).get("media") or {}
        if media.get("uuid"):
            indexed += 1
            if container.stores.blobs.size(f"{username}/{media['uuid']}") is not None:
                downloaded += 1
    now = int(time.time())
    synced = state.synced_at if state else 0
    return {
        "dialog_id": dialog_id,
        "covered": [{"start": _date(lo), "end": _date(hi)} for lo, hi in cache.coverage()],
        "messages_cached": cached,
        "telegram_count": state.telegram_count if state else None,
        "synced": state is not None and synced > 0,
        "kind": state.kind if state else None,
        "pts": state.pts if state else None,
        "last_sync": _date(synced) if synced else None,
        "pts_age_seconds": now - synced if synced else None,
        "sync_pending": bool(state and state.rescan),
        "totals": dict(state.counts) if state else {},
        "media_indexed": indexed,
        "media_downloaded": downloaded,
    }


async def sync_report(container: Container, username: str, dialog_id: int) -> dict[str, Any]:
    return await storage_call(container.stores.messages, _build, container, username, dialog_id)
