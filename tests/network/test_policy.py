"""The deadline and retry settings: read from the environment, refused when unusable."""

from __future__ import annotations

import pytest

from tgscraper.config import Settings
from tgscraper.telegram.policy import Policy


def test_policy_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TIMEOUT", "4.5")
    monkeypatch.setenv("TELEGRAM_CONNECT_RETRIES", "0")
    monkeypatch.setenv("TELEGRAM_RETRY_DELAY", "0.25")
    policy = Policy.from_settings(Settings.from_env())
    assert (policy.timeout, policy.connect_retries, policy.retry_delay) == (4.5, 0, 0.25)
    assert policy.client_kwargs()["auto_reconnect"] is False


def test_defaults_fit_inside_an_api_gateway_request() -> None:
    policy = Policy.from_settings(Settings())
    assert policy.timeout == 10.0 and policy.connect_retries == 2


@pytest.mark.parametrize(
    "values",
    [
        {"telegram_timeout": 0.0},
        {"telegram_timeout": 3600.0},
        {"telegram_connect_retries": -1},
        {"telegram_retry_delay": 99.0},
    ],
)
def test_unusable_values_are_refused_naming_the_setting(values: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="TELEGRAM_"):
        Policy.from_settings(Settings(**values))  # type: ignore[arg-type]


def test_a_negative_timeout_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TIMEOUT", "-1")
    with pytest.raises(ValueError):
        Settings.from_env()
