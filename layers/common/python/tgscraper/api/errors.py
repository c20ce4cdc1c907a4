"""The error contract: every error is JSON {"detail": "<readable string>"}.

Validation errors become 400 naming the bad parameter (never FastAPI's default list),
service errors carry their own status, a storage outage is a 503 with Retry-After, and
anything unexpected is a generic 500 whose traceback goes to the log only.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tgscraper.errors import RateLimited, ServiceError
from tgscraper.storage.ports import StorageError

log = logging.getLogger("tgscraper.api")

_LOCATION_NAMES = {"query": "query parameter", "path": "path parameter", "header": "header"}


def describe_validation_error(errors: list[dict[str, Any]]) -> str:
    """One readable sentence for the first validation error."""
    if not errors:
        return "Invalid request"
    err = errors[0]
    loc = [str(part) for part in err.get("loc", ())]
    kind = err.get("type", "")
    if kind == "json_invalid":
        return "Invalid JSON body"
    msg = str(err.get("msg", "invalid value"))
    if not loc:
        return f"Invalid request: {msg}"
    where = loc[0]
    if where == "body":
        field = ".".join(loc[1:])
        if not field:
            return "Invalid request body: a JSON object is required"
        return f"Invalid body field '{field}': {msg}"
    name = loc[1] if len(loc) > 1 else where
    return f"Invalid {_LOCATION_NAMES.get(where, where)} '{name}': {msg}"


def error_response(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


async def _validation_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(400, describe_validation_error(list(exc.errors())))


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "Error"
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"Not found: {request.url.path}"
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        detail = f"Method {request.method} not allowed on {request.url.path}"
    return error_response(exc.status_code, detail, getattr(exc, "headers", None))


async def _service_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return error_response(exc.status_code, exc.detail, headers)


async def _storage_handler(request: Request, exc: Exception) -> JSONResponse:
    # The port's StorageError means throttled or unavailable, nothing known written:
    # a transient 503 the client can retry, not an opaque 500.
    log.error("storage failure on %s %s: %s", request.method, request.url.path, exc)
    return error_response(
        503, "Storage is temporarily unavailable; retry shortly", {"Retry-After": "1"}
    )


async def _unexpected_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "Internal server error")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(ServiceError, _service_handler)
    app.add_exception_handler(StorageError, _storage_handler)
    app.add_exception_handler(Exception, _unexpected_handler)
