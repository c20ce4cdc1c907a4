"""The QR start limits through the auth Lambda handler: the events/auth_start_qr.json
sample replayed (each invocation a cold instance over DynamoDB under moto), limited by
the API Gateway's requestContext.http.sourceIp, never by the spoofable X-Forwarded-For."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import LambdaDriver, load_event
from tgscraper.auth import start_limits
from tgscraper.config import Settings

SAMPLE_SOURCE_IP = load_event("auth_start_qr.json")["requestContext"]["http"]["sourceIp"]


@pytest.fixture
def lambda_driver(aws_settings: Settings, sim: SimulatedTelegram) -> Iterator[LambdaDriver]:
    from functions.auth import app as auth_module

    original = auth_module.app.state.container
    yield LambdaDriver(aws_settings, sim)
    auth_module.app.state.container = original


def test_the_lambda_handler_limits_starts_by_source_ip(
    lambda_driver: LambdaDriver, sim: SimulatedTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the default limits and the sample event's sourceIp (each start a new instance)
    WHEN 10 starts for 10 usernames come from it, then an 11th
    THEN the 11th is a 429 with Retry-After and a detail, while a start from another
    sourceIp (the same X-Forwarded-For header as the sample) still gets a QR; once the
    window has passed, the first address may start again."""
    at = [start_limits._now()]
    monkeypatch.setattr(start_limits, "_now", lambda: at[0])
    for i in range(10):
        assert lambda_driver.start(f"user{i}").status == 200
    refused = lambda_driver.start("user10")
    assert refused.status == 429
    assert set(refused.body) == {"detail"} and "address" in refused.body["detail"]
    assert int(refused.headers["retry-after"]) == 600

    lambda_driver.source_ip = "198.51.100.20"
    assert lambda_driver.start("user10").status == 200

    lambda_driver.source_ip = SAMPLE_SOURCE_IP
    at[0] += 600
    assert lambda_driver.start("user11").status == 200
