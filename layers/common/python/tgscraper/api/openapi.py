"""The error half of the OpenAPI document, so it tells what the API really answers.

FastAPI documents a 422 `HTTPValidationError` on every route with parameters, but the API
answers bad input with 400 and every error as exactly `{"detail": "<readable>"}`
(`tgscraper.api.errors`). `install_openapi` rewrites the generated document once:

- 422 and its validation schemas are dropped;
- 400 is documented on every operation (validation, and unknown query parameters), 401
  on every operation with the `X-Telegram-Username` header (`UsernameDep`), 500 on all;
- every documented 4xx/5xx answers `ErrorBody` (a route's own `responses=` keep their
  descriptions and get the body if they named none); 429 and 503 carry `Retry-After`.

Routers declare the statuses only they can produce with `error_responses(404, 429, ...)`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict

from tgscraper.api.deps import USERNAME_HEADER


class ErrorBody(BaseModel):
    """Every error response: one readable sentence."""

    model_config = ConfigDict(extra="forbid")
    detail: str


_DESCRIPTIONS = {
    400: "Bad request: a parameter or the body is invalid, or a query parameter is "
    "unknown (the message names it)",
    401: f"Missing or invalid {USERNAME_HEADER} header or access token, or no stored session",
    403: "The dialog is not accessible to this account, or the access token belongs to "
    f"another username than {USERNAME_HEADER} names",
    404: "Not found",
    409: "Conflict (state mismatch, or the account is busy in another process)",
    416: "Range not satisfiable",
    429: "Telegram flood wait: retry after `Retry-After` seconds",
    500: "Unexpected server error (generic message; the details go to the log only)",
    502: "Telegram is unreachable or refused the request",
    503: "Temporarily unavailable (storage throttled or busy): retry after `Retry-After`",
}
_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying",
        "schema": {"type": "integer"},
        "required": True,
    }
}
_REF = {"$ref": "#/components/schemas/ErrorBody"}
_DROPPED_SCHEMAS = ("HTTPValidationError", "ValidationError")


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for a route's own error statuses, with the error body."""
    return {code: {"model": ErrorBody, "description": _DESCRIPTIONS[code]} for code in codes}


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _with_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_errors(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name in _DROPPED_SCHEMAS:
        components.pop(name, None)
    components["ErrorBody"] = ErrorBody.model_json_schema()
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            _fix_operation(operation)
    return schema


def _fix_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    params = operation.get("parameters", [])
    # 400 everywhere: any operation refuses unknown query parameters (api.query_check).
    implied = [400, 500]
    if any(p.get("in") == "header" and p.get("name") == USERNAME_HEADER for p in params):
        implied += [401, 403]
    for status in implied:
        responses.setdefault(str(status), {"description": _DESCRIPTIONS[status]})
    for code, response in responses.items():
        if not code.isdigit() or int(code) < 400:
            continue
        # A route may document an error status without a body (e.g. for its description).
        response.setdefault("content", {"application/json": {"schema": _REF}})
        if int(code) in (429, 503):
            response.setdefault("headers", _RETRY_AFTER)
