"""Cache search without a text index, for the AWS adapter set (DynamoDB has none):
one dialog's cached messages are read newest first through the ItemTable port and
matched in Python by the same rule as the embedded FTS5 index (every word of `q` a
prefix of a word of the text, case and diacritics folded).

It costs a read of the dialog's cached span per page (newest first, stopping at
`limit` hits), so it answers one dialog only: a search across every chat would be a
table scan, and the service refuses it with a 400 (docs/messages.md).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from tgscraper.storage.ports import Item, ItemTable
from tgscraper.storage.text_search import TextHit, TextQuery

# unicode61's token characters are letters and numbers; "_" separates words there too.
_TOKEN = re.compile(r"[^\W_]+")
_URL_TYPES = {"url", "text_url"}
_WINDOW = 200


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _TOKEN.findall(_fold(text))


def _matches_words(wanted: list[str], text: str) -> bool:
    have = words(text)
    return all(any(h.startswith(w) for h in have) for w in wanted)


def _matches_filter(name: str, message: dict[str, Any], extended: dict[str, Any]) -> bool:
    media_type = (message.get("media") or {}).get("type")
    if name == "photo":
        return bool(media_type == "MessageMediaPhoto")
    if name == "poll":
        return bool(media_type == "MessageMediaPoll")
    if name == "pinned":
        return bool(extended.get("pinned"))
    if name == "url":
        entities = extended.get("entities") or []
        return any(e.get("type") in _URL_TYPES for e in entities) or "http" in (
            message.get("message") or ""
        )
    raise ValueError(f"unknown cache filter {name!r}")


class PartitionMessageText:
    """MessageTextSearch over one message partition of any ItemTable."""

    all_dialogs = False

    def __init__(self, table: ItemTable) -> None:
        self._table = table

    def search(self, query: TextQuery) -> list[TextHit]:
        if "*" in query.pk_glob:
            raise ValueError("PartitionMessageText searches one dialog (no '*' in pk_glob)")
        pk = query.pk_glob
        sk_to = query.sk_to
        skip_sk = None
        if query.before is not None:
            before_sk, before_pk = query.before
            if pk > before_pk:
                return []  # the whole partition sorts after the keyset position
            if pk == before_pk:
                sk_to, skip_sk = min(sk_to, before_sk), before_sk
        wanted = words(query.q)
        hits: list[TextHit] = []
        for item in self._newest_first(pk, query.sk_from, sk_to, skip_sk):
            message = json.loads(item["j"])
            extended = json.loads(item.get("x") or "{}")
            if query.sender_id is not None and message.get("sender_id") != query.sender_id:
                continue
            if query.filter is not None and not _matches_filter(query.filter, message, extended):
                continue
            if wanted and not _matches_words(wanted, message.get("message") or ""):
                continue
            hits.append(TextHit(pk, item["sk"], item["j"], item.get("x")))
            if len(hits) >= query.limit:
                break
        return hits

    def _newest_first(
        self, pk: str, sk_from: str, sk_to: str, skip_sk: str | None
    ) -> Iterator[Item]:
        """The span newest first, read in windows of _WINDOW items, so a page that fills
        early reads little (an unbounded DynamoDB query reads 1 MB per request)."""
        while True:
            last = None
            count = 0
            for item in self._table.query(
                pk, sk_from=sk_from, sk_to=sk_to, reverse=True, limit=_WINDOW
            ):
                count += 1
                last = item["sk"]
                if last != skip_sk:
                    yield item
            if count < _WINDOW or last is None:
                return
            sk_to, skip_sk = last, last  # sort keys are unique within a partition
