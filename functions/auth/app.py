"""Auth endpoints: QR login (start, poll, 2FA, cancel), the QR picture, a login page
and logout.

Transport only: every route calls one AuthService method (tgscraper.auth.service) and
shapes its answer. The flow's state lives in the QR store, so each request may land on
another Lambda instance.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from mangum import Mangum
from pydantic import BaseModel, Field, SecretStr

from tgscraper.accounts.store import AccountStore
from tgscraper.accounts.tokens import TokenService
from tgscraper.api.app_factory import create_app
from tgscraper.api.deps import ContainerDep, IdentityDep, UsernameDep
from tgscraper.api.openapi import ErrorBody, error_responses
from tgscraper.auth.deps import AuthServiceDep, RequesterDep
from tgscraper.auth.logout import log_out
from tgscraper.auth.page import LOGIN_PAGE_HEADERS, login_page_html
from tgscraper.auth.qr_image import qr_svg
from tgscraper.auth.status import QrStatus
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
    access_token: str | None = Field(
        None,
        description="AUTH_MODE=token only: the login's access token, in the one answer that "
        "completed it (shown once; send it as `Authorization: Bearer`)",
    )


class PasswordIn(BaseModel):
    password: SecretStr = Field(description="The account's two-step verification password")


class CancelOut(BaseModel):
    status: Literal["cancelled"]
    message: str


@router.post(
    "/api/v3/auth/qr",
    response_model=QrStartOut,
    responses={
        **error_responses(401, 403, 409, 429, 502, 503),
        429: {
            "model": ErrorBody,
            "description": "Too many QR login starts from this client address or for this "
            "username (QR_START_LIMIT_* settings), or a Telegram flood wait: retry after "
            "`Retry-After` seconds",
        },
    },
    summary="Start a QR login",
)
async def start_qr(
    body: QrStartIn, service: AuthServiceDep, requester: RequesterDep, request: Request
) -> Any:
    # The peer as the server saw it: on Lambda, Mangum's requestContext sourceIp; on the
    # local runner, the socket's address (X-Forwarded-For only from TRUSTED_PROXIES).
    # No address known: all such requests share one bucket rather than none.
    address = request.client.host if request.client and request.client.host else "unknown"
    return await service.start(
        body.username, force=body.force, requester=requester, client_address=address
    )


@router.get(
    "/api/v3/auth/qr/{token}",
    response_model=QrStatusOut,
    response_model_exclude_unset=True,
    responses=error_responses(404, 429, 502, 503),
    summary="Poll a QR login's status",
)
async def poll_qr(service: AuthServiceDep, token: str = Token) -> Any:
    return _status(await service.poll(token))


@router.post(
    "/api/v3/auth/qr/{token}/2fa",
    response_model=QrStatusOut,
    response_model_exclude_unset=True,
    responses=error_responses(404, 409, 429, 502, 503),
    summary="Submit the 2FA password of a QR login",
)
async def submit_password(body: PasswordIn, service: AuthServiceDep, token: str = Token) -> Any:
    return _status(await service.submit_password(token, body.password.get_secret_value()))


def _status(status: QrStatus) -> dict[str, Any]:
    """The answer; `access_token` only where a token was handed out (header mode keeps
    the contract's shape)."""
    body = asdict(status)
    if body["access_token"] is None:
        del body["access_token"]
    return body


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
    "revoked once the data is all deleted (data_remaining=true: they still work, send the "
    "request again); with keep_data=true the caches (and the username's binding to its "
    "Telegram account) are kept and the tokens revoked.",
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


# -- access tokens (docs/accounts.md) --------------------------------------------------


class TokenOut(BaseModel):
    id: str = Field(description="Names the token in the listing and for DELETE")
    label: str
    created_at: int = Field(description="Epoch seconds")


class TokenListOut(BaseModel):
    username: str
    tokens: list[TokenOut]


class TokenIn(BaseModel):
    label: str = Field("", description="What the token is for (at most 64 characters)")


class NewTokenOut(TokenOut):
    token: str = Field(description="The bearer token itself: shown only in this answer")


class RevokedOut(BaseModel):
    status: Literal["revoked"]
    id: str


def _tokens(container: ContainerDep) -> TokenService:
    return TokenService(AccountStore(container.stores.accounts), container.stores.sessions)


TokensDep = Annotated[TokenService, Depends(_tokens)]


@router.get(
    "/api/v3/auth/tokens",
    response_model=TokenListOut,
    responses=error_responses(401, 403, 503),
    summary="List the account's access tokens (never the tokens themselves)",
)
def list_tokens(username: IdentityDep, tokens: TokensDep) -> Any:
    return {"username": username, "tokens": [asdict(t) for t in tokens.list(username)]}


@router.post(
    "/api/v3/auth/tokens",
    response_model=NewTokenOut,
    status_code=201,
    responses=error_responses(401, 403, 409, 503),
    summary="Create an access token for the account (shown once)",
)
def create_token(username: UsernameDep, tokens: TokensDep, body: TokenIn | None = None) -> Any:
    issued = tokens.create(username, body.label if body is not None else "")
    return {**asdict(issued.info), "token": issued.token}


@router.delete(
    "/api/v3/auth/tokens/{token_id}",
    response_model=RevokedOut,
    responses=error_responses(401, 403, 404, 503),
    summary="Revoke one of the account's access tokens (refused at once)",
)
def revoke_token(username: IdentityDep, tokens: TokensDep, token_id: str) -> Any:
    tokens.revoke(username, token_id)
    return {"status": "revoked", "id": token_id}


app = create_app([router])
# JSON log lines carrying the request id (tgscraper.observability).
handler = lambda_handler(Mangum(app, lifespan="off"))
