"""Embedded ItemTable on SQLite (WAL): one database file, one SQL table per ItemTable.

Connections are per thread (sqlite3 objects must not cross threads); conditional writes
run inside BEGIN IMMEDIATE so the check and the write are one atomic step across
threads and processes.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tgscraper.storage import codec
from tgscraper.storage.ports import (
    TTL_ATTRIBUTE,
    ConditionFailed,
    Item,
    ItemTable,
    StorageError,
    is_live,
    now,
)
from tgscraper.storage.private import touch_private

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_PAGE = 500


def _successor(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix` (None: none)."""
    if not prefix:
        return None
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # surrogates cannot be encoded: the next scalar value
        last = 0xE000
    if last > 0x10FFFF:
        return _successor(prefix[:-1])
    return prefix[:-1] + chr(last)


class SqliteDatabase:
    """A SQLite file shared by several tables; hands out one connection per thread."""

    def __init__(self, path: Path | str, *, secure_delete: bool = False) -> None:
        """secure_delete: deleted or overwritten rows are zeroed in the file (for tables
        that hold secrets, like the QR flows' temporary auth keys)."""
        self.path = str(path)
        self._secure_delete = secure_delete
        if self.path != ":memory:":
            # Created 0600 before SQLite opens it: SQLite gives -wal/-shm/-journal the
            # database file's mode, so they are private too.
            touch_private(self.path)
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if self._secure_delete:
                conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
        return conn

    def checkpoint(self) -> None:
        """Copy the WAL into the database and empty it: old row versions (secrets
        included) no longer linger in the -wal file."""
        try:
            self.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        except sqlite3.OperationalError as exc:
            raise StorageError(f"sqlite is busy: {exc}") from exc


