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
    accounts: ItemTable
    """Username -> Telegram account binding and access tokens (tgscraper.accounts)."""


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
        # In the secure_delete database: it holds token hashes and account bindings.
        accounts=SqliteItemTable(db, "accounts"),
    )


def build_aws_stores(
    settings: Settings, client_factory: Callable[[str], Callable[[], Any]] | None = None
) -> Stores:
    from tgscraper.storage.aws_clients import (
        NO_REGION,
        aws_region,
        boto3_client_factory,
        log_once,
    )
    from tgscraper.storage.dynamodb_table import DynamoItemTable
    from tgscraper.storage.item_sessions import ItemTableSessionStore
    from tgscraper.storage.s3_blobs import S3BlobStore

    make = client_factory or (lambda svc: boto3_client_factory(svc, settings.aws_endpoint_url))
    if client_factory is None and aws_region() is None and not _config_file_region():
        # Logged at the first use of the stores (a cold start), before any request fails.
        log_once(NO_REGION)
    dynamo = make("dynamodb")

    def table(name: str, env: str) -> DynamoItemTable:
        return DynamoItemTable(name, dynamo, env=env)

    return Stores(
        sessions=ItemTableSessionStore(table(settings.sessions_table, "SESSIONS_TABLE")),
        # A table of its own: functions that take the lease need no delete right on logins.
        leases=table(settings.leases_table, "LEASES_TABLE"),
        qr=table(settings.qr_table, "QR_TABLE"),
        messages=table(settings.messages_table, "MESSAGES_TABLE"),
        media=table(settings.media_table, "MEDIA_TABLE"),
        blobs=S3BlobStore(settings.media_bucket, make("s3"), env="MEDIA_BUCKET"),
        accounts=table(settings.accounts_table, "ACCOUNTS_TABLE"),
    )


def _config_file_region() -> str | None:
    import boto3

    region: str | None = boto3.session.Session().region_name  # ~/.aws/config, AWS_PROFILE
    return region


def build_stores(settings: Settings) -> Stores:
    if settings.storage_backend == "aws":
        return build_aws_stores(settings)
    return build_embedded_stores(settings)
