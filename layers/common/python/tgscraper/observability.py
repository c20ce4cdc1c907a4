"""Logging for every entry point: `LOG_LEVEL`, JSON lines with the Lambda request id, and
the one FLOOD_WAIT line the stack's CloudWatch metric filter counts.

- In Lambda (AWS_LAMBDA_FUNCTION_NAME set) or with LOG_FORMAT=json, the "tgscraper"
  logger writes one JSON object per line with AWS Lambda Powertools' formatter (the keys
  Powertools users and its Logs Insights queries expect: level, location, message,
  timestamp, service, xray_trace_id), plus, inside a handler wrapped by `lambda_handler`,
  function_request_id, function_name and cold_start. Other libraries' loggers (botocore,
  telethon) keep the runtime's handler and level: botocore's DEBUG log prints raw items.
- Elsewhere (the local runner, tests) logs stay human-readable text unless LOG_FORMAT=json.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import IO, Any

LOGGER = "tgscraper"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FLOOD_WAIT_EVENT = "FLOOD_WAIT"
"""The `event` key of the flood-wait line; template.yaml's metric filters match it."""

_log = logging.getLogger("tgscraper.telegram")
_state: dict[str, Any] = {"handler": None, "cold": True}

Handler = Callable[[Any, Any], Any]


def log_level() -> str:
    """LOG_LEVEL, upper-cased; anything unknown falls back to INFO (and says so)."""
    value = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if value == "WARN":
        value = "WARNING"
    if value not in LEVELS:
        print(f"LOG_LEVEL={value!r} is not one of {', '.join(LEVELS)}: using INFO", file=sys.stderr)
        return "INFO"
    return value


def json_wanted() -> bool:
    chosen = os.environ.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "text"):
        return chosen == "json"
    return bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))


def setup_logging(stream: IO[str] | None = None) -> None:
    """Apply LOG_LEVEL to the tgscraper loggers and, where JSON is wanted, give them one
    JSON handler (idempotent: every handler module calls this at import)."""
    root = logging.getLogger(LOGGER)
    wanted = json_wanted()
    # Unset outside Lambda, the level stays the root logger's (the local runner's
    # basicConfig, pytest's caplog).
    if wanted or "LOG_LEVEL" in os.environ:
        root.setLevel(log_level())
    if not wanted or _state["handler"] is not None:
        return
    # Deferred: the local runner never pays for it; ~10-15 ms on a cold Lambda.
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(
        LambdaPowertoolsFormatter(service=os.environ.get("POWERTOOLS_SERVICE_NAME", LOGGER))
    )
    root.addHandler(handler)
    # One line per record: not again through the runtime's text handler on the root logger.
    root.propagate = False
    _state["handler"] = handler


def reset_logging() -> None:
    """Undo `setup_logging` (tests)."""
    handler = _state["handler"]
    root = logging.getLogger(LOGGER)
    if handler is not None:
        root.removeHandler(handler)
    root.propagate = True
    root.setLevel(logging.NOTSET)
    _state.update(handler=None, cold=True)


def _formatter() -> Any:
    handler = _state["handler"]
    return None if handler is None else handler.formatter


def lambda_handler(handler: Handler) -> Handler:
    """Wrap a Lambda handler so each invocation's log lines carry its request id."""

    def invoke(event: Any, context: Any) -> Any:
        formatter = _formatter()
        keys = {
            "function_request_id": getattr(context, "aws_request_id", None),
            "function_name": getattr(context, "function_name", None),
            "cold_start": _state["cold"],
        }
        _state["cold"] = False
        if formatter is not None:
            formatter.append_keys(**keys)
        started = time.monotonic()
        try:
            response = handler(event, context)
            status = response.get("statusCode") if isinstance(response, dict) else None
            # DEBUG only: API Gateway's access log already has one line per request.
            logging.getLogger("tgscraper.lambda").debug(
                "%s -> %s in %.0f ms",
                event.get("routeKey", "?") if isinstance(event, dict) else "?",
                status,
                (time.monotonic() - started) * 1000,
                extra={"status": status},
            )
            return response
        finally:
            if formatter is not None:
                formatter.remove_keys(list(keys))

    invoke.__wrapped__ = handler  # type: ignore[attr-defined]
    return invoke


def flood_wait(seconds: int | float, during: str) -> None:
    """The one line logged whenever Telegram answers FLOOD_WAIT (alarm metric source)."""
    _log.warning(
        "%s: Telegram asks to wait %s s (%s)",
        FLOOD_WAIT_EVENT,
        int(seconds),
        during,
        extra={"event": FLOOD_WAIT_EVENT, "flood_wait_seconds": int(seconds), "during": during},
    )
