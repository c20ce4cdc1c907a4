"""Telegram API credentials from the environment or SSM Parameter Store (moto)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from tgscraper.config import Settings
from tgscraper.errors import TelegramUnavailable
from tgscraper.telegram.credentials import resolve_credentials


def test_plain_values_win() -> None:
    assert resolve_credentials(Settings(telegram_api_id=7, telegram_api_hash="h")) == (7, "h")


def test_no_credentials_is_a_clear_502_error() -> None:
    with pytest.raises(TelegramUnavailable, match="not configured"):
        resolve_credentials(Settings())
    assert Settings().demo_mode


def test_read_from_ssm_with_decryption() -> None:
    with mock_aws():
        ssm = boto3.client("ssm")
        ssm.put_parameter(Name="/t/id", Value="12345", Type="SecureString")
        ssm.put_parameter(Name="/t/hash", Value="abcdef", Type="SecureString")
        settings = Settings(telegram_api_id_param="/t/id", telegram_api_hash_param="/t/hash")
        assert not settings.demo_mode
        assert resolve_credentials(settings) == (12345, "abcdef")


def test_missing_ssm_parameter_is_a_clear_error() -> None:
    with mock_aws():
        boto3.client("ssm").put_parameter(Name="/t/id", Value="not-a-number", Type="String")
        settings = Settings(telegram_api_id_param="/t/id", telegram_api_hash_param="/t/hash")
        with pytest.raises(TelegramUnavailable, match="missing or malformed"):
            resolve_credentials(settings)
