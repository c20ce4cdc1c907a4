"""Full-text search over the embedded message cache (SQLite FTS5), for
GET /search/messages?source=cache (docs/messages.md).

The port is `MessageTextSearch`; `text_search_for(stores)` gives the embedded adapter,
or on the AWS adapter set (DynamoDB has no text index) a scan of one dialog's cached
messages with the same matching rule (`text_scan.py`), which cannot search all chats.

The index lives beside the cache in the same database and is kept exact by triggers on
the message table itself, so no writer has to know about it: the cache writes with
INSERT OR REPLACE (a BEFORE INSERT trigger drops the old text of a replaced row) and
DELETE. The first search creates the index and the triggers and indexes what is cached
already, in one transaction.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tgscraper.storage import codec
from tgscraper.storage.ports import StorageError

if TYPE_CHECKING:
    from tgscraper.storage.factory import Stores
    from tgscraper.storage.sqlite_table import SqliteItemTable

_WORD = re.compile(r"\w+")
_TEXT = "coalesce(json_extract(json_extract({row}.data, '$.j'), '$.message'), '')"

#: Filters the cache can answer from what it stores: SQL over the row `m`.
CACHE_FILTERS = {
    "photo": "json_extract(json_extract(m.data, '$.j'), '$.media.type') = 'MessageMediaPhoto'",
    "poll": "json_extract(json_extract(m.data, '$.j'), '$.media.type') = 'MessageMediaPoll'",
    "pinned": "json_extract(json_extract(m.data, '$.x'), '$.pinned') = 1",
    "url": "(EXISTS (SELECT 1 FROM json_each(json_extract(m.data, '$.x'), '$.entities') "
    "WHERE json_extract(value, '$.type') IN ('url', 'text_url')) "
    "OR instr(" + _TEXT.format(row="m") + ", 'http') > 0)",
}


@dataclass(frozen=True)
class TextHit:
    pk: str
    sk: str
    json: str
    extended: str | None


@dataclass(frozen=True)
class TextQuery:
    pk_glob: str
    """`msg#<username>#*` (every dialog) or `msg#<username>#<dialog_id>`."""
    q: str
    sk_from: str
    sk_to: str
    before: tuple[str, str] | None = None
    """Keyset position (sk, pk): only hits strictly before it, newest first."""
    sender_id: int | None = None
    filter: str | None = None
    limit: int = 50


class MessageTextSearch(Protocol):
    all_dialogs: bool
    """False: `pk_glob` must name one dialog."""

    def search(self, query: TextQuery) -> list[TextHit]: ...


def fts_query(q: str) -> str | None:
    """The user's words as an FTS5 query: every word, each as a prefix (like Telegram);
    quoted, so no FTS5 syntax can be injected. None when q has no word."""
    words = _WORD.findall(q)
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


class SqliteMessageText:
    all_dialogs = True

    def __init__(self, table: SqliteItemTable) -> None:
        self._db = table.database
        self._t = table.name
        self._ready = False

    def _setup(self, conn: sqlite3.Connection) -> None:
        t = self._t
        conn.execute("BEGIN IMMEDIATE")
        try:
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (f"{t}_text_keys",)
            ).fetchone()
            if not exists:
                new_text = _TEXT.format(row="new")
                conn.execute(
                    f"CREATE TABLE {t}_text_keys (id INTEGER PRIMARY KEY, pk TEXT NOT NULL, "
                    "sk TEXT NOT NULL, UNIQUE (pk, sk))"
                )
                conn.execute(
                    f"CREATE VIRTUAL TABLE {t}_text USING fts5(body, "
                    "tokenize='unicode61 remove_diacritics 2')"
                )
                drop = (
                    f"DELETE FROM {t}_text WHERE rowid = (SELECT id FROM {t}_text_keys "
                    "WHERE pk={r}.pk AND sk={r}.sk); "
                    f"DELETE FROM {t}_text_keys WHERE pk={{r}}.pk AND sk={{r}}.sk;"
                )
                conn.execute(
                    f"CREATE TRIGGER {t}_text_bi BEFORE INSERT ON {t} "
                    f"WHEN new.pk GLOB 'msg#*' BEGIN {drop.format(r='new')} END"
                )
                conn.execute(
                    f"CREATE TRIGGER {t}_text_ai AFTER INSERT ON {t} WHEN new.pk GLOB 'msg#*' "
                    f"BEGIN INSERT INTO {t}_text_keys (pk, sk) VALUES (new.pk, new.sk); "
                    f"INSERT INTO {t}_text (rowid, body) VALUES (last_insert_rowid(), {new_text}); "
                    "END"
                )
                conn.execute(
                    f"CREATE TRIGGER {t}_text_ad AFTER DELETE ON {t} "
                    f"WHEN old.pk GLOB 'msg#*' BEGIN {drop.format(r='old')} END"
                )
                conn.execute(
                    f"INSERT INTO {t}_text_keys (pk, sk) SELECT pk, sk FROM {t} "
                    "WHERE pk GLOB 'msg#*'"
                )
                conn.execute(
                    f"INSERT INTO {t}_text (rowid, body) SELECT k.id, {_TEXT.format(row='m')} "
                    f"FROM {t}_text_keys k JOIN {t} m ON m.pk = k.pk AND m.sk = k.sk"
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._ready = True

    def search(self, query: TextQuery) -> list[TextHit]:
        t = self._t
        conn = self._db.connection()
        try:
            if not self._ready:
                self._setup(conn)
            where = ["k.pk GLOB ?", "k.sk >= ?", "k.sk <= ?"]
            args: list[object] = [query.pk_glob, query.sk_from, query.sk_to]
            match = fts_query(query.q)
            source = f"{t}_text_keys k"
            if match is not None:
                source = f"{t}_text f JOIN {t}_text_keys k ON k.id = f.rowid"
                where.append(f"{t}_text MATCH ?")
                args.append(match)
            if query.before is not None:
                where.append("(k.sk < ? OR (k.sk = ? AND k.pk < ?))")
                sk, pk = query.before
                args += [sk, sk, pk]
            if query.sender_id is not None:
                where.append("json_extract(json_extract(m.data, '$.j'), '$.sender_id') = ?")
                args.append(query.sender_id)
            if query.filter is not None:
                where.append(CACHE_FILTERS[query.filter])
            sql = (
                f"SELECT k.pk, k.sk, m.data FROM {source} "
                f"JOIN {t} m ON m.pk = k.pk AND m.sk = k.sk "
                f"WHERE {' AND '.join(where)} ORDER BY k.sk DESC, k.pk DESC LIMIT ?"
            )
            rows = conn.execute(sql, [*args, query.limit]).fetchall()
        except sqlite3.OperationalError as exc:
            raise StorageError(f"sqlite is busy: {exc}") from exc
        hits = []
        for pk, sk, data in rows:
            attrs = codec.decode(data)
            hits.append(TextHit(pk, sk, attrs["j"], attrs.get("x")))
        return hits


def text_search_for(stores: Stores) -> MessageTextSearch:
    from tgscraper.storage.sqlite_table import SqliteItemTable
    from tgscraper.storage.text_scan import PartitionMessageText

    if isinstance(stores.messages, SqliteItemTable):
        return SqliteMessageText(stores.messages)
    return PartitionMessageText(stores.messages)