class SqliteItemTable(ItemTable):
    in_process = True

    def __init__(self, db: SqliteDatabase, name: str) -> None:
        if not _NAME_RE.fullmatch(name):
            raise ValueError(f"invalid table name {name!r}")
        self._db = db
        self._name = name
        self._db.connection().execute(
            f"CREATE TABLE IF NOT EXISTS {name} (pk TEXT NOT NULL, sk TEXT NOT NULL, "
            "data TEXT NOT NULL, expires_at INTEGER, PRIMARY KEY (pk, sk)) WITHOUT ROWID"
        )
        # Partial: only items with a TTL are indexed, so the sweep's purge costs nothing
        # on tables (the message cache) whose rows never expire.
        self._db.connection().execute(
            f"CREATE INDEX IF NOT EXISTS {name}_expiry ON {name} (expires_at) "
            "WHERE expires_at IS NOT NULL"
        )

    # -- reads -------------------------------------------------------------------------
    def get(self, pk: str, sk: str) -> Item | None:
        row = (
            self._conn()
            .execute(
                f"SELECT data FROM {self._name} WHERE pk=? AND sk=? "
                "AND (expires_at IS NULL OR expires_at > ?)",
                (pk, sk, now()),
            )
            .fetchone()
        )
        return self._item(pk, sk, row[0]) if row else None

    def query(
        self,
        pk: str,
        *,
        sk_from: str | None = None,
        sk_to: str | None = None,
        reverse: bool = False,
        limit: int | None = None,
    ) -> Iterator[Item]:
        # Keyset paging: each page starts after the last sk seen, so a long scan reads
        # every row once (no OFFSET) and holds no read transaction between pages.
        lo, hi = sk_from, sk_to
        remaining = limit
        lo_inclusive, hi_inclusive = True, True
        while remaining is None or remaining > 0:
            page = _PAGE if remaining is None else min(_PAGE, remaining)
            sql = f"SELECT sk, data FROM {self._name} WHERE pk=?"
            args: list[Any] = [pk]
            if lo is not None:
                sql += " AND sk >= ?" if lo_inclusive else " AND sk > ?"
                args.append(lo)
            if hi is not None:
                sql += " AND sk <= ?" if hi_inclusive else " AND sk < ?"
                args.append(hi)
            sql += " AND (expires_at IS NULL OR expires_at > ?)"
            args.append(now())
            sql += f" ORDER BY sk {'DESC' if reverse else 'ASC'} LIMIT ?"
            args.append(page)
            rows = self._conn().execute(sql, args).fetchall()
            for sk, data in rows:
                yield self._item(pk, sk, data)
            if len(rows) < page:
                return
            if remaining is not None:
                remaining -= len(rows)
            if reverse:
                hi, hi_inclusive = rows[-1][0], False
            else:
                lo, lo_inclusive = rows[-1][0], False

    # -- writes ------------------------------------------------------------------------
    def put(
        self,
        item: Item,
        *,
        if_absent: bool = False,
        expect: Mapping[str, Any] | None = None,
    ) -> None:
        row = self._row(item)
        with self._transaction() as conn:
            if if_absent or expect is not None:
                self._check(conn, row[0], row[1], if_absent=if_absent, expect=expect)
            conn.execute(f"INSERT OR REPLACE INTO {self._name} VALUES (?, ?, ?, ?)", row)

    def delete(self, pk: str, sk: str, *, expect: Mapping[str, Any] | None = None) -> None:
        with self._transaction() as conn:
            if expect is not None:
                self._check(conn, pk, sk, if_absent=False, expect=expect)
            conn.execute(f"DELETE FROM {self._name} WHERE pk=? AND sk=?", (pk, sk))

    def put_many(self, items: Iterable[Item]) -> None:
        rows = [self._row(item) for item in items]
        if rows:
            with self._transaction() as conn:
                conn.executemany(f"INSERT OR REPLACE INTO {self._name} VALUES (?, ?, ?, ?)", rows)

    def delete_many(self, keys: Iterable[tuple[str, str]]) -> None:
        keys = list(keys)
        if keys:
            with self._transaction() as conn:
                conn.executemany(f"DELETE FROM {self._name} WHERE pk=? AND sk=?", keys)

    def scan_keys(
        self, *pk_prefixes: str, where: Mapping[str, str | int] | None = None
    ) -> Iterator[tuple[str, str]]:
        conditions, values = [], []
        for name, value in (where or {}).items():
            if not _NAME_RE.fullmatch(name):
                raise ValueError(f"invalid attribute name {name!r}")
            conditions.append(f" AND json_extract(data, '$.{name}') = ?")
            values.append(value)
        for prefix in pk_prefixes or ("",):
            yield from self._scan_range(prefix, "".join(conditions), values)

    def _scan_range(
        self, prefix: str, conditions: str, values: list[Any]
    ) -> Iterator[tuple[str, str]]:
        # [prefix, prefix with its last character incremented) is exactly the pks that
        # start with prefix (binary collation: UTF-8 order is code point order), read
        # off the primary key. Keyset pages: the caller may delete between them.
        upper = _successor(prefix)
        bounds = " AND pk >= ?" if prefix else ""
        args: list[Any] = [prefix] if prefix else []
        if upper is not None:
            bounds += " AND pk < ?"
            args.append(upper)
        elif prefix:
            bounds += " AND substr(pk, 1, ?) = ?"
            args += [len(prefix), prefix]
        after: tuple[str, str] | None = None
        while True:
            sql = f"SELECT pk, sk FROM {self._name} WHERE 1{bounds}{conditions}"
            page_args = [*args, *values]
            if after is not None:
                sql += " AND (pk, sk) > (?, ?)"
                page_args += after
            rows = self._conn().execute(f"{sql} ORDER BY pk, sk LIMIT {_PAGE}", page_args)
            keys = [(str(pk), str(sk)) for pk, sk in rows.fetchall()]
            yield from keys
            if len(keys) < _PAGE:
                return
            after = keys[-1]

    # -- maintenance (the embedded sweep; not part of the ItemTable port) ---------------
    @property
    def database(self) -> SqliteDatabase:
        return self._db

    @property
    def name(self) -> str:
        return self._name

    def purge_expired(self, at: int | None = None) -> int:
        """Delete every item whose expires_at has passed; returns how many."""
        with self._transaction() as conn:
            cursor = conn.execute(
                f"DELETE FROM {self._name} WHERE expires_at IS NOT NULL AND expires_at <= ?",
                (now() if at is None else at,),
            )
            return cursor.rowcount

    def scan(self, *, pk_prefix: str, sk: str) -> Iterator[Item]:
        """Live items whose pk starts with pk_prefix and whose sk is sk (small tables)."""
        rows = (
            self._conn()
            .execute(
                f"SELECT pk, data FROM {self._name} WHERE sk=? AND substr(pk, 1, ?) = ? "
                "AND (expires_at IS NULL OR expires_at > ?)",
                (sk, len(pk_prefix), pk_prefix, now()),
            )
            .fetchall()
        )
        for pk, data in rows:
            yield self._item(pk, sk, data)

    # -- helpers -----------------------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        return self._db.connection()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE takes the write lock first, so check-then-write is atomic."""
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StorageError(f"sqlite is busy: {exc}") from exc
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _check(
        self,
        conn: sqlite3.Connection,
        pk: str,
        sk: str,
        *,
        if_absent: bool,
        expect: Mapping[str, Any] | None,
    ) -> None:
        row = conn.execute(
            f"SELECT data FROM {self._name} WHERE pk=? AND sk=?", (pk, sk)
        ).fetchone()
        current = self._item(pk, sk, row[0]) if row else None
        if current is not None and not is_live(current):
            current = None
        if if_absent and current is not None:
            raise ConditionFailed(f"item {pk}/{sk} exists")
        if expect is not None:
            if current is None:
                raise ConditionFailed(f"item {pk}/{sk} is absent")
            for key, value in expect.items():
                if current.get(key) != value:
                    raise ConditionFailed(f"item {pk}/{sk} changed ({key})")

    @staticmethod
    def _row(item: Item) -> tuple[str, str, str, int | None]:
        pk, sk = item["pk"], item["sk"]
        if not isinstance(pk, str) or not isinstance(sk, str) or not pk or not sk:
            raise ValueError("items need non-empty string pk and sk")
        attrs = {k: v for k, v in item.items() if k not in ("pk", "sk") and v is not None}
        expires = attrs.get(TTL_ATTRIBUTE)
        return pk, sk, codec.encode(attrs), int(expires) if expires is not None else None

    @staticmethod
    def _item(pk: str, sk: str, data: str) -> Item:
        item = codec.decode(data)
        item["pk"] = pk
        item["sk"] = sk
        return item
