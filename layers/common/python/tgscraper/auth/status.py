"""What a QR login answers: its status and a message saying what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from tgscraper.auth.store import QrState, Status

FLOW_SECONDS = 300
"""A flow expires this long after it started."""
_SCAN_HINT = "Telegram → Settings → Devices → Link Desktop Device"


@dataclass(frozen=True)
class QrStart:
    token: str
    qr_url: str
    message: str


@dataclass(frozen=True)
class QrStatus:
    status: Status
    username: str
    qr_url: str | None
    error: str | None
    message: str
    access_token: str | None = None
    """AUTH_MODE=token: in the one answer that completed the login (shown once)."""


def message_of(state: QrState) -> str:
    if state.status == "pending":
        return (
            f"Scan the QR code in {_SCAN_HINT}; keep polling GET /api/v3/auth/qr/{state.token} "
            "(the QR refreshes itself)"
        )
    if state.status == "password_required":
        return (
            f"Two-step verification is on: POST the password to /api/v3/auth/qr/{state.token}/2fa"
        )
    if state.status == "success":
        return f"Logged in: send 'X-Telegram-Username: {state.username}' with every API request"
    if state.status == "expired":
        return f"The QR login expired ({FLOW_SECONDS // 60} minutes); start a new one"
    return "The QR login failed; start a new one with POST /api/v3/auth/qr"


def status_of(state: QrState, access_token: str | None = None) -> QrStatus:
    message = message_of(state)
    if access_token is not None:
        message = (
            "Logged in: send 'Authorization: Bearer <access_token>' with every API request; "
            "this token is shown only now, keep it safe"
        )
    return QrStatus(state.status, state.username, state.qr_url, state.error, message, access_token)
