"""Schema fuzzing: Schemathesis generates requests for every operation of the app's own
OpenAPI (demo mode: every router plus the demo route), valid and invalid, and checks each
answer: never an unexpected 5xx, the status, media type, headers and body as documented,
invalid input rejected with a 4xx, and every error exactly {"detail": str}.

Half the cases are steered at real things (alice's header, the big channel's id, an
indexed media uuid, a pending QR token), so the fuzzer also reaches the deep paths:
SSE history with random dates and chunk sizes, downloads with random Range headers.
Bounded and derandomized for CI: ADVERSARIAL_FUZZ_EXAMPLES examples per operation
(default 60, ~10 s); ADVERSARIAL_FUZZ_RANDOM=1 explores new examples on every run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.adversarial.rig import Rig, new_rig
from tests.support.files import index_media, media_message
from tests.support.history import ALICE
from tgscraper.config import Settings

EXAMPLES = int(os.environ.get("ADVERSARIAL_FUZZ_EXAMPLES", "60"))
RANDOM = os.environ.get("ADVERSARIAL_FUZZ_RANDOM") == "1"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The rig (embedded, as `make run` serves demo mode) and real ids to steer at."""
    # QR start limits off: every steered case starts a login of its own (hundreds).
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("fuzz") / "data",
        qr_start_limit_per_address=0,
        qr_start_limit_per_username=0,
    )
    rig = new_rig(settings)
    peer, message = media_message(rig.world, "document", max_size=256 * 1024)
    entry = index_media(rig.raw, ALICE, peer, message)
    app = rig.app()
    with TestClient(app) as http:

        def pending_login() -> str:
            start = http.post("/api/v3/auth/qr", json={"username": "fuzz_login"})
            assert start.status_code == 200
            token: str = start.json()["token"]
            return token

        yield {
            "rig": rig,
            "app": app,
            "dialog_id": lambda: rig.big,
            "uuid": lambda: entry.uuid,
            "token": pending_login,
        }


@pytest.fixture(scope="module")
def api_schema(targets: dict[str, Any]) -> Any:
    schema = schemathesis.openapi.from_asgi("/openapi.json", targets["app"])
    schema.config.generation.update(
        max_examples=EXAMPLES, deterministic=not RANDOM, database="none"
    )
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


def _steer(case: Any, targets: dict[str, Any]) -> None:
    """Point the case at things that exist (its other parts stay as generated)."""
    case.headers = {**(case.headers or {}), "X-Telegram-Username": ALICE}
    params = case.path_parameters or {}
    for name in ("dialog_id", "uuid", "token"):
        if name in params:
            params[name] = targets[name]()


@schema.parametrize()
@schema.given(steered=st.booleans())
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=EXAMPLES)
def test_every_operation_answers_as_documented(
    case: Any, steered: bool, targets: dict[str, Any]
) -> None:
    if steered:
        _steer(case, targets)
    response = case.call()
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"detail"} and isinstance(body["detail"], str), body
        assert "Traceback" not in body["detail"]


def test_no_operation_documents_422(api_schema: Any, targets: dict[str, Any]) -> None:
    rig: Rig = targets["rig"]
    assert rig.settings.storage_backend == "embedded"
    spec = targets["app"].openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "422" not in codes, (method, path)
            assert "500" in codes, (method, path)
            for code in codes - {"200", "201", "206", "304", "307"}:
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ErrorBody"}
    assert spec["components"]["schemas"]["ErrorBody"]["additionalProperties"] is False
