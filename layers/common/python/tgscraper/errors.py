"""Domain errors raised by services; the API layer maps each to one HTTP status.

Services never see HTTP, so they speak in these terms and `tgscraper.api.errors`
translates them into `{"detail": ...}` responses.
"""

from __future__ import annotations

from tgscraper.storage.ports import StorageError


class ServiceError(Exception):
    """Base class: `detail` is safe to show to the client."""

    status_code = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(ServiceError):
    status_code = 400


class Unauthorized(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class RateLimited(ServiceError):
    """Telegram asked us to wait (FLOOD_WAIT), or an abuse limit of ours refused (QR
    login starts); `retry_after` is in seconds."""

    status_code = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class TelegramUnavailable(ServiceError):
    status_code = 502


class StorageMisconfigured(ServiceError, StorageError):
    """The storage backend is configured wrongly (no region, a missing table or bucket,
    credentials rejected, access denied): retrying cannot help, so this is a 500 naming
    what to fix, never the retryable 503 of a storage outage.

    A ServiceError first (the API and the SSE error frame answer its status and detail),
    and a StorageError too, so code that guards against a failed store write still does.
    """

    status_code = 500
