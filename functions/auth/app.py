"""Auth endpoints: QR login (start, poll, 2FA, cancel), the QR picture, a login page
and logout.

Transport only: every route calls one AuthService method (tgscraper.auth.service) and
shapes its answer. The flow's state lives in the QR store, so each request may land on
another Lambda instance.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response
from mangum import Mangum
from pydantic import BaseModel, Field, SecretStr

from tgscraper.api.app_factory import create_app
from tgscraper.api.deps import ContainerDep, IdentityDep
from tgscraper.api.openapi import error_responses
from tgscraper.auth.deps import AuthServiceDep
from tgscraper.auth.logout import log_out
from tgscraper.auth.page import LOGIN_PAGE_HEADERS, login_page_html
from tgscraper.auth.qr_image import qr_svg
from tgscraper.errors import NotFound
from tgscraper.identity import USERNAME_PATTERN
from tgscraper.observability import lambda_handler

router = APIRouter(tags=["auth"])

Token = Path(
    description="The id returned by POST /api/v3/auth/qr (32 URL-safe characters)",
    # No `pattern=` here: a malformed token is simply unknown (404), checked in the store.
)


class QrStartIn(BaseModel):
    username: str = Field(
        description="Account name you choose; send it later as X-Telegram-Username",
        # Documented, not enforced here: the service answers a clearer 400 than pydantic.
        json_schema_extra={"pattern": USERNAME_PATTERN},
    )
    force: bool = Field(False, description="Replace an existing session once this login succeeds")


class QrStartOut(BaseModel):
    token: str
    qr_url: str
    message: str


class QrStatusOut(BaseModel):
    status: Literal["pending", "password_required", "success", "expired", "error"]
    username: str
    qr_url: str | None
    error: str | None
    message: str


class PasswordIn(BaseModel):
    password: SecretStr = Field(description="The account's two-step verification password")


class CancelOut(BaseModel):
    status: Literal["cancelled"]
    message: str


@router.post(
    "/api/v3/auth/qr",
    response_model=QrStartOut,
    responses=error_responses(409, 429, 502, 503),
    summary="Start a QR login",
)
async def start_qr(body: QrStartIn, service: AuthServiceDep) -> Any:
    return await service.start(body.username, force=body.force)


@router.get(
    "/api/v3/auth/qr/{token}",
    response_model=QrStatusOut,
    responses=error_responses(404, 429, 502, 503),
    summary="Poll a QR login's status",
)
async def poll_qr(service: AuthServiceDep, token: str = Token) -> Any:
    return await service.poll(token)


@router.post(
    "/api/v3/auth/qr/{token}/2fa",
    response_model=QrStatusOut,
    responses=error_responses(404, 409, 429, 502, 503),
    summary="Submit the 2FA password of a QR login",
)
async def submit_password(body: PasswordIn, service: AuthServiceDep, token: str = Token) -> Any:
    return await service.submit_password(token, body.password.get_secret_value())


@router.delete(
    "/api/v3/auth/qr/{token}",
    response_model=CancelOut,
    responses=error_responses(404, 409, 503),
    summary="Cancel a pending QR login",
    description="A login that already finished (success, expired, error) is a 409 naming "
    "its status, which stays readable with GET.",
)
def cancel_qr(service: AuthServiceDep, token: str = Token) -> Any:
    service.cancel(token)
    return {"status": "cancelled", "message": "QR login cancelled; an existing session is kept"}


class LogoutOut(BaseModel):
    status: Literal["logged_out"]
    telegram_logged_out: bool = Field(
        description="The session's key no longer works at Telegram (auth.logOut answered, "
        "or the key was already revoked); false when no session was stored or Telegram "
        "could not be reached (the local logout happened anyway)"
    )
    data_deleted: bool = Field(
        description="Cached messages, dialog lists, sync state, media index and files of "
        "this username were deleted (false with keep_data=true)"
    )
    data_remaining: bool = Field(
        description="Deleting ran out of time and part of the data is still stored: send "
        "the same request again (a very large cache on AWS)"
    )
    message: str


@router.delete(
    "/api/v3/auth/session",
    response_model=LogoutOut,
    responses=error_responses(400, 401, 503),
    summary="Log out: end the Telegram session and delete this account's data",
    description="Idempotent: a second call answers the same shape. Access tokens are "
    "always revoked; with keep_data=true the caches (and the username's binding to its "
    "Telegram account) are kept.",
)
async def logout(
    container: ContainerDep,
    username: IdentityDep,
    keep_data: Annotated[
        bool, Query(description="Keep the cached messages, dialogs and files")
    ] = False,
) -> Any:
    result = await log_out(container, username, keep_data=keep_data)
    return {
        "status": "logged_out",
        "telegram_logged_out": result.telegram_logged_out,
        "data_deleted": result.data_deleted,
        "data_remaining": result.data_remaining,
        "message": result.message,
    }


@router.get(
    "/api/v3/auth/qr/{token}/qr.svg",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}}, **error_responses(404, 503)},
    summary="The current QR code of a pending login, as SVG",
)
def qr_picture(service: AuthServiceDep, token: str = Token) -> Response:
    url = service.current_login_url(token)
    if url is None:
        raise NotFound("No QR code to show: unknown token, or the login is no longer pending")
    return Response(qr_svg(url), media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


@router.get("/login", response_class=HTMLResponse, summary="Browser login page (QR + 2FA)")
def login_page(
    username: Annotated[
        str | None, Query(description="Pre-fills the username field (read by the page)")
    ] = None,
) -> HTMLResponse:
    # Declared so it is an accepted parameter (unknown ones are a 400); the page's own
    # script reads it, the server does not need it.
    del username
    return HTMLResponse(login_page_html(), headers=LOGIN_PAGE_HEADERS)


app = create_app([router])
# JSON log lines carrying the request id (tgscraper.observability).
handler = lambda_handler(Mangum(app, lifespan="off"))
