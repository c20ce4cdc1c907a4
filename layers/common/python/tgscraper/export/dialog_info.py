"""Who the exported dialog is (name, TDesktop type, id, message count), before the first byte.

Read from the user's dialog cache (what /search/dialogs listed; no Telegram call) when it
knows the dialog. Otherwise, when `telegram` is allowed (the tdesktop document needs a
name), the dialog's entity is asked from Telegram: an unknown dialog is then a 404 and a
private one a 403, like /history's. Without either, the name is null and the type is
what the id's form tells.
"""

from __future__ import annotations

from typing import Any

from tgscraper.container import Container
from tgscraper.dialogs.cache import DialogCache
from tgscraper.dialogs.loader import classify
from tgscraper.export.tdesktop import DialogInfo, bare_id, chat_type
from tgscraper.history.fetcher import resolve, translate
from tgscraper.storage.calls import storage_call

_CHANNEL_BASE = 10**12


def _from_cache(container: Container, username: str, dialog_id: int) -> DialogInfo | None:
    snapshot = DialogCache(container.stores.messages).load(username).snapshot
    if snapshot is None:
        return None
    for rec in snapshot.records:
        if rec.id == dialog_id:
            count = rec.message_count if rec.count_known else None
            return DialogInfo(rec.title, chat_type(rec.type, rec.username), bare_id(rec.id), count)
    return None


def _from_id(dialog_id: int) -> DialogInfo:
    kind = "user" if dialog_id > 0 else "supergroup" if dialog_id < -_CHANNEL_BASE else "group"
    return DialogInfo(None, chat_type(kind, None), bare_id(dialog_id))


def _public_username(entity: Any) -> str | None:
    if getattr(entity, "username", None):
        return str(entity.username)
    active = [u for u in getattr(entity, "usernames", None) or () if getattr(u, "active", False)]
    return str(active[0].username) if active else None


def _title(entity: Any) -> str | None:
    if getattr(entity, "title", None):
        return str(entity.title)
    name = " ".join(p for p in (entity.first_name, entity.last_name) if p)
    return name or None


async def _from_telegram(container: Container, username: str, dialog_id: int) -> DialogInfo:
    async with container.telegram.client(username) as client:
        client.flood_sleep_threshold = 0
        peer = await resolve(client, dialog_id)
        try:
            entity = await client.get_entity(peer)
        except Exception as exc:
            raise translate(exc, dialog_id) from exc
    kind = classify(entity) or "user"
    return DialogInfo(_title(entity), chat_type(kind, _public_username(entity)), bare_id(dialog_id))


async def dialog_info(
    container: Container, username: str, dialog_id: int, *, telegram: bool
) -> DialogInfo:
    table = container.stores.messages
    found = await storage_call(table, _from_cache, container, username, dialog_id)
    if found is not None:
        return found
    if telegram:
        return await _from_telegram(container, username, dialog_id)
    return _from_id(dialog_id)
