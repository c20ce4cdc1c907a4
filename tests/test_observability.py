"""Logs as CloudWatch receives them: events/ samples replayed through the Lambda handlers
with the JSON logging a Lambda gets, captured line by line.

GIVEN a function imported as on Lambda (JSON logging on), WHEN an API Gateway event is
replayed through its handler with a Lambda context, THEN every line it logs is one JSON
object carrying that invocation's request id; a Telegram FLOOD_WAIT logs the line the
template's metric filter counts, and LOG_LEVEL decides what is written.
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from local.simtg import SimulatedTelegram, World
from tests.support.history import ALICE, container, log_in, small_world
from tests.support.template_policy import RESOURCES
from tgscraper import observability
from tgscraper.config import Settings
from tgscraper.storage.factory import build_embedded_stores

EVENTS = Path(__file__).resolve().parent.parent / "events"
_JSON_PATTERN = re.compile(r'^\{\s*\$\.([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"*]*)"\s*\}$')


def _matches(pattern: str, line: str) -> bool:
    """CloudWatch's JSON metric filter `{ $.key = "value" }` (the only form the template
    uses; anything else fails the test rather than being guessed at)."""
    found = _JSON_PATTERN.match(pattern)
    assert found, f"unsupported filter pattern {pattern!r}"
    try:
        record = json.loads(line)
    except ValueError:
        return False
    return isinstance(record, dict) and record.get(found[1]) == found[2]


def _context(request_id: str) -> SimpleNamespace:
    return SimpleNamespace(aws_request_id=request_id, function_name="tgscraper-test")


@pytest.fixture
def lambda_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """JSON logging exactly as on Lambda, written to a buffer instead of stdout."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tgscraper-test")
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("LOG_LEVEL", "info")
    buffer = io.StringIO()
    observability.reset_logging()
    observability.setup_logging(stream=buffer)
    yield buffer
    observability.reset_logging()  # back to the test process's plain logging


def _lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    # json.loads fails the test on any line that is not one JSON object.
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


@pytest.fixture
def world() -> World:
    return small_world()


@pytest.fixture
def history(
    embedded_settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, SimulatedTelegram, int]:
    from functions.history import app as module

    sim = SimulatedTelegram(world)
    stores = build_embedded_stores(embedded_settings)
    log_in(stores, sim, ALICE)
    monkeypatch.setattr(module.app.state, "container", container(embedded_settings, stores, sim))
    peer = next(d.peer_id for d in world.dialogs if d.kind == "channel")
    return module, sim, peer


def _history_event(peer: int) -> dict[str, Any]:
    event: dict[str, Any] = copy.deepcopy(json.loads((EVENTS / "history_get.json").read_text()))
    event["rawPath"] = event["requestContext"]["http"]["path"] = f"/api/v3/history/{peer}"
    event["pathParameters"] = {"dialog_id": str(peer)}
    event["rawQueryString"], event["queryStringParameters"] = "", None
    event["headers"]["x-telegram-username"] = ALICE
    return event


def test_a_flood_wait_logs_one_json_line_with_the_request_id_that_the_alarm_counts(
    lambda_logs: io.StringIO, history: tuple[Any, SimulatedTelegram, int]
) -> None:
    module, sim, peer = history
    sim.flood("GetHistoryRequest", 42)

    response = module.handler(_history_event(peer), _context("req-flood-1"))

    assert response["statusCode"] == 429
    records = _lines(lambda_logs)
    floods = [r for r in records if r.get("event") == "FLOOD_WAIT"]
    assert len(floods) == 1, records
    [flood] = floods
    assert flood["function_request_id"] == "req-flood-1"
    assert flood["flood_wait_seconds"] == 42 and flood["level"] == "WARNING"
    assert flood["cold_start"] in (True, False) and flood["service"] == "tgscraper"
    # ...and it is the line the template's metric filters count, and only it is.
    patterns = {
        res["Properties"]["FilterPattern"]
        for res in RESOURCES.values()
        if res["Type"] == "AWS::Logs::MetricFilter"
    }
    assert len(patterns) == 1
    [pattern] = patterns
    raw_lines = lambda_logs.getvalue().splitlines()
    assert [json.loads(line) for line in raw_lines if _matches(pattern, line)] == [flood]


def test_the_request_id_belongs_to_its_invocation_only(
    lambda_logs: io.StringIO, history: tuple[Any, SimulatedTelegram, int]
) -> None:
    module, sim, peer = history
    sim.flood("GetHistoryRequest", 5, times=2)
    for request_id in ("req-a", "req-b"):
        assert module.handler(_history_event(peer), _context(request_id))["statusCode"] == 429
    observability.flood_wait(1, "outside any invocation")
    ids = [r.get("function_request_id") for r in _lines(lambda_logs) if r.get("event")]
    assert ids == ["req-a", "req-b", None]


@pytest.mark.parametrize(("level", "logged"), [("DEBUG", True), ("INFO", False)])
def test_log_level_decides_whether_each_invocation_is_logged(
    lambda_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch, level: str, logged: bool
) -> None:
    from functions.info import app as module

    monkeypatch.setenv("LOG_LEVEL", level.lower())
    observability.setup_logging()
    event = json.loads((EVENTS / "info_health.json").read_text())

    assert module.handler(event, _context("req-health"))["statusCode"] == 200

    records = _lines(lambda_logs)
    summary = [r for r in records if r["message"].startswith("GET /health -> 200")]
    assert bool(summary) == logged
    if logged:
        assert summary[0]["function_request_id"] == "req-health"
        assert summary[0]["level"] == "DEBUG" and summary[0]["function_name"] == "tgscraper-test"


def test_outside_lambda_logs_stay_text_unless_json_is_asked_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert observability.json_wanted() is False
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert observability.json_wanted() is True
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "f")
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert observability.json_wanted() is False


@pytest.mark.parametrize(
    ("value", "level"), [("debug", "DEBUG"), ("Warn", "WARNING"), ("loud", "INFO"), ("", "INFO")]
)
def test_log_level_is_read_leniently(
    monkeypatch: pytest.MonkeyPatch, value: str, level: str
) -> None:
    monkeypatch.setenv("LOG_LEVEL", value)
    assert observability.log_level() == level


def test_the_metric_filter_pattern_rejects_other_lines() -> None:
    pattern = '{ $.event = "FLOOD_WAIT" }'
    assert _matches(pattern, '{"event": "FLOOD_WAIT", "message": "x"}')
    assert not _matches(pattern, '{"message": "FLOOD_WAIT: Telegram asks to wait"}')
    assert not _matches(pattern, "WARNING tgscraper.telegram: FLOOD_WAIT: wait 3 s")
