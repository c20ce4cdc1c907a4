"""Fixtures of the adversarial suite (helpers live in rig.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.adversarial.rig import Rig, new_rig
from tgscraper.config import Settings


@pytest.fixture
def rig(any_settings: Settings) -> Rig:
    return new_rig(any_settings)


@pytest.fixture
def http(rig: Rig) -> Iterator[TestClient]:
    with TestClient(rig.app()) as client:
        yield client


@pytest.fixture(autouse=True)
def _not_on_lambda(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "AWS_LAMBDA_FUNCTION_NAME",
        "HISTORY_BUDGET",
        "HISTORY_MAX_RESPONSE_BYTES",
        "FILES_INLINE_MAX_BYTES",
        "FILES_WAIT_SECONDS",
    ):
        monkeypatch.delenv(name, raising=False)
