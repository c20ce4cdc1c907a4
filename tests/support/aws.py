"""Creates the DynamoDB tables and S3 bucket under moto from template.yaml's own resource
definitions (key schema, TTL attribute), so tests and template cannot drift apart."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import yaml

from tgscraper.config import Settings

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# template.yaml property -> Settings field naming the physical resource in tests
TABLE_SETTINGS = {
    "SessionsTable": "sessions_table",
    "LeasesTable": "leases_table",
    "QrTable": "qr_table",
    "MessagesTable": "messages_table",
    "MediaTable": "media_table",
    "AccountsTable": "accounts_table",
}


class _CfnLoader(yaml.SafeLoader):
    """YAML loader that accepts CloudFormation short tags (!Ref, !Sub, ...)."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return {suffix: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {suffix: loader.construct_sequence(node)}
    return {suffix: loader.construct_mapping(node)}  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _any_tag)


def load_template() -> dict[str, Any]:
    with open(TEMPLATE) as fh:
        data: dict[str, Any] = yaml.load(fh, Loader=_CfnLoader)
    return data


def aws_test_settings(tmp_path: Path | None = None) -> Settings:
    return Settings(
        storage_backend="aws",
        data_dir=tmp_path or Path("data"),
        sessions_table="test-sessions",
        leases_table="test-leases",
        qr_table="test-qr",
        messages_table="test-messages",
        media_table="test-media",
        accounts_table="test-accounts",
        media_bucket="test-media-bucket",
    )


def create_aws_resources(settings: Settings) -> None:
    """Call inside mock_aws: every table and the bucket as template.yaml declares them."""
    resources = load_template()["Resources"]
    dynamodb = boto3.client("dynamodb")
    for logical_id, field in TABLE_SETTINGS.items():
        props = resources[logical_id]["Properties"]
        name = getattr(settings, field)
        dynamodb.create_table(
            TableName=name,
            AttributeDefinitions=props["AttributeDefinitions"],
            KeySchema=props["KeySchema"],
            BillingMode=props["BillingMode"],
        )
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
    boto3.client("s3").create_bucket(Bucket=settings.media_bucket)


@contextmanager
def atomic_dynamodb_writes() -> Iterator[None]:
    """Make moto's in-process DynamoDB honour DynamoDB's per-item write atomicity.

    Real DynamoDB evaluates a ConditionExpression and applies the write atomically; moto's
    backend reads, checks and writes without a lock, so two threads can both pass the
    same condition and one update is lost (the concurrent compare-and-set contract test
    failed about one run in five). One lock around every write method gives the fake the
    guarantee the real service documents; the adapter's code is unchanged.
    """
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    names = ("put_item", "update_item", "delete_item", "transact_write_items")
    originals = {name: getattr(DynamoDBBackend, name) for name in names}

    def _locked(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def write(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return original(*args, **kwargs)

        return write

    for name, original in originals.items():
        setattr(DynamoDBBackend, name, _locked(original))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(DynamoDBBackend, name, original)
