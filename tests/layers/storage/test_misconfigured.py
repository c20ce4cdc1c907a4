"""Configuration errors are not outages (issue 12, item 6).

GIVEN the AWS adapters on moto with a table or the bucket missing, no region, or
credentials the account does not know / that may not read,
WHEN a request needs that store,
THEN the answer is a non-retryable 500 whose detail names what is wrong and which
variable to check (never the outage's 503 + Retry-After), and the problem is logged once
per process, not once per request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from moto import mock_aws
from moto import settings as moto_settings

from local.app import create_local_app
from local.demo import demo_client_factory
from local.simtg import SimulatedTelegram
from tests.support.aws import aws_test_settings, create_aws_resources
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.errors import StorageMisconfigured
from tgscraper.storage import aws_clients
from tgscraper.storage.factory import build_aws_stores
from tgscraper.storage.ports import StorageError

USER = {"X-Telegram-Username": "john_doe"}


@pytest.fixture(autouse=True)
def _fresh_log_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws_clients, "_logged", set())


def _client(settings: Settings) -> TestClient:
    return TestClient(create_local_app(settings), raise_server_exceptions=False)


def _assert_config_error(resp: object, *words: str) -> str:
    assert resp.status_code == 500, resp.text  # type: ignore[attr-defined]
    assert "retry-after" not in resp.headers  # type: ignore[attr-defined]
    detail: str = resp.json()["detail"]  # type: ignore[attr-defined]
    for word in words:
        assert word in detail, detail
    return detail


def test_a_missing_sessions_table_is_a_500_naming_the_table_and_variable(
    aws_settings: Settings,
) -> None:
    boto3.client("dynamodb").delete_table(TableName=aws_settings.sessions_table)
    resp = _client(aws_settings).get("/api/v3/folders", headers=USER)
    detail = _assert_config_error(resp, "test-sessions", "SESSIONS_TABLE")
    assert detail == "DynamoDB table 'test-sessions' does not exist (check SESSIONS_TABLE)"


def test_a_missing_qr_table_fails_the_login_start_clearly(aws_settings: Settings) -> None:
    boto3.client("dynamodb").delete_table(TableName=aws_settings.qr_table)
    resp = _client(aws_settings).post("/api/v3/auth/qr", json={"username": "john_doe"})
    _assert_config_error(resp, "'test-qr' does not exist", "QR_TABLE")


def test_a_missing_bucket_is_a_configuration_error_naming_media_bucket(
    aws_settings: Settings,
) -> None:
    boto3.client("s3").delete_bucket(Bucket=aws_settings.media_bucket)
    blobs = build_aws_stores(aws_settings).blobs
    for call in (lambda: blobs.read("k"), blobs.check, lambda: _write(blobs)):  # type: ignore[attr-defined]
        with pytest.raises(StorageMisconfigured) as info:
            call()
        assert info.value.detail == (
            "S3 bucket 'test-media-bucket' does not exist (check MEDIA_BUCKET)"
        )


def _write(blobs: object) -> None:
    writer = blobs.open_writer("k")  # type: ignore[attr-defined]
    writer.write(b"x")
    writer.commit()


def test_no_region_is_a_500_saying_to_set_aws_region_logged_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    client = _client(aws_test_settings(tmp_path))
    with caplog.at_level(logging.ERROR, logger="tgscraper.storage"):
        for _ in range(3):
            resp = client.get("/api/v3/folders", headers=USER)
            _assert_config_error(resp, "No AWS region", "AWS_REGION")
    logged = [r for r in caplog.records if "No AWS region" in r.getMessage()]
    assert len(logged) == 1


@pytest.fixture
def denied_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """moto enforcing IAM, the app running as a user with no permissions at all."""
    with mock_aws():
        settings = aws_test_settings(tmp_path)
        create_aws_resources(settings)
        key = (
            boto3.client("iam").create_user(UserName="nobody")
            and boto3.client("iam").create_access_key(UserName="nobody")["AccessKey"]
        )
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        monkeypatch.delenv("AWS_SESSION_TOKEN")
        monkeypatch.delenv("AWS_SECURITY_TOKEN")
        monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
        yield settings


def test_access_denied_is_a_500_about_iam_permissions(denied_settings: Settings) -> None:
    resp = _client(denied_settings).get("/api/v3/folders", headers=USER)
    _assert_config_error(resp, "Access denied", "test-sessions", "IAM permissions")


def test_unknown_credentials_are_a_configuration_error(
    denied_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOSUCHKEY0000000")
    resp = _client(denied_settings).get("/api/v3/folders", headers=USER)
    _assert_config_error(resp, "test-sessions")


def test_an_outage_is_still_a_retryable_storage_error() -> None:
    """Throttling is transient: it stays the outage error (503 + Retry-After)."""
    from botocore.exceptions import ClientError

    error = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem")
    failure = aws_clients.storage_failure(error, "get_item", "DynamoDB table 't'", "QR_TABLE")
    assert type(failure) is StorageError


def test_a_missing_message_cache_ends_history_with_a_500_not_a_retry(
    aws_settings: Settings,
) -> None:
    """The history stream (SSE) of a logged-in user whose message-cache table is gone:
    the error (an answer, or the stream's error event) says 500 and what to check."""
    sim = SimulatedTelegram.demo()
    container = Container(aws_settings, client_factory=demo_client_factory(sim), mode="demo")
    client = TestClient(
        create_local_app(aws_settings, container, simulator=sim), raise_server_exceptions=False
    )
    demo_user = {"X-Telegram-Username": "demo_user"}
    token = client.post("/api/v3/auth/qr", json={"username": "demo_user"}).json()["token"]
    client.get(f"/api/v3/auth/qr/{token}")
    assert client.post(f"/api/v3/demo/qr/{token}/approve").status_code == 200
    assert client.get(f"/api/v3/auth/qr/{token}").json()["status"] == "success"
    found = client.get("/api/v3/search/dialogs", params={"q": "a"}, headers=demo_user).json()
    dialog_id = found["results"][0]["id"]
    boto3.client("dynamodb").delete_table(TableName=aws_settings.messages_table)

    resp = client.get(f"/api/v3/history/{dialog_id}", headers=demo_user)
    if resp.status_code != 200:
        _assert_config_error(resp, "'test-messages' does not exist", "MESSAGES_TABLE")
        return
    errors = [
        json.loads(line[6:])
        for frame in resp.text.split("\n\n")
        if "event: error" in frame
        for line in frame.splitlines()
        if line.startswith("data: ")
    ]
    assert len(errors) == 1, resp.text
    assert errors[0]["status"] == 500 and errors[0]["retry_after"] is None
    assert "'test-messages' does not exist (check MESSAGES_TABLE)" in errors[0]["detail"]
