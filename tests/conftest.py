"""Shared fixtures. AWS is always moto; Telegram is always the simulated Telegram."""

from __future__ import annotations

import asyncio
import inspect
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Fake credentials before anything can build a boto3 client: nothing may reach AWS.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SECURITY_TOKEN="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
)
os.environ.pop("AWS_ENDPOINT_URL", None)
# Tests that pose as Lambda (AWS_LAMBDA_FUNCTION_NAME) must not switch the whole
# process to JSON logs; tests/test_observability.py turns JSON on where it checks it.
os.environ["LOG_FORMAT"] = "text"
os.environ.pop("TELEGRAM_API_ID", None)
os.environ.pop("TELEGRAM_API_HASH", None)

from moto import mock_aws

from tests.support.aws import atomic_dynamodb_writes, aws_test_settings, create_aws_resources
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores, build_aws_stores, build_embedded_stores


@pytest.fixture(autouse=True)
def _current_event_loop_for_sync_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give every synchronous test a current, open event loop, as the Lambda runtime has.

    Mangum runs each invocation with asyncio.get_event_loop(); pytest-asyncio leaves no
    current loop behind after an async test, which would make handler tests depend on
    test order. Async tests keep pytest-asyncio's own loop.
    """
    if inspect.iscoroutinefunction(getattr(request, "function", None)):
        yield
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


@pytest.fixture
def aws_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings for the AWS adapter set, with moto running and resources created."""
    with mock_aws(), atomic_dynamodb_writes():
        settings = aws_test_settings(tmp_path)
        create_aws_resources(settings)
        yield settings


@pytest.fixture
def embedded_settings(tmp_path: Path) -> Settings:
    return Settings(storage_backend="embedded", data_dir=tmp_path / "data")


@pytest.fixture(params=["embedded", "aws"])
def any_settings(request: pytest.FixtureRequest) -> Settings:
    """Parametrizes a test over both adapter sets."""
    fixture = "embedded_settings" if request.param == "embedded" else "aws_settings"
    settings: Settings = request.getfixturevalue(fixture)
    return settings


@pytest.fixture
def stores(any_settings: Settings) -> Stores:
    if any_settings.storage_backend == "aws":
        return build_aws_stores(any_settings)
    return build_embedded_stores(any_settings)
