"""Readiness (`GET /health?deep=true`): plain /health stays cheap, the deep check probes
every store and the Telegram credentials and names each problem (issue 12, item 6).

Through HTTP (the local app) and through the info Lambda handler replaying
events/info_health_deep.json, on moto.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from functions.info import app as info_app
from local.app import create_local_app
from tests.support.aws import aws_test_settings
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage import aws_clients

EVENTS = Path(__file__).resolve().parents[3] / "events"
STORES = [
    "storage.sessions",
    "storage.leases",
    "storage.qr",
    "storage.messages",
    "storage.media",
    "storage.blobs",
]


@pytest.fixture(autouse=True)
def _fresh_log_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aws_clients, "_logged", set())


def _checks(body: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in body["checks"]}


def test_plain_health_touches_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No region, no tables: /health still answers healthy (it is liveness only)."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    resp = TestClient(create_local_app(aws_test_settings(tmp_path))).get("/health")
    assert resp.status_code == 200
    body = resp.json()
    demo = body.pop("demo")  # demo mode only: the notable dialogs (tests/local/test_demo_world.py)
    assert body == {
        "status": "healthy",
        "mode": "demo",
        "storage": "aws",
        "version": "3.0.0",
    }
    assert demo["notable_dialogs"]


def test_deep_health_is_ready_when_every_store_answers(aws_settings: Settings) -> None:
    resp = TestClient(create_local_app(aws_settings)).get("/health?deep=true")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ready"
    checks = _checks(body)
    assert [n for n in checks if n.startswith("storage.")] == STORES
    assert all(checks[n]["status"] == "ok" for n in STORES)
    assert checks["telegram_credentials"]["status"] == "skipped"  # demo mode


def test_deep_health_names_a_missing_table_and_bucket(aws_settings: Settings) -> None:
    boto3.client("dynamodb").delete_table(TableName=aws_settings.media_table)
    boto3.client("s3").delete_bucket(Bucket=aws_settings.media_bucket)
    resp = TestClient(create_local_app(aws_settings)).get("/health?deep=true")
    assert resp.status_code == 200
    assert "retry-after" not in resp.headers
    body = resp.json()
    assert body["status"] == "not_ready"
    checks = _checks(body)
    assert checks["storage.media"] == {
        "name": "storage.media",
        "status": "error",
        "detail": "DynamoDB table 'test-media' does not exist (check MEDIA_TABLE)",
    }
    assert checks["storage.blobs"]["detail"] == (
        "S3 bucket 'test-media-bucket' does not exist (check MEDIA_BUCKET)"
    )
    assert checks["storage.sessions"]["status"] == "ok"


def test_deep_health_without_a_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    resp = TestClient(create_local_app(aws_test_settings(tmp_path))).get("/health?deep=true")
    assert resp.status_code == 200 and resp.json()["status"] == "not_ready"
    checks = _checks(resp.json())
    for name in STORES:
        assert "No AWS region is configured" in checks[name]["detail"], name


def test_deep_health_reports_missing_telegram_credentials_in_ssm(
    aws_settings: Settings,
) -> None:
    settings = Settings(
        **{
            **aws_settings.__dict__,
            "telegram_api_id_param": "/tg/api-id",
            "telegram_api_hash_param": "/tg/api-hash",
        }
    )
    app = create_local_app(settings, Container(settings, mode="telegram"))
    resp = TestClient(app).get("/health?deep=true")
    assert resp.status_code == 200 and resp.json()["status"] == "not_ready"
    check = _checks(resp.json())["telegram_credentials"]
    assert check["status"] == "error"
    assert "Telegram API credentials" in check["detail"]
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/tg/api-id", Value="12345", Type="String")
    ssm.put_parameter(Name="/tg/api-hash", Value="abcdef", Type="SecureString")
    app.state.readiness = None  # drop the few-seconds cache
    resp = TestClient(app).get("/health?deep=true")
    assert resp.status_code == 200
    assert _checks(resp.json())["telegram_credentials"]["status"] == "ok"


def test_a_bad_deep_value_is_a_400() -> None:
    resp = TestClient(info_app.app).get("/health?deep=maybe")
    assert resp.status_code == 400
    assert "deep" in resp.json()["detail"]


def _invoke(event: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    resp = info_app.handler(event, None)
    return resp["statusCode"], json.loads(resp["body"]), resp.get("headers", {})


def test_the_readiness_event_replays_through_the_info_lambda(
    aws_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    event = json.loads((EVENTS / "info_health_deep.json").read_text())
    assert event["routeKey"] == "GET /health" and event["rawQueryString"] == "deep=true"
    container = Container(aws_settings, mode="telegram")
    monkeypatch.setattr(info_app.app.state, "container", container)
    monkeypatch.setattr(info_app.app.state, "readiness", None, raising=False)
    # Lambda has no credentials in env; none in SSM either: the check says so.
    monkeypatch.setattr(
        container,
        "settings",
        Settings(
            **{
                **aws_settings.__dict__,
                "telegram_api_id_param": "/a",
                "telegram_api_hash_param": "/b",
            }
        ),
    )
    status, body, _ = _invoke(event)
    assert status == 200 and body["status"] == "not_ready"
    checks = _checks(body)
    assert all(checks[n]["status"] == "ok" for n in STORES)
    assert checks["telegram_credentials"]["status"] == "error"

    boto3.client("dynamodb").delete_table(TableName=aws_settings.qr_table)
    info_app.app.state.readiness = None
    status, body, _ = _invoke(event)
    assert status == 200 and body["status"] == "not_ready"
    assert _checks(body)["storage.qr"]["detail"] == (
        "DynamoDB table 'test-qr' does not exist (check QR_TABLE)"
    )
