"""Telegram's message search over the read model: which messages ``messages.search`` and
``messages.searchGlobal`` return, as plain functions tests can call to compute their
expectations (the handlers in ``handlers/search.py`` only translate TL)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .models import MessageRec
from .rich import topic_of

Predicate = Callable[[MessageRec], bool]
_WORD = re.compile(r"\w+")
_LINK = re.compile(r"https?://|\bt\.me/", re.IGNORECASE)


def _kind(*kinds: str) -> Predicate:
    return lambda m: m.media is not None and m.media.kind in kinds


def _has_url(m: MessageRec) -> bool:
    if m.extra is not None and any(e.kind in ("url", "text_url") for e in m.extra.entities):
        return True
    return bool(_LINK.search(m.text))


def mentions(me_id: int, me_username: str | None) -> Predicate:
    def check(m: MessageRec) -> bool:
        if m.extra is None:
            return False
        for e in m.extra.entities:
            if e.kind == "mention_name" and e.user_id == me_id:
                return True
            if e.kind == "mention" and me_username:
                start = len(m.text.encode("utf-16-le")[: e.offset * 2].decode("utf-16-le"))
                if m.text[start:].lower().startswith("@" + me_username.lower()):
                    return True
        return False

    return check


#: Filter name (the API's) -> predicate; mentions need the account, see ``mentions``.
FILTERS: dict[str, Predicate] = {
    "photo": _kind("photo"),
    "video": _kind("video"),
    "photo_video": _kind("photo", "video"),
    "document": _kind("document"),
    "url": _has_url,
    "gif": _kind("gif"),
    "voice": _kind("voice"),
    "music": _kind("audio"),
    "round": _kind("round"),
    "round_voice": _kind("round", "voice"),
    "pinned": lambda m: m.extra is not None and m.extra.pinned,
    "poll": lambda m: m.extra is not None and m.extra.poll is not None,
    "none": lambda m: False,  # geo, contacts, chat photos, phone calls: never simulated
}


def text_matches(q: str, text: str) -> bool:
    """Telegram's rule, simplified: every word of the query starts a word of the text."""
    wanted = _WORD.findall(q.lower())
    words = _WORD.findall(text.lower())
    return all(any(w.startswith(t) for w in words) for t in wanted)


def matching(
    messages: Iterable[MessageRec],
    q: str = "",
    *,
    predicate: Predicate | None = None,
    from_id: int | None = None,
    min_ts: int = 0,
    max_ts: int = 0,
    topic: int | None = None,
) -> list[MessageRec]:
    """Matching messages, oldest first (from_id: the marked sender; channel posts count
    as sent by the channel)."""
    out = []
    for m in messages:
        ts = int(m.date.timestamp())
        if (min_ts and ts < min_ts) or (max_ts and ts > max_ts):
            continue
        if m.extra is not None and m.extra.action is not None:
            continue  # service messages are not search results
        if (
            from_id is not None
            and (m.sender_id if m.sender_id is not None else m.peer_id) != from_id
        ):
            continue
        if topic is not None and topic_of(m) != topic:
            continue
        if predicate is not None and not predicate(m):
            continue
        if q and not text_matches(q, m.text):
            continue
        out.append(m)
    return out
