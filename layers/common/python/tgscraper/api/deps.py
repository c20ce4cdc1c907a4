"""Dependencies shared by every router, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from tgscraper.api.callers import BEARER_HELP, Caller, identify
from tgscraper.container import Container
from tgscraper.errors import Forbidden, Unauthorized
from tgscraper.identity import is_valid_username

USERNAME_HEADER = "X-Telegram-Username"


async def get_container(request: Request) -> Container:
    # async: FastAPI runs a sync dependency in its thread pool, and that hop (waiting for
    # the GIL while the event loop streams) cost /health tens of ms under an SSE stream.
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_caller(
    request: Request,
    container: ContainerDep,
    authorization: Annotated[
        str | None,
        Header(description="`Bearer <access token>`: names the account (AUTH_MODE=token)"),
    ] = None,
) -> Caller:
    return identify(request, container.settings, container.stores.accounts, authorization)


CallerDep = Annotated[Caller, Depends(get_caller)]


def get_identity(
    container: ContainerDep,
    caller: CallerDep,
    x_telegram_username: Annotated[
        str | None,
        Header(
            alias=USERNAME_HEADER,
            description="The account name chosen at login; its session must exist. With a "
            "bearer token it may be left out (and must match when sent).",
        ),
    ] = None,
) -> str:
    """The validated username the request acts as (401 otherwise); its session may be
    gone (logout is idempotent). The pattern is checked before any storage access so no
    value can reach a key or path."""
    claimed = _claimed(x_telegram_username)
    if caller.username is not None:
        if claimed is not None and claimed != caller.username:
            raise Forbidden(
                f"{USERNAME_HEADER} names '{claimed}', but the access token belongs to "
                f"'{caller.username}'"
            )
        return caller.username
    if container.settings.auth_mode == "token" and not caller.operator:
        raise Unauthorized(f"This server requires an access token (AUTH_MODE=token): {BEARER_HELP}")
    if claimed is None:
        raise Unauthorized(f"Missing {USERNAME_HEADER} header")
    return claimed


def _claimed(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    username = value.strip()
    if not is_valid_username(username):
        raise Unauthorized(
            f"Invalid {USERNAME_HEADER} header: use 1-64 characters from A-Z, a-z, 0-9, "
            "'_', '.', '-', not starting with '.' or '-'"
        )
    return username


IdentityDep = Annotated[str, Depends(get_identity)]


def get_username(container: ContainerDep, username: IdentityDep) -> str:
    """The validated, logged-in username of the request (401 otherwise)."""
    if not container.stores.sessions.exists(username):
        raise Unauthorized(
            f"No Telegram session for '{username}': log in first (POST /api/v3/auth/qr)"
        )
    return username


UsernameDep = Annotated[str, Depends(get_username)]
