"""Message search through Telegram (messages.search in one dialog, messages.searchGlobal
across them) or through the local cache (source=cache: a full-text index in embedded
mode, one dialog's cached messages on the AWS adapter set).

Results are the contract's message objects (optionally with the extended fields), each
with the dialog it belongs to; media found are added to the media index, so
/api/v3/files/{uuid} serves them like media seen in a history.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime
from typing import Any

from telethon import errors, utils
from telethon.tl import functions, types

from tgscraper.container import Container
from tgscraper.errors import BadRequest, NotFound
from tgscraper.history.extended import shape
from tgscraper.history.fetcher import resolve, translate
from tgscraper.history.record import to_record
from tgscraper.history.store import sk_ceiling, sk_floor
from tgscraper.media.index import MediaIndex
from tgscraper.search.query import SearchQuery
from tgscraper.storage.text_search import CACHE_FILTERS, TextQuery, text_search_for

_FILTERS: dict[str, Any] = {
    "photo": types.InputMessagesFilterPhotos,
    "video": types.InputMessagesFilterVideo,
    "photo_video": types.InputMessagesFilterPhotoVideo,
    "document": types.InputMessagesFilterDocument,
    "url": types.InputMessagesFilterUrl,
    "gif": types.InputMessagesFilterGif,
    "voice": types.InputMessagesFilterVoice,
    "music": types.InputMessagesFilterMusic,
    "round": types.InputMessagesFilterRoundVideo,
    "round_voice": types.InputMessagesFilterRoundVoice,
    "pinned": types.InputMessagesFilterPinned,
    "mentions": types.InputMessagesFilterMyMentions,
    "poll": types.InputMessagesFilterPoll,
    "geo": types.InputMessagesFilterGeo,
    "contacts": types.InputMessagesFilterContacts,
    "chat_photos": types.InputMessagesFilterChatPhotos,
    "phone_calls": lambda: types.InputMessagesFilterPhoneCalls(),
}
_MAX_EPOCH = 253402300799


def _dt(epoch: int | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch else None


def _dialog_type(entity: Any, dialog_id: int, me_id: int | None) -> str | None:
    if entity is None:
        return None
    if isinstance(entity, types.User):
        if entity.id == me_id:
            return "saved"
        return "bot" if entity.bot else "user"
    if isinstance(entity, types.Chat | types.ChatForbidden):
        return "group"
    return "supergroup" if getattr(entity, "megagroup", False) else "channel"


def _dialog(entity: Any, dialog_id: int, me_id: int | None) -> dict[str, Any]:
    title = None
    if isinstance(entity, types.User):
        title = "Saved Messages" if entity.id == me_id else utils.get_display_name(entity)
    elif entity is not None:
        title = getattr(entity, "title", None)
    return {
        "id": dialog_id,
        "type": _dialog_type(entity, dialog_id, me_id),
        "title": title,
        "username": getattr(entity, "username", None),
    }


class MessageSearch:
    def __init__(self, container: Container) -> None:
        self._container = container

    async def search(self, query: SearchQuery) -> dict[str, Any]:
        if query.source == "cache":
            return await asyncio.to_thread(self._cache, query)
        return await self._telegram(query)

    # -- Telegram ----------------------------------------------------------------------
    async def _telegram(self, query: SearchQuery) -> dict[str, Any]:
        flt = _FILTERS[query.filter]() if query.filter else types.InputMessagesFilterEmpty()
        if query.dialog_id is None and not query.q and query.filter is None:
            raise BadRequest("Searching all chats needs 'q' or 'filter'")
        async with self._container.telegram.client(query.username) as client:
            client.flood_sleep_threshold = 0  # flood waits are a 429, never slept through
            me_id = getattr(await client.get_me(input_peer=True), "user_id", None)
            try:
                from_peer = await self._peer(client, query.from_id, "from_id")
                if query.dialog_id is not None:
                    peer = await resolve(client, query.dialog_id)
                    result = await client(
                        functions.messages.SearchRequest(
                            peer=peer,
                            q=query.q,
                            filter=flt,
                            min_date=_dt(query.min_date),
                            max_date=_dt(query.max_date),
                            offset_id=query.offset_id,
                            add_offset=0,
                            limit=query.limit,
                            max_id=0,
                            min_id=0,
                            hash=0,
                            from_id=from_peer,
                        )
                    )
                else:
                    offset_peer = await self._peer(client, query.offset_peer or None, "offset_peer")
                    result = await client(
                        functions.messages.SearchGlobalRequest(
                            q=query.q,
                            filter=flt,
                            min_date=_dt(query.min_date),
                            max_date=_dt(query.max_date),
                            offset_rate=query.offset_rate,
                            offset_peer=offset_peer or types.InputPeerEmpty(),
                            offset_id=query.offset_id,
                            limit=query.limit,
                        )
                    )
            except errors.RPCError as exc:
                if exc.message in ("SEARCH_QUERY_EMPTY", "INPUT_FILTER_INVALID"):
                    raise BadRequest(f"Telegram rejected the search: {exc.message}") from exc
                raise translate(exc, query.dialog_id or 0) from exc
            except (ConnectionError, OSError, TimeoutError) as exc:
                raise translate(exc, query.dialog_id or 0) from exc
        return await self._results(query, result, me_id)

    async def _peer(self, client: Any, peer_id: int | None, name: str) -> Any:
        if peer_id is None:
            return None
        try:
            return await client.get_input_entity(peer_id)
        except (ValueError, TypeError, KeyError, IndexError):
            raise NotFound(f"'{name}' {peer_id} is not known to this account") from None

    async def _results(self, query: SearchQuery, result: Any, me_id: int | None) -> dict[str, Any]:
        entities = {int(utils.get_peer_id(e)): e for e in [*result.users, *result.chats]}
        out: list[dict[str, Any]] = []
        media = []
        last: tuple[int, int, int] | None = None
        for message in result.messages:
            if isinstance(message, types.MessageEmpty):
                continue
            dialog_id = int(utils.get_peer_id(message.peer_id))
            record = to_record(query.username, dialog_id, message, entities)
            if record is None:
                continue
            if record.media is not None:
                media.append(record.media)
            text = shape(record.json, record.extended) if query.extended else record.json
            out.append(
                {
                    "dialog": _dialog(entities.get(dialog_id), dialog_id, me_id),
                    "message": json.loads(text),
                }
            )
            last = (record.date, dialog_id, record.id)
        if media:
            index = MediaIndex(self._container.stores.media)
            await asyncio.to_thread(index.put_many, media)
        more = len(out) >= query.limit
        if query.dialog_id is None:
            more = getattr(result, "next_rate", None) is not None
        if isinstance(result, types.messages.Messages):
            more = False
        return {
            "source": "telegram",
            "count": getattr(result, "count", len(out)),
            "results": out,
            "next": _next(last) if more and last is not None else None,
        }

    # -- the local cache ---------------------------------------------------------------
    def _cache(self, query: SearchQuery) -> dict[str, Any]:
        finder = text_search_for(self._container.stores)
        if query.dialog_id is None and not finder.all_dialogs:
            # Without a text index every chat would be a table scan (storage/text_scan.py).
            raise BadRequest(
                "Invalid query parameter 'dialog_id': source=cache across all chats needs "
                "the embedded store (SQLite full-text index); give dialog_id"
            )
        if query.filter is not None and query.filter not in CACHE_FILTERS:
            raise BadRequest(
                f"filter={query.filter} is not available with source=cache "
                f"(only {', '.join(sorted(CACHE_FILTERS))})"
            )
        user = query.username
        pk_glob = (
            f"msg#{user}#{query.dialog_id}" if query.dialog_id is not None else f"msg#{user}#*"
        )
        before = None
        if query.offset_rate or query.offset_id:
            peer = query.offset_peer or query.dialog_id
            if peer is None:
                raise BadRequest("Invalid query parameter 'offset_peer': needed to continue")
            sk = f"{sk_floor(query.offset_rate)}{query.offset_id:012d}"
            before = (sk, f"msg#{user}#{peer}")
        hits = finder.search(
            TextQuery(
                pk_glob=pk_glob,
                q=query.q,
                sk_from=sk_floor(query.min_date or 0),
                sk_to=sk_ceiling(min(query.max_date or int(time.time()), _MAX_EPOCH)),
                before=before,
                sender_id=query.from_id,
                filter=query.filter,
                limit=query.limit,
            )
        )
        out = []
        last = None
        for hit in hits:
            dialog_id = int(hit.pk.rsplit("#", 1)[1])
            text = shape(hit.json, hit.extended) if query.extended else hit.json
            message = json.loads(text)
            out.append(
                {
                    "dialog": {"id": dialog_id, "type": None, "title": None, "username": None},
                    "message": message,
                }
            )
            date = int(
                datetime.strptime(hit.sk[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC).timestamp()
            )
            last = (date, dialog_id, int(message["message_id"]))
        more = len(out) >= query.limit
        return {
            "source": "cache",
            "count": None,
            "results": out,
            "next": _next(last) if more and last is not None else None,
        }


def _next(last: tuple[int, int, int]) -> dict[str, int]:
    date, dialog_id, msg_id = last
    return {"offset_id": msg_id, "offset_rate": date, "offset_peer": dialog_id}
