"""Everything a store set holds, read raw (not through the adapters), for tests that
prove what is left after a wipe: every table's rows and every stored file or object.

A dump maps a place ("sqlite:cache.sqlite3/messages", "dynamodb:MessagesTable",
"files:sessions", "s3:MediaBucket") to {key: text}. `mentions` finds an identifier
there as a whole token (so "alice" is not found inside "alice2"; use names without ".").
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import boto3

from tests.support.aws import TABLE_SETTINGS
from tgscraper.config import Settings

Dump = dict[str, dict[str, str]]

_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")  # "." splits: "alice.session" names alice
# FTS5's own b-tree pages (segments, doclists): rewritten by every change, and hold no
# document text of their own (the text is in <table>_text_content, which is dumped).
_FTS_INTERNALS = ("_text_data", "_text_idx", "_text_docsize", "_text_config")
_DB_FILES = re.compile(r"^(store|cache)\.sqlite3(-wal|-shm|-journal)?$")


def dump(settings: Settings) -> Dump:
    if settings.storage_backend == "aws":
        return _dump_aws(settings)
    return _dump_embedded(settings.data_dir)


def mentions(data: Dump, word: str) -> list[str]:
    """Where `word` occurs as a whole token, in a key or a value: "place key"."""
    return [
        f"{place} {key}"
        for place, rows in data.items()
        for key, text in rows.items()
        if word in _TOKEN.findall(key) or word in _TOKEN.findall(text)
    ]


def _dump_embedded(root: Path) -> Dump:
    out: Dump = {}
    for name in ("store.sqlite3", "cache.sqlite3"):
        path = root / name
        if not path.exists():
            continue
        conn = sqlite3.connect(path)
        try:
            tables = [
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                if not row[0].endswith(_FTS_INTERNALS) and not row[0].startswith("sqlite_")
            ]
            for table in tables:
                rows = conn.execute(f"SELECT * FROM {table}").fetchall()
                out[f"sqlite:{name}/{table}"] = {repr(row[:2]): repr(row) for row in rows}
        finally:
            conn.close()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if _DB_FILES.match(path.name) and path.parent == root:
            continue
        rel = path.relative_to(root)
        out.setdefault(f"files:{rel.parts[0]}", {})[str(rel)] = f"{path.stat().st_size} bytes"
    return out


def _dump_aws(settings: Settings) -> Dump:
    from boto3.dynamodb.types import TypeDeserializer

    de = TypeDeserializer()
    dynamodb = boto3.client("dynamodb")
    out: Dump = {}
    for logical, field in TABLE_SETTINGS.items():
        rows: dict[str, str] = {}
        for page in dynamodb.get_paginator("scan").paginate(TableName=getattr(settings, field)):
            for raw in page["Items"]:
                item: dict[str, Any] = {k: de.deserialize(v) for k, v in raw.items()}
                rows[f"{item['pk']} {item['sk']}"] = repr(sorted(item.items()))
        out[f"dynamodb:{logical}"] = rows
    s3 = boto3.client("s3")
    objects: dict[str, str] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=settings.media_bucket):
        for obj in page.get("Contents", []):
            objects[obj["Key"]] = f"{obj['Size']} bytes"
    out["s3:MediaBucket"] = objects
    return out
