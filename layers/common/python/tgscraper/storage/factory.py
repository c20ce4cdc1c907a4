"""Builds the store set for the configured backend (embedded by default, or AWS)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tgscraper.config import Settings
from tgscraper.storage.ports import BlobStore, ItemTable
from tgscraper.storage.sessions import SessionStore


@dataclass
class Stores:
    sessions: SessionStore
    leases: ItemTable
    qr: ItemTable
    messages: ItemTable
    media: ItemTable
    blobs: BlobStore


def build_embedded_stores(settings: Settings) -> Stores:
    from tgscraper.storage.file_sessions import TelethonFileSessionStore
    from tgscraper.storage.fs_blobs import FolderBlobStore
    from tgscraper.storage.sqlite_table import SqliteDatabase, SqliteItemTable

    root = settings.data_dir
    # secure_delete: the qr table holds temporary auth keys; a wiped one must be gone.
    db = SqliteDatabase(root / "store.sqlite3", secure_delete=True)
    cache = SqliteDatabase(root / "cache.sqlite3")
    return Stores(
        sessions=TelethonFileSessionStore(root / "sessions"),
        leases=SqliteItemTable(db, "leases"),
        qr=SqliteItemTable(db, "qr"),
        messages=SqliteItemTable(cache, "messages"),
        media=SqliteItemTable(db, "media"),
        blobs=FolderBlobStore(root / "media"),
    )


def build_aws_stores(
    settings: Settings, client_factory: Callable[[str], Callable[[], Any]] | None = None
) -> Stores:
    from tgscraper.storage.aws_clients import boto3_client_factory
    from tgscraper.storage.dynamodb_table import DynamoItemTable
    from tgscraper.storage.item_sessions import ItemTableSessionStore
    from tgscraper.storage.s3_blobs import S3BlobStore

    make = client_factory or (lambda svc: boto3_client_factory(svc, settings.aws_endpoint_url))
    dynamo = make("dynamodb")
    return Stores(
        sessions=ItemTableSessionStore(DynamoItemTable(settings.sessions_table, dynamo)),
        # A table of its own: functions that take the lease need no delete right on logins.
        leases=DynamoItemTable(settings.leases_table, dynamo),
        qr=DynamoItemTable(settings.qr_table, dynamo),
        messages=DynamoItemTable(settings.messages_table, dynamo),
        media=DynamoItemTable(settings.media_table, dynamo),
        blobs=S3BlobStore(settings.media_bucket, make("s3")),
    )


def build_stores(settings: Settings) -> Stores:
    if settings.storage_backend == "aws":
        return build_aws_stores(settings)
    return build_embedded_stores(settings)
