"""The X-API-Key Lambda authorizer: its sample event replayed with the key in SSM (moto)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.authorizer import authorizer_app
from functions.authorizer.authorizer_app import KeyCache

EVENT = json.loads(
    (Path(__file__).resolve().parents[3] / "events" / "authorizer_request.json").read_text()
)
KEY = EVENT["headers"]["x-api-key"]
PARAM = "/tgscraper/api-key"


def _event(key: str | None) -> dict[str, Any]:
    event = copy.deepcopy(EVENT)
    event["headers"].pop("x-api-key")
    if key is not None:
        event["headers"]["x-api-key"] = key
    return event


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto SSM, API_KEY_PARAM set, and a fresh key cache for each test."""
    monkeypatch.setenv("API_KEY_PARAM", PARAM)
    monkeypatch.setattr(authorizer_app, "_cache", KeyCache())
    with mock_aws():
        yield boto3.client("ssm")


def _store(ssm: Any, value: str) -> None:
    ssm.put_parameter(Name=PARAM, Value=value, Type="SecureString", Overwrite=True)


def test_the_sample_event_with_the_stored_key_is_authorized(ssm: Any) -> None:
    _store(ssm, KEY)
    assert authorizer_app.handler(EVENT, None) == {"isAuthorized": True}


@pytest.mark.parametrize("given", [None, "", "wrong-key-0123456789abcdef", KEY + "x", KEY[:-1]])
def test_a_missing_or_wrong_key_is_denied(ssm: Any, given: str | None) -> None:
    _store(ssm, KEY)
    assert authorizer_app.handler(_event(given), None) == {"isAuthorized": False}


def test_header_name_case_does_not_matter(ssm: Any) -> None:
    _store(ssm, KEY)
    event = _event(None)
    event["headers"]["X-Api-Key"] = KEY
    assert authorizer_app.handler(event, None)["isAuthorized"] is True


def test_several_keys_allow_rotation(ssm: Any) -> None:
    other = "second-key-for-rotation-0001"
    _store(ssm, f"{KEY}, {other}\n")
    assert authorizer_app.handler(_event(KEY), None)["isAuthorized"] is True
    assert authorizer_app.handler(_event(other), None)["isAuthorized"] is True


def test_without_the_parameter_every_request_is_denied(ssm: Any) -> None:
    assert authorizer_app.handler(EVENT, None) == {"isAuthorized": False}


def test_without_api_key_param_every_request_is_denied(
    ssm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(ssm, KEY)
    monkeypatch.delenv("API_KEY_PARAM")
    assert authorizer_app.handler(EVENT, None) == {"isAuthorized": False}


def test_short_keys_are_never_accepted(ssm: Any) -> None:
    _store(ssm, "short")
    assert authorizer_app.handler(_event("short"), None) == {"isAuthorized": False}


def test_a_failed_load_is_retried_on_the_next_request(ssm: Any) -> None:
    assert authorizer_app.handler(EVENT, None)["isAuthorized"] is False  # not stored yet
    _store(ssm, KEY)
    assert authorizer_app.handler(EVENT, None)["isAuthorized"] is True


def test_a_rotated_out_key_stops_working_after_the_cache_lifetime() -> None:
    now = [0.0]
    value = [KEY]
    cache = KeyCache(loader=lambda _name: value[0], ttl=300, clock=lambda: now[0])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("API_KEY_PARAM", PARAM)
        assert cache.keys() == (KEY.encode(),)
        value[0] = "the-replacement-key-000000"
        now[0] = 299.0
        assert cache.keys() == (KEY.encode(),)  # still cached
        now[0] = 300.0
        assert cache.keys() == (b"the-replacement-key-000000",)
